"""An installed wheel carries the schema, the corpus and the release: `load()` works anywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from crocus_claims import resources
from crocus_claims.release import build_release, bundle_release


def test_an_installed_wheel_loads_its_bundled_release(tmp_path: Path) -> None:
    source = tmp_path / "source"
    tracked = subprocess.run(["git", "ls-files"], cwd=resources.REPO_ROOT, check=True, capture_output=True,
                             text=True).stdout.split()
    for name in tracked:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(resources.REPO_ROOT / name, target)
    for name in ("pyproject.toml", "toolkit/hatch_build.py"):  # the working copy, committed or not
        shutil.copy2(resources.REPO_ROOT / name, source / name)
    built = build_release(tmp_path / "built")
    bundle_release(built, source / "dist" / "release")
    counts = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["counts"]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path / "wheel"), str(source)], check=True)
    (wheel,) = (tmp_path / "wheel").glob("crocus_claims-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(tmp_path / "site"), str(wheel)], check=True)
    probe = ("import crocus_claims, json; ds = crocus_claims.load(); "
             "print(json.dumps([crocus_claims.__file__, len(list(ds)), ds.spans().height]))")
    output = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, check=True, capture_output=True,
                            text=True, env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}).stdout
    module, documents, spans = json.loads(output)
    assert module.startswith(str(tmp_path / "site"))
    assert (documents, spans) == (counts["documents"], counts["spans"])
