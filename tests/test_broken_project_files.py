"""A project file a command needs that cannot be read or used (the corpus, a schema version,
hand-written YAML) is one coded line naming the file, never a traceback or internal-error; JSON
nested deeper than a reader goes is a finding, not a RecursionError."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crocus_claims import resources

EXECUTABLE = Path(sys.executable).with_name("crocus-claims")
DEEP = "[" * 3000 + "]" * 3000  # past Python's recursion limit (1,000), which msgspec and PyYAML keep to


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("schema", "corpus", "annotations"):
        shutil.copytree(resources.REPO_ROOT / folder, root / folder)
    return root


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, resources.ROOT_VARIABLE: str(project)}
    return subprocess.run([str(EXECUTABLE), *args], capture_output=True, text=True, env=environ, cwd=project,
                          timeout=300, check=False)


def replace_with_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


BROKEN_CORPUS: dict[str, tuple[Callable[[Path], object], str]] = {
    "not UTF-8": (lambda path: path.write_bytes(b"\xff\xfe{}\n"), "invalid-encoding"),
    "not a document": (lambda path: path.write_text("[1, 2]\n"), "invalid-corpus"),
    "nested too deeply": (lambda path: path.write_text(DEEP + "\n"), "invalid-corpus"),
    "missing": (lambda path: path.unlink(), "unreadable-file"),
    "a folder": (replace_with_folder, "unreadable-file"),
}


@pytest.mark.parametrize("command", [["validate", "annotations/gold"], ["prelabel"], ["ls", "tasks"]],
                         ids=lambda command: " ".join(command))
@pytest.mark.parametrize("damage", sorted(BROKEN_CORPUS))
def test_a_corpus_that_cannot_be_read_is_one_coded_line(project: Path, damage: str,
                                                        command: list[str]) -> None:
    spoil, code = BROKEN_CORPUS[damage]
    path = project / "corpus" / "documents.jsonl"
    spoil(path)
    result = run(project, *command)
    assert result.returncode == 2, result.stderr
    assert f"Error: {code}: {path}" in result.stderr
    assert "Traceback" not in result.stderr and "internal-error" not in result.stderr


@pytest.mark.parametrize(("content", "code", "message"), [
    (b"", "invalid-corpus", "a list of entries"),
    (b"- doc_id: 12\n", "invalid-corpus", "Field required"),
    (b"entries: [\n", "invalid-corpus", "expected the node content"),
    (f"a: {DEEP}\n".encode(), "invalid-corpus", "recursion"),
    (b"\xff\n", "invalid-encoding", "not UTF-8"),
])
def test_a_sources_file_that_cannot_be_used_is_a_corpus_finding(project: Path, content: bytes, code: str,
                                                                message: str) -> None:
    """What it says is wrong: exit 1, as for any finding; a file that is not text: exit 2, in
    `corpus check` and `corpus build` alike."""
    path = project / "corpus" / "sources.yaml"
    path.write_bytes(content)
    result = run(project, "corpus", "check")
    assert result.returncode == (2 if code == "invalid-encoding" else 1), result.stderr
    assert f"error {code}: {path}" in result.stdout and message in result.stdout
    built = run(project, "corpus", "build")
    assert built.returncode == result.returncode and f"Error: {code}: {path}" in built.stderr
    assert "Traceback" not in result.stderr and "internal-error" not in result.stderr


@pytest.mark.parametrize(("content", "message"),
                         [(b"\xff", "not UTF-8"), (b"", "a schema file is a mapping")])
@pytest.mark.parametrize("command", [["validate", "annotations/gold"], ["stats", "annotations/gold"],
                                     ["schema", "jsonschema", "--check"]],
                         ids=lambda command: " ".join(command))
def test_a_schema_version_that_cannot_be_read_is_one_coded_line(project: Path, content: bytes, message: str,
                                                                command: list[str]) -> None:
    latest = max((project / "schema").glob("v*.*.*.yaml"),
                 key=lambda path: tuple(map(int, path.stem[1:].split("."))))
    latest.write_bytes(content)
    result = run(project, *command)
    assert result.returncode == 2, result.stderr
    assert f"Error: invalid-schema: {latest}" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr and "internal-error" not in result.stderr


@pytest.mark.parametrize(("added", "message"),
                         [("when: 2020-13-45\n", "a value cannot be read: month must be"),
                          (f"deep: {DEEP}\n", "nested too deeply to read")])
def test_yaml_pyyaml_cannot_construct_is_a_yaml_error(project: Path, added: str, message: str) -> None:
    authored = sorted((project / "annotations" / "authored" / "gold").glob("*.yaml"))[0]
    authored.write_text(authored.read_text(encoding="utf-8") + added, encoding="utf-8")
    result = run(project, "annotations", "build", "--check")
    assert result.returncode == 1, result.stderr
    assert f"{authored.relative_to(project)}: error yaml-syntax-error: {message}" in result.stdout
    assert "Traceback" not in result.stderr and "internal-error" not in result.stderr


def test_json_nested_too_deeply_is_invalid_json_in_every_reader_of_records(project: Path) -> None:
    gold = sorted((project / "annotations" / "gold").glob("*.jsonl"))[0]
    line = gold.read_text(encoding="utf-8").rstrip("\n")
    deep = project / "deep.jsonl"
    deep.write_text(line[:-1] + f', "deep": {DEEP}}}\n' + line + "\n", encoding="utf-8")
    expected = f"{deep}:1: error invalid-json: nested too deeply to read"
    for command, status in ((["validate", str(deep)], 1), (["validate", "--jobs", "2", str(deep)], 1),
                            (["stats", str(deep)], 2), (["agreement", str(deep), str(deep)], 2)):
        result = run(project, *command)
        assert result.returncode == status, (command, result.stderr)
        assert expected in result.stdout + result.stderr, (command, result.stdout, result.stderr)
        assert "internal-error" not in result.stderr


def test_an_export_task_nested_too_deeply_is_invalid_export(project: Path, tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(f'[{{"id": 7, "data": {{"deep": {DEEP}}}}}]', encoding="utf-8")
    result = run(project, "ls", "import", str(export), "-o", str(tmp_path / "records.jsonl"))
    assert result.returncode == 1, result.stderr
    assert "Error: invalid-export: task #1: nested too deeply to read" in result.stderr
    assert "internal-error" not in result.stderr and not (tmp_path / "records.jsonl").exists()


ADJUDICATION = Path("annotations") / "agreement" / "adjudication" / "gold+blind-v2"


@pytest.mark.parametrize(("file", "content", "code"), [
    (ADJUDICATION / "report.json", b"\x07\xcch\xfa not JSON", "invalid-agreement-report"),
    (ADJUDICATION / "report.json", b'{"a": 1}', "invalid-agreement-report"),
    (ADJUDICATION / "decisions.yaml", b"\xff", "invalid-decisions-file"),
    (ADJUDICATION / "decisions.yaml", b"[1]\n", "invalid-decisions-file"),
    (ADJUDICATION / "decisions.yaml", b"", "invalid-decisions-file"),
    (Path("annotations") / "RELEASE.yaml", b"\xff", "invalid-release-config"),
    (Path("annotations") / "RELEASE.yaml", f"release: {DEEP}\n".encode(), "invalid-release-config"),
])
def test_a_release_never_ships_material_it_cannot_read(project: Path, tmp_path: Path, file: Path,
                                                       content: bytes, code: str) -> None:
    """The adjudication decisions and report are shipped as they are: garbage in them was built
    into a release that then verified (exit 0)."""
    (project / file).write_bytes(content)
    result = run(project, "release", "build", "--output", str(tmp_path / "releases"), "--no-bundle")
    assert result.returncode == 1, result.stderr
    assert f"Error: {code}: {project / file}" in result.stderr
    assert "internal-error" not in result.stderr and not (tmp_path / "releases").exists()


def test_a_loop_of_links_is_a_coded_finding_never_a_runtime_error(project: Path, tmp_path: Path) -> None:
    """Path.resolve() raises RuntimeError for a loop of links (Python 3.11): an authored file, or
    the --project folder, that is one."""
    authored = sorted((project / "annotations" / "authored" / "gold").glob("*.yaml"))[0]
    authored.unlink()
    authored.symlink_to(authored.name)
    result = run(project, "annotations", "build")
    assert result.returncode == 2, result.stderr
    assert f"{authored.relative_to(project)}: error unreadable-file: cannot read:" in result.stdout
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    result = run(project, "--project", str(loop), "stats")
    assert result.returncode == 2 and "Error: not-in-a-project:" in result.stderr, result.stderr
    assert "internal-error" not in result.stderr


def test_a_migration_that_is_a_folder_is_refused_never_taken_for_none(project: Path) -> None:
    """A folder (or a link to nothing) where a migration file belongs: `schema diff` said the
    versions needed no migration (exit 0), and `stats` said the migration was missing."""
    migration = sorted((project / "schema" / "migrations").glob("*--*.yaml"))[0]
    migration.unlink()
    migration.mkdir()
    result = run(project, "schema", "diff", *migration.stem.split("--"))
    assert result.returncode == 2 and f"Error: invalid-migration: {migration}" in result.stderr, result.stderr
    result = run(project, "schema", "check")
    assert result.returncode == 2 and f"{migration}: error unreadable-file:" in result.stdout
    assert "missing-migration" not in result.stdout
