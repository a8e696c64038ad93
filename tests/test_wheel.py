"""The package as users install it: a wheel carries the schema, the corpus and the release, so
`load()` works anywhere; an sdist holds what the wheel needs, the release included (built by
the wheel's build hook from the sdist's own sources); the metadata states the licences."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from crocus_claims import resources
from crocus_claims.release import build_release, bundle_release
from crocus_claims.release.facts import LICENCE_EXPRESSION

LICENCE_FILES = ("LICENSE", "NOTICE.md", "LICENSES/CC-BY-4.0.txt")


def source_copy(target: Path) -> Path:
    """The tracked files of this checkout, as a clean clone has them (no dist/)."""
    tracked = subprocess.run(["git", "ls-files"], cwd=resources.REPO_ROOT, check=True, capture_output=True,
                             text=True).stdout.splitlines()
    for name in tracked:
        if (resources.REPO_ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(resources.REPO_ROOT / name, target / name)
    return target


def build(kind: str, source: Path, output: Path) -> Path:
    """An sdist or a wheel, built offline by `python -m build` (this environment has hatchling)."""
    subprocess.run([sys.executable, "-m", "build", f"--{kind}", "--no-isolation", "--outdir", str(output),
                    str(source)], check=True, capture_output=True, text=True)
    (artifact,) = output.glob("crocus_claims-*.tar.gz" if kind == "sdist" else "crocus_claims-*.whl")
    return artifact


def load_installed(wheel: Path, tmp_path: Path) -> list[object]:
    """Install the wheel alone into a folder and load its release from outside any checkout."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(tmp_path / "site"), str(wheel)], check=True)
    probe = ("import crocus_claims, json; ds = crocus_claims.load(); "
             "print(json.dumps([crocus_claims.__file__, len(list(ds)), ds.spans().height]))")
    output = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, check=True, capture_output=True,
                            text=True, env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}).stdout
    result: list[object] = json.loads(output)
    return result


def test_an_installed_wheel_loads_the_release_make_release_bundled(tmp_path: Path) -> None:
    source = source_copy(tmp_path / "source")
    built = build_release(tmp_path / "built")
    bundle_release(built, source / "dist" / "release")
    counts = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["counts"]
    wheel = build("wheel", source, tmp_path / "wheel")
    module, documents, spans = load_installed(wheel, tmp_path)
    assert str(module).startswith(str(tmp_path / "site"))
    assert (documents, spans) == (counts["documents"], counts["spans"])


@pytest.fixture(scope="module")
def wheel_from_sdist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("sdist")
    sdist = build("sdist", source_copy(folder / "clean-clone"), folder / "dist")
    return sdist, build("wheel", sdist, folder / "dist")


def test_the_sdist_holds_the_sources_of_the_release_and_no_built_release(wheel_from_sdist: tuple[Path, Path]) -> None:
    sdist, _ = wheel_from_sdist
    with subprocess.Popen(["tar", "-tzf", str(sdist)], stdout=subprocess.PIPE, text=True) as listing:
        names = {name.split("/", 1)[1] for name in listing.stdout or () if "/" in name}
    names = {name.strip() for name in names}
    assert {"annotations/RELEASE.yaml", "corpus/sources.yaml", "toolkit/hatch_build.py", *LICENCE_FILES} <= names
    assert any(name.startswith("annotations/gold/") for name in names)
    assert not any(name.startswith("dist/") for name in names)


def test_the_wheel_built_from_the_sdist_ships_the_release_of_its_sources(
    wheel_from_sdist: tuple[Path, Path], tmp_path: Path
) -> None:
    _, wheel = wheel_from_sdist
    with zipfile.ZipFile(wheel) as archive:
        bundled = json.loads(archive.read("crocus_claims/_data/release/manifest.json"))
        assert "crocus_claims/py.typed" in archive.namelist()
    expected = json.loads((build_release(tmp_path / "built") / "manifest.json").read_text(encoding="utf-8"))
    assert bundled == expected  # the same sources give the same release, byte for byte (checksums)
    module, documents, spans = load_installed(wheel, tmp_path)
    assert (documents, spans) == (expected["counts"]["documents"], expected["counts"]["spans"])


def test_the_wheel_metadata_states_the_licences(wheel_from_sdist: tuple[Path, Path]) -> None:
    _, wheel = wheel_from_sdist
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
        shipped = {n.split(".dist-info/licenses/", 1)[1] for n in archive.namelist() if ".dist-info/licenses/" in n}
    assert metadata["License-Expression"] == LICENCE_EXPRESSION
    assert sorted(metadata.get_all("License-File")) == sorted(LICENCE_FILES)
    assert shipped == set(LICENCE_FILES)
