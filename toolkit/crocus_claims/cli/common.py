"""Options and error handling shared by the commands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from crocus_claims.schema import SchemaError, available_versions, load_schema


def _load(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    try:
        return load_schema(value)
    except SchemaError as error:
        raise click.ClickException(f"{error.code}: {error}") from None
    except FileNotFoundError:
        raise click.BadParameter(f"no schema {value} (known: {', '.join(available_versions())})") from None


def schema_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--schema-version: which shipped schema to use (the latest by default); passes `schema`."""
    return click.option(
        "--schema-version", "schema", default=None, callback=_load, metavar="X.Y.Z",
        help="Schema version to check against (default: the latest).",
    )(command)


def fail(code: str, message: str, exit_code: int = 1) -> None:
    """A coded, one-line error and a non-zero exit, never a traceback."""
    error = click.ClickException(f"{code}: {message}")
    error.exit_code = exit_code
    raise error


def coded_errors(*errors: type[Exception]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn the given exception types (each with a `code`) into coded one-line errors."""
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return command(*args, **kwargs)
            except errors as error:
                fail(getattr(error, "code", "error"), str(error))
        return wrapper
    return decorate
