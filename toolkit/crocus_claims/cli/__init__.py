"""`crocus-claims`: a thin command line over the library.

Each command group lives in its own module and is imported only when it is called, so that
`crocus-claims validate` never pays for Label Studio's packages.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from crocus_claims import __version__, resources
from crocus_claims.atomic import UnwritableOutput
from crocus_claims.input_files import UnreadableFolder

# command name -> "module:attribute" of its click command, imported on first use.
COMMANDS = {
    "validate": "crocus_claims.cli.validate:validate",
    "schema": "crocus_claims.cli.schema:schema",
    "corpus": "crocus_claims.cli.corpus:corpus",
    "ls": "crocus_claims.cli.labelstudio:ls",
    "annotate": "crocus_claims.cli.labelstudio:annotate",
    "annotations": "crocus_claims.cli.annotations:annotations_group",
    "agreement": "crocus_claims.cli.agreement:agreement",
    "adjudicate": "crocus_claims.cli.adjudicate:adjudicate",
    "stats": "crocus_claims.cli.stats:stats",
    "release": "crocus_claims.cli.release:release",
    "prelabel": "crocus_claims.cli.prelabel:prelabel",
    "board": "crocus_claims.cli.board:board",
}


def coded_input_errors() -> tuple[type[Exception], ...]:
    """The errors, each with a stable `code`, of input or output a command cannot do without;
    imported when one is raised, so that no command pays for the modules that define them."""
    from crocus_claims.corpus import CorpusError
    from crocus_claims.schema import SchemaError

    return resources.NotInProjectError, UnreadableFolder, UnwritableOutput, SchemaError, CorpusError


class LazyGroup(click.Group):
    """click's documented lazy-loading group: subcommands import when invoked or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and error.name.startswith("crocus_claims"):
                return None  # a command whose module is not written yet
            raise
        command: click.Command = getattr(module, attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """A command that needs the dataset's sources, run outside a project, a folder it needs
        that cannot be listed (the schema folder's versions), a project file it needs that cannot
        be read or used (a schema version, the corpus), or an output the file system refuses (the
        disk is full): one coded line, exit 2."""
        try:
            return super().invoke(ctx)
        except Exception as error:
            if not isinstance(error, coded_input_errors()):
                raise
            coded: Any = error  # each of those types has a `code`
            failure = click.ClickException(f"{coded.code}: {error}")
            failure.exit_code = 2  # type: ignore[misc]  # click's documented way to set it
            raise failure from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crocus-claims")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="The project (a folder with schema/, corpus/ and annotations/) whose schema, corpus and "
                   "release the command uses; default: the current directory or the nearest parent that is "
                   f"one (${resources.ROOT_VARIABLE}). Paths given as arguments stay relative to the current "
                   "directory, as in any command.")
def cli(project: Path | None) -> None:
    """Build, check and ship the Crocus Claims dataset."""
    if project is not None:  # in the environment, so that worker processes see it too
        os.environ[resources.ROOT_VARIABLE] = os.path.realpath(project)  # resolve() raises for a link loop


def main(argv: list[str] | None = None) -> Any:
    """The console entry point. An unexpected exception is a bug: report it in one line, exit 2."""
    try:
        return cli.main(args=argv, prog_name="crocus-claims", standalone_mode=True)
    except Exception as error:  # noqa: BLE001 - the last resort; click handles every expected error
        if os.environ.get("CROCUS_CLAIMS_DEBUG"):
            raise
        click.echo(f"internal-error: {type(error).__name__}: {error} (a bug: please report it with the "
                   "input; set CROCUS_CLAIMS_DEBUG=1 to see the traceback)", err=True)
        sys.exit(2)
