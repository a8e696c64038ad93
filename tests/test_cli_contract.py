"""One CLI contract for every checking command (as sqlite-utils and frictionless do it): exit 0 ok,
1 findings, 2 usage or unreadable input; results on stdout, summaries on stderr; `--format json`
with one finding shape; `-` reads standard input; a progress bar only for a person at a terminal.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest

from crocus_claims import resources
from crocus_claims.validation import Finding

EXECUTABLE = Path(sys.executable).with_name("crocus-claims")
CASES = Path(__file__).parent / "data" / "cases"
FINDING_KEYS = {f.name for f in dataclasses.fields(Finding)}


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    return subprocess.run([str(EXECUTABLE), *args], input=stdin, capture_output=True, check=False, env=environ,
                          timeout=300, cwd=cwd or resources.REPO_ROOT)


def document(result: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    data = json.loads(result.stdout)
    assert set(data) == {"valid", "summary", "findings"}
    assert {"errors", "warnings", "by_code"} <= set(data["summary"])
    for finding in data["findings"]:
        assert set(finding) == FINDING_KEYS
    assert data["valid"] == (result.returncode == 0)
    return data


def bad_schema(tmp_path: Path) -> Path:
    source = (resources.schema_dir() / "v1.0.0.yaml").read_text(encoding="utf-8")
    path = tmp_path / "variant.yaml"
    path.write_text(source.replace("    default: unspecified", "    default: everything"), encoding="utf-8")
    return path


def stale_pass(tmp_path: Path) -> Path:
    root = tmp_path / "annotations"
    shutil.copytree(resources.annotations_dir() / "authored", root / "authored")
    shutil.copytree(resources.annotations_dir() / "gold", root / "gold")
    record = next((root / "gold").glob("*.jsonl"))
    record.write_text(record.read_text(encoding="utf-8").replace('"annotator":"gold"', '"annotator":"gold2"'),
                      encoding="utf-8")
    return root


def stale_json_schema(tmp_path: Path) -> Path:
    """A project whose committed record JSON Schema of 1.0.0 is not what its schema generates."""
    project = tmp_path / "project"
    shutil.copytree(resources.schema_dir(), project / "schema")
    (project / "corpus").mkdir()
    (project / "annotations").mkdir()
    committed = project / "schema" / "v1.0.0.record.schema.json"
    committed.write_text(committed.read_text(encoding="utf-8").replace('"title"', '"title "', 1), encoding="utf-8")
    return project


def changed_release(tmp_path: Path) -> Path:
    folder = tmp_path / "release"
    shutil.copytree(resources.REPO_ROOT / "dist" / "release", folder)
    with open(folder / "README.md", "a", encoding="utf-8") as handle:
        handle.write("edited\n")
    return folder


CHECKS = {
    "schema check": (lambda tmp: ["schema", "check", str(bad_schema(tmp))], "invalid-schema"),
    "schema jsonschema --check": (lambda tmp: ["--project", str(stale_json_schema(tmp)), "schema", "jsonschema",
                                               "--check"], "stale-json-schema"),
    "annotations build --check": (lambda tmp: ["annotations", "build", "--check", "--root", str(stale_pass(tmp))],
                                  "record-out-of-date"),
    "validate": (lambda tmp: ["validate", str(CASES / "validate-duplicate-keys.jsonl")], "duplicate-key"),
    "release verify": (lambda tmp: ["release", "verify", str(changed_release(tmp))], "checksum-mismatch"),
    "ls import": (lambda tmp: ["ls", "import", str(CASES / "ls-number-1e300.json"), "-o", str(tmp / "o.jsonl")],
                  "invalid-attribute-value"),
    "annotations migrate": (lambda tmp: ["annotations", "migrate", "--to", "2.0.0", "--dry-run",
                                         str(Path(__file__).parent / "data" / "gold-1.0.0" / "gold")],
                            "migration-needs-decision"),
}


@pytest.mark.parametrize("command", sorted(CHECKS))
def test_every_check_has_one_json_finding_shape_and_exits_one_on_findings(command: str, tmp_path: Path) -> None:
    args, code = CHECKS[command]
    result = run(*args(tmp_path), "--format", "json")
    assert result.returncode == 1, result.stderr
    data = document(result)
    assert code in {f["code"] for f in data["findings"]}
    (tmp_path / "again").mkdir()
    human = run(*args(tmp_path / "again"))
    assert human.returncode == 1
    assert code.encode() in human.stdout + human.stderr and b"Traceback" not in human.stderr


@pytest.mark.parametrize("args", [["schema", "check"], ["schema", "jsonschema", "--check"], ["corpus", "check"],
                                  ["validate", "annotations/gold"], ["annotations", "build", "--check"],
                                  ["release", "verify", "dist/release"]])
def test_a_clean_check_exits_zero_with_an_empty_stdout_and_its_summary_on_stderr(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip()
    assert result.stdout == b""
    data = document(run(*args, "--format", "json"))
    assert data["valid"] is True and data["findings"] == []


def test_the_summary_goes_to_stderr_whether_the_input_is_valid_or_not() -> None:
    valid = run("validate", "annotations/gold")
    invalid = run("validate", str(CASES / "validate-null-required-attributes.jsonl"))
    assert b"valid: " in valid.stderr and b"invalid: " in invalid.stderr
    assert b"invalid: " not in invalid.stdout and len(invalid.stdout.splitlines()) == 2


@pytest.mark.parametrize("args", [
    ["validate", "no-such-file.jsonl"], ["schema", "check", "no-such-file.yaml"],
    ["release", "verify", "no-such-folder"], ["ls", "import", "no-such.json", "-o", "x.jsonl"],
    ["validate", "--format", "yaml", "x"], ["validate"],
])
def test_unreadable_input_and_usage_errors_exit_two(args: list[str], tmp_path: Path) -> None:
    result = run(*args, cwd=tmp_path) if args[0] != "schema" else run(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert b"Traceback" not in result.stderr


def test_dash_reads_standard_input(tmp_path: Path) -> None:
    records = b"".join(path.read_bytes() for path in sorted((resources.annotations_dir() / "gold").glob("*.jsonl")))
    assert run("validate", "-", stdin=records).returncode == 0
    bad = run("validate", "-", "--format", "json", stdin=(CASES / "validate-bom-first-line.jsonl").read_bytes())
    assert [(f["file"], f["line"], f["code"]) for f in document(bad)["findings"]] == [("<stdin>", 1, "invalid-json")]
    schema = run("schema", "check", "-", "--format", "json", stdin=bad_schema(tmp_path).read_bytes())
    assert {f["file"] for f in document(schema)["findings"]} == {"<stdin>"}
    output = tmp_path / "out.jsonl"
    imported = run("ls", "import", "-", "-o", str(output), "--allow-loss",
                   stdin=(CASES / "ls-identical-overlapping-regions.json").read_bytes())
    assert imported.returncode == 0, imported.stderr
    assert len(output.read_text(encoding="utf-8").splitlines()) == 1


def big_file(tmp_path: Path) -> Path:
    from crocus_claims.cli.validate import PROGRESS_MIN_BYTES

    line = (resources.annotations_dir() / "gold").glob("*.jsonl").__next__().read_bytes().splitlines()[0]
    record = json.loads(line)
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as handle:
        written, number = 0, 0
        while written <= PROGRESS_MIN_BYTES:
            record["annotator"] = f"a{number}"
            data = json.dumps(record, ensure_ascii=False).encode() + b"\n"
            handle.write(data)
            written, number = written + len(data), number + 1
    return path


def on_a_terminal(args: list[str]) -> tuple[int, bytes, bytes]:
    """Run with stderr on a pseudo-terminal (a person's screen) and stdout on a pipe."""
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100x24 window
    process = subprocess.Popen([str(EXECUTABLE), *args], stdout=subprocess.PIPE, stderr=secondary,
                               cwd=resources.REPO_ROOT)
    os.close(secondary)
    screen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    stdout = process.stdout.read() if process.stdout else b""
    return process.wait(timeout=120), stdout, screen


def test_a_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    path = big_file(tmp_path)
    code, stdout, screen = on_a_terminal(["validate", "--jobs", "1", str(path)])
    assert code == 0
    assert b"validating" in screen and b"%" in screen and stdout == b""
    piped = run("validate", "--jobs", "1", str(path))
    assert b"validating" not in piped.stderr and b"%" not in piped.stderr
    code, stdout, screen = on_a_terminal(["validate", "--jobs", "1", "--format", "json", str(path)])
    assert b"validating" not in screen and json.loads(stdout)["valid"] is True


# Each command that needs an extra, the module the extra installs, and the arguments.
NEEDS_AN_EXTRA = [
    ("board", "jinja2", ["board", "annotations/gold", "-o", "{out}"]),
    ("croissant", "mlcroissant", ["release", "build", "--output", "{out}", "--no-bundle"]),
    ("board", "matplotlib", ["release", "build", "--output", "{out}", "--no-bundle"]),
    ("labelstudio", "label_studio_sdk", ["ls", "push"]),
    ("labelstudio", "label_studio_sdk", ["ls", "pull", "-o", "{out}"]),
    ("prelabel", "text_to_num", ["prelabel", "-o", "{out}"]),
]


@pytest.mark.parametrize(("extra", "module", "args"), NEEDS_AN_EXTRA,
                         ids=[f"{' '.join(args[:2])} without {module}" for _, module, args in NEEDS_AN_EXTRA])
def test_a_missing_extra_is_one_rule_for_every_command(extra: str, module: str, args: list[str],
                                                       tmp_path: Path) -> None:
    """`pip install crocus-claims` without an extra: the command says which to install, with the
    code missing-extra and exit status 2 (it cannot run as installed), and writes nothing."""
    out = tmp_path / "out"
    code = f"""
import sys
sys.modules[{module!r}] = None  # as if the extra were not installed
from crocus_claims.cli import cli
sys.argv = ["crocus-claims", *{[arg.format(out=out) for arg in args]!r}]
cli()
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=resources.REPO_ROOT, env={**os.environ, "LABEL_STUDIO_API_KEY": "x"})
    assert result.returncode == 2, result.stderr
    assert "missing-extra" in result.stderr and f"crocus-claims[{extra}]" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


# Each command that writes to a path its user names, with that path in {out}.
WRITES_AN_OUTPUT = [
    ["board", "annotations/gold", "-o", "{out}"],
    ["release", "build", "--output", "{out}", "--no-bundle"],
    ["agreement", "annotations/gold", "annotations/gold", "--output", "{out}"],
    ["ls", "config", "-o", "{out}"],
    ["ls", "tasks", "-o", "{out}"],
    ["ls", "import", str(CASES / "ls-identical-overlapping-regions.json"), "--allow-loss", "-o", "{out}"],
    ["ls", "import", str(CASES / "ls-identical-overlapping-regions.json"), "--allow-loss", "-o",
     "{tmp}/records.jsonl", "--report", "{out}"],  # refused before the records are written
    ["prelabel", "-o", "{out}"],
]


@pytest.mark.parametrize("args", WRITES_AN_OUTPUT,
                         ids=[" ".join(args[:2]) + (" --report" if "--report" in args else "")
                              for args in WRITES_AN_OUTPUT])
def test_an_output_the_file_system_refuses_is_one_coded_line(args: list[str], tmp_path: Path) -> None:
    """An output under a file (a typo, a full or read-only disk alike): exit 2 with the code
    unwritable-file and the path, never a traceback or internal-error, and nothing written."""
    (tmp_path / "afile").write_text("in the way", encoding="utf-8")
    out = tmp_path / "afile" / "out"
    result = run(*[arg.format(out=out, tmp=tmp_path) for arg in args])
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    line = next(line for line in stderr.splitlines() if "unwritable-file" in line)
    assert str(out) in line and "cannot write:" in line, stderr
    assert "Traceback" not in stderr and "internal-error" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_full_disk_during_a_release_build_keeps_the_previous_release(tmp_path: Path) -> None:
    """The disk fills while the release's files are written: exit 2, unwritable-file naming the
    release folder, and the release built before is byte for byte what it was."""
    previous = tmp_path / "releases"
    assert run("release", "build", "--output", str(previous), "--no-bundle").returncode == 0
    before = {p: p.read_bytes() for p in previous.rglob("*") if p.is_file()}
    code = f"""
import errno, sys
from pathlib import Path
from crocus_claims.cli import main
real = Path.write_bytes
def write_bytes(self, data):
    if self.suffix == ".parquet":
        raise OSError(errno.ENOSPC, "No space left on device", str(self))
    return real(self, data)
Path.write_bytes = write_bytes
sys.argv = ["crocus-claims", "release", "build", "--output", {str(previous)!r}, "--no-bundle"]
main()
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=resources.REPO_ROOT)
    assert result.returncode == 2, result.stderr
    assert "unwritable-file:" in result.stderr and "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr and "internal-error" not in result.stderr
    assert {p: p.read_bytes() for p in previous.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("version", ["", " "])
def test_an_empty_schema_version_is_a_usage_error_not_the_latest(version: str) -> None:
    result = run("validate", "--schema-version", version, "annotations/gold")
    assert result.returncode == 2 and b"an empty version" in result.stderr
