"""The one error a release build raises: a stable code and a message naming the file."""

from __future__ import annotations

from collections.abc import Sequence

from crocus_claims.input_files import Unreadable


class ReleaseError(Exception):
    """Raised before anything is written: the build refuses, the previous release stays.
    `exit_code`: the command's exit status, 1 (refused input) unless the code says the command
    cannot run as installed or its input cannot be read (`missing-extra`, `unreadable-file`: 2,
    as for every command)."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        self.exit_code = 2 if code in ("missing-extra", "unreadable-file") else 1
        super().__init__(message)


def refuse_unreadable(unreadable: Sequence[Unreadable]) -> None:
    """ReleaseError `unreadable-file`, naming the first of `unreadable`, when there is any: a
    release built without what cannot be read would leave it out without a word."""
    if unreadable:
        raise ReleaseError("unreadable-file", str(unreadable[0]))
