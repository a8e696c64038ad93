"""`crocus-claims annotate` sessions: a stable port, commands that work pasted into a new shell."""

from __future__ import annotations

import shlex
import socket
from pathlib import Path

import pytest
from crocus_claims import resources
from crocus_claims.cli.labelstudio import pull_command_line
from crocus_claims.labelstudio.server import HOST, free_port, port_available
from crocus_claims.labelstudio.session import PORT_FILE, session_port


def test_the_last_sessions_port_is_kept(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / PORT_FILE).write_text(f"{port}\n", encoding="utf-8")
    assert session_port(tmp_path) == (port, None)
    assert session_port(tmp_path) == (port, None)


def test_a_port_left_in_time_wait_by_the_last_session_is_kept(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection((HOST, port))
        accepted, _ = listener.accept()
        accepted.close()  # the server side closes first: its port is left in TIME_WAIT
        client.close()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind((HOST, port))  # what the old free-port test saw: "busy"
    (tmp_path / PORT_FILE).write_text(f"{port}\n", encoding="utf-8")
    assert port_available(port)
    assert session_port(tmp_path) == (port, None)


def test_a_port_taken_by_another_program_changes_and_says_so(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind((HOST, 0))
        other.listen()
        port = other.getsockname()[1]
        (tmp_path / PORT_FILE).write_text(f"{port}\n", encoding="utf-8")
        chosen, note = session_port(tmp_path)
    assert chosen != port and note is not None and str(port) in note and str(chosen) in note
    assert (tmp_path / PORT_FILE).read_text(encoding="utf-8").strip() == str(chosen)  # remembered


def test_a_requested_port_is_used(tmp_path: Path) -> None:
    assert session_port(tmp_path, 8999) == (8999, None)


def test_the_printed_pull_command_works_in_a_new_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # a new shell starts elsewhere
    monkeypatch.setenv(resources.ROOT_VARIABLE, str(resources.REPO_ROOT))
    line = pull_command_line("http://127.0.0.1:8080", "a token; with spaces")
    words = shlex.split(line)
    assert words[:2] == ["LABEL_STUDIO_URL=http://127.0.0.1:8080", "LABEL_STUDIO_API_KEY=a token; with spaces"]
    executable = Path(words[2])
    assert executable.is_absolute() and executable.is_file() and executable.name == "crocus-claims"
    assert words[3:5] == ["--project", str(resources.REPO_ROOT)] and words[5:] == ["ls", "pull", "--pass", "round1"]
