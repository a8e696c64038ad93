"""Hatch build hook: a wheel ships the release, so `crocus_claims.load()` works anywhere, and the
compiled helpers where a C compiler is found.

The compiled helpers (HELPERS: the validator's fast path, validation/_fast_path.c, and the default
tokenizer and tagging of to_bio(), loader/_bio_tokens.c) are built with setuptools' build_ext as optional
extensions: without a compiler the build warns, the wheel stays pure Python, and their Python
twins run, with the same results. An editable install builds them in place, beside their sources.

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
# The compiled helpers: module, source. Each is optional: without it its Python twin runs.
HELPERS = (("crocus_claims.validation._fast_path", "toolkit/crocus_claims/validation/_fast_path.c"),
           ("crocus_claims.loader._bio_tokens", "toolkit/crocus_claims/loader/_bio_tokens.c"))
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
        if self.target_name != "wheel":
            return
        self.build_compiled_helpers(build_data, in_place=version == "editable")
        if version == "editable":
            return
        release = self.checkout_release
        if not (release / "manifest.json").is_file():
            release = self.build_from_sources()
        build_data["force_include"][str(release)] = BUNDLED

    def build_compiled_helpers(self, build_data: dict[str, Any], in_place: bool) -> None:
        """Compile the helpers into the wheel (or beside their sources, `in_place`); a helper that
        fails to compile (no compiler) is left out, with a warning: its Python twin runs instead."""
        try:
            from setuptools import Distribution, Extension
            from setuptools.command.build_ext import build_ext
        except ImportError:  # a build without isolation, in an environment without setuptools
            self.app.display_warning("setuptools is not installed: the C helpers are not built, and the "
                                     "validator and to_bio() use their pure-Python twins (the same results, "
                                     "slower)")
            return
        self._helper_scratch = tempfile.TemporaryDirectory(prefix="crocus-claims-helper-")
        root = Path(self.root)
        extensions = [Extension(name, sources=[str(root / source)], optional=True)
                      for name, source in HELPERS]
        distribution = Distribution({"ext_modules": extensions, "package_dir": {"": str(root / "toolkit")}})
        command = build_ext(distribution)
        command.inplace = in_place
        command.build_lib = command.build_temp = self._helper_scratch.name
        command.ensure_finalized()
        targets = {name: Path(command.get_ext_fullpath(name)) for name, _ in HELPERS}
        for target in targets.values():
            try:
                target.unlink(missing_ok=True)  # in place, an earlier build: never taken for this one
            except OSError:  # loaded and locked (Windows): a build of another ABI is left unused
                pass
        command.run()  # an optional extension that fails to compile is skipped, with a warning
        for name, built in targets.items():
            if not built.is_file():
                self.app.display_warning(f"{name} did not compile (no working C compiler?): its pure-Python "
                                         "twin runs instead (the same results, slower)")
                continue
            if not in_place:
                build_data["force_include"][str(built)] = str(Path(*name.split(".")[:-1], built.name))
            build_data["pure_python"] = False
            build_data["infer_tag"] = True

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
        for name in ("_scratch", "_helper_scratch"):
            scratch = getattr(self, name, None)
            if scratch is not None:
                shutil.rmtree(scratch.name, ignore_errors=True)
                setattr(self, name, None)
