"""The `board` extra: the modules it installs, and the one check that they are there.

Outside the `board` package (whose __init__ imports Jinja2) and importing nothing heavy, so that
`crocus-claims board` and the release builder can say what to install before importing the board.
"""

from __future__ import annotations

import importlib

BOARD_EXTRA_MODULES = ("jinja2", "markupsafe", "matplotlib")  # what the `board` extra installs (pyproject.toml)


class MissingBoardExtra(Exception):
    """A module of the `board` extra cannot be imported; str() ends "...: pip install 'crocus-claims[board]'"."""

    code = "missing-extra"

    def __init__(self, module: str):
        super().__init__(f"needs the `board` extra ({module} is not installed): pip install 'crocus-claims[board]'")
        self.module = module


def require_board_extra() -> None:
    """Import each module of the `board` extra; raises MissingBoardExtra naming the first missing."""
    for module in BOARD_EXTRA_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingBoardExtra(module) from None
