"""Where things are: commands work on the project they are run in (or --project), say so with a
code outside one, and keep what they install for the user in the user's data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from crocus_claims import resources
from crocus_claims.labelstudio.server import server_env
from crocus_claims.labelstudio.session import default_data_dir

EXECUTABLE = Path(sys.executable).with_name("crocus-claims")
PROJECT_COMMANDS = [
    ["corpus", "check"],
    ["corpus", "build"],
    ["corpus", "add", str(resources.REPO_ROOT / "README.md")],
    ["annotations", "build", "--check"],
    ["release", "build"],
    ["stats"],
    ["schema", "jsonschema", "--check"],
]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != resources.ROOT_VARIABLE} | env
    return subprocess.run([str(EXECUTABLE), *args], cwd=cwd, env=environ, check=False, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args", PROJECT_COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_project_commands_outside_a_project_say_so_with_a_code(tmp_path: Path, args: list[str]) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: not-in-a-project:") and str(tmp_path) in result.stderr
    assert "--project DIR" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_project_option_names_the_project_from_anywhere(tmp_path: Path) -> None:
    result = run(["--project", str(resources.REPO_ROOT), "corpus", "check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "corpus is up to date" in result.stderr  # the summary is a diagnostic


def test_a_subfolder_of_a_project_is_in_it() -> None:
    result = run(["corpus", "check"], resources.REPO_ROOT / "annotations" / "gold")
    assert result.returncode == 0, result.stderr


def test_a_project_option_that_is_no_project_is_refused(tmp_path: Path) -> None:
    result = run(["--project", str(tmp_path), "corpus", "check"], resources.REPO_ROOT)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: not-in-a-project: {tmp_path} is not a Crocus Claims project")


def test_validate_needs_no_project(tmp_path: Path) -> None:
    gold = sorted((resources.REPO_ROOT / "annotations" / "gold").glob("*.jsonl"))[0]
    result = run(["validate", str(gold)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_label_studio_lives_in_the_users_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("CROCUS_LS_VENV", raising=False)
    assert server_env() == tmp_path / "data" / "crocus-claims" / "label-studio-env"
    assert default_data_dir() == tmp_path / "data" / "crocus-claims" / "label-studio"
    assert not server_env().is_relative_to(resources.PACKAGE_DIR.parent)  # never in site-packages
    monkeypatch.setenv("CROCUS_LS_VENV", str(tmp_path / "ls"))
    assert server_env() == tmp_path / "ls"
