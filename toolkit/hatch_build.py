"""Hatch build hook: a wheel ships the current release, so `crocus_claims.load()` works anywhere.

The release is built by `make release` into dist/release/. A standard wheel refuses to build
without it; an editable install skips it, since a checkout reads dist/release/ directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class BundledReleaseHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        release = Path(self.root) / "dist" / "release"
        if not (release / "manifest.json").is_file():
            raise RuntimeError(f"{release} has no release: run `make release` before building a wheel")
        build_data["force_include"][str(release)] = "crocus_claims/_data/release"
