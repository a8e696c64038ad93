"""Label Studio integration: config and tasks from the schema and corpus, lossless import of exports,
and the server in its own environment.

Only `config`, `tasks`, `controls` and `importer` are light. `client` imports label-studio-sdk
(the `labelstudio` extra) and is imported only by the commands that talk to a server.
"""

from __future__ import annotations

DEFAULT_TITLE = "Crocus Claims"  # the project that push, pull and annotate use unless told otherwise


class LabelStudioError(Exception):
    """A failure a user can act on, with a stable kebab-case code; the CLI prints it on one line."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class MissingExtra(LabelStudioError):
    """The `labelstudio` extra (the Label Studio SDK) is not installed: the command cannot run as
    installed, exit status 2, as for every command's missing extra."""

    exit_code = 2

    def __init__(self, module: str | None):
        super().__init__("missing-extra",
                         f"{module} is not installed: pip install 'crocus-claims[labelstudio]'")


class UnreadableExport(LabelStudioError):
    """An export file that cannot be read as JSON (empty, a syntax error, not a list, a BOM): the
    CLI contract's unreadable input, exit status 2."""

    exit_code = 2
