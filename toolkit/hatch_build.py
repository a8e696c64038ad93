"""Hatch build hook: a wheel ships the release, so `crocus_claims.load()` works anywhere.

Where the release comes from:
- dist/release/, when it is there: what `make release` built and verified in this checkout;
- otherwise (a clean clone, or an sdist, which holds the sources but never dist/), the hook
  builds it from the sources being packaged, with the release builder of those same sources, in
  a child process, then verifies it. The same sources give the same bytes: the build reads no
  clock (only SOURCE_DATE_EPOCH, when set). Its requirements (the package's dependencies and the
  `croissant` and `board` extras) are then added to the build environment through `dependencies()`.
An editable install ships nothing: a checkout reads dist/release/ directly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLED = "crocus_claims/_data/release"
RELEASE_EXTRAS = ("croissant", "board")  # what building a release needs beyond the core
# Run with the sources' toolkit first on the path: the version is set before the builder reads it.
BUILD_RELEASE = """
import sys
from pathlib import Path

import crocus_claims

crocus_claims.__version__ = sys.argv[1]
from crocus_claims.release import build_release, bundle_release, verify_release

root = Path(sys.argv[2])
folder = build_release(root)
differences = verify_release(folder)
for difference in differences:
    print(difference, file=sys.stderr)
if differences:
    sys.exit(1)
print(bundle_release(folder, root / "release"))
"""


class BundledReleaseHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    @property
    def checkout_release(self) -> Path:
        return Path(self.root) / "dist" / "release"

    def dependencies(self) -> list[str]:
        """The release builder's requirements, when the release must be built from the sources."""
        if (self.checkout_release / "manifest.json").is_file():
            return []
        core = self.metadata.core
        extras = [requirement for extra in RELEASE_EXTRAS for requirement in core.optional_dependencies[extra]]
        return [*core.dependencies, *extras]

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        release = self.checkout_release
        if not (release / "manifest.json").is_file():
            release = self.build_from_sources()
        build_data["force_include"][str(release)] = BUNDLED

    def build_from_sources(self) -> Path:
        self._scratch = tempfile.TemporaryDirectory(prefix="crocus-claims-release-")
        output = Path(self._scratch.name)
        root = Path(self.root)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root / "toolkit"),
                                                                       os.environ.get("PYTHONPATH")])),
               "CROCUS_CLAIMS_PROJECT": str(root)}
        self.app.display_info(f"no dist/release: building the release from the sources in {root}")
        result = subprocess.run([sys.executable, "-c", BUILD_RELEASE, self.metadata.version, str(output)],
                                env=env, cwd=root, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"building the release from the sources failed:\n{result.stdout}{result.stderr}")
        return output / "release"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch.name, ignore_errors=True)
            self._scratch = None
