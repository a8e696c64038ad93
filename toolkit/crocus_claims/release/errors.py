"""The one error a release build raises: a stable code and a message naming the file."""

from __future__ import annotations


class ReleaseError(Exception):
    """Raised before anything is written: the build refuses, the previous release stays."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)
