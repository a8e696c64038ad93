"""The Label Studio server: its own virtual environment, and a process bound to 127.0.0.1.

The server is about 1 GB of packages that the toolkit itself never imports, so it lives in its
own environment, like a database server, and runs as a child process that we start and stop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from crocus_claims import resources
from crocus_claims.labelstudio import LabelStudioError

LABEL_STUDIO_VERSION = "1.23.2"
HOST = "127.0.0.1"
# Settings are read as LABEL_STUDIO_X, then HEARTEX_X, then X: unprefixed names must not leak in.
STRAY_SETTINGS = ("HOST", "PORT", "USERNAME", "PASSWORD", "DATA_DIR", "BASE_DATA_DIR")


def server_env() -> Path:
    """Where the server's environment lives: $CROCUS_LS_VENV, else label-studio-env/ in the user's
    data directory (resources.user_data_dir), never inside the toolkit's own environment."""
    return Path(os.environ.get("CROCUS_LS_VENV") or resources.user_data_dir() / "label-studio-env")


def _is_installed(env: Path) -> bool:
    executable = env / "bin" / "label-studio"
    dist_info = list(env.glob(f"lib/python*/site-packages/label_studio-{LABEL_STUDIO_VERSION}.dist-info"))
    return executable.exists() and bool(dist_info)


def install_server(echo: Callable[[str], None] = print, env: Path | None = None) -> Path:
    """Create (or reuse) the server's environment; fast when label-studio is already installed.

    A first install downloads about 1 GB and takes minutes: pip's own progress goes to the
    terminal. Raises LabelStudioError("server-install-failed") when a step fails."""
    env = env or server_env()
    if _is_installed(env):
        echo(f"label-studio {LABEL_STUDIO_VERSION} is installed in {env}")
        return env
    steps = []
    if not (env / "bin" / "python").exists():
        steps.append([sys.executable, "-m", "venv", str(env)])
    steps.append([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    steps.append([str(env / "bin" / "python"), "-m", "pip", "install", f"label-studio=={LABEL_STUDIO_VERSION}"])
    echo(f"installing label-studio {LABEL_STUDIO_VERSION} into {env} (about 1 GB, a few minutes; once only)")
    for command in steps:
        echo("$ " + " ".join(command))
        result = subprocess.run(command, check=False)
        if result.returncode != 0:
            raise LabelStudioError("server-install-failed", f"`{' '.join(command)}` exited with {result.returncode}")
    echo(f"label-studio {LABEL_STUDIO_VERSION} installed in {env}")
    return env


def free_port() -> int:
    """A port nobody listens on now: Label Studio silently moves to another one if its port is busy."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Login:
    email: str
    password: str
    token: str  # the legacy API token, applied when the user is first created


@dataclass
class Server:
    """One Label Studio process with its data folder (SQLite and uploads) and its log file."""

    data_dir: Path
    port: int
    login: Login
    env: Path = field(default_factory=server_env)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def environment(self) -> dict[str, str]:
        environ = {k: v for k, v in os.environ.items()
                   if k not in STRAY_SETTINGS and not k.startswith(("LABEL_STUDIO_", "HEARTEX_"))}
        environ.update({
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir),
            "LABEL_STUDIO_USERNAME": self.login.email,
            "LABEL_STUDIO_PASSWORD": self.login.password,
            "LABEL_STUDIO_USER_TOKEN": self.login.token,
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            "LATEST_VERSION_CHECK": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            "COLLECT_ANALYTICS": "false",
        })
        return environ

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [str(self.env / "bin" / "label-studio"), "start", "--no-browser",
                   "--internal-host", HOST, "--port", str(self.port)]
        with open(self.log_path, "ab") as log:
            # A session of its own, so that stop() reaches every process the server starts.
            self.process = subprocess.Popen(command, env=self.environment(), stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return response.status == 200 and b"UP" in response.read()
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 180.0, progress: Callable[[str], None] | None = None) -> None:
        """Block until /health answers UP (a cold start runs ~230 migrations first).

        `progress`, if given, is called every half second with what is awaited: the URL, the
        seconds waited and the server log's last line. Raises LabelStudioError
        ("server-exited", "server-timeout") with the log's tail."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise LabelStudioError("server-exited",
                                       f"label-studio exited with {self.process.returncode}:\n{self.log_tail()}")
            if self.healthy():
                return
            if progress is not None:
                last = self.log_tail(1).strip() or "(nothing yet)"
                progress(f"waiting for {self.url}/health to answer: {time.monotonic() - started:.0f} s "
                         f"(timeout {timeout:.0f} s); server log: {last}")
            time.sleep(0.5)
        raise LabelStudioError("server-timeout",
                               f"label-studio did not answer {self.url}/health in {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        """Terminate the server's whole process group; kill it if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def port_available(port: int) -> bool:
    """Whether a server can listen on `port` now. The probe binds as servers do, with SO_REUSEADDR,
    so that connections of a session that just ended (TIME_WAIT) do not make the port look busy."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def preferred_port(port: int = 8080) -> int:
    """`port` (Label Studio's usual 8080) when a server can listen on it, else any free one."""
    return port if port_available(port) else free_port()
