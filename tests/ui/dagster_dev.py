"""Start ``dagster dev`` on 127.0.0.1 for a test, and stop it and its children by process id."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 180
STOP_TIMEOUT_S = 30


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def dagster_dev(work_dir: Path, env: dict[str, str]) -> Iterator[str]:
    """Run ``dagster dev`` with `env` and yield the UI's URL.

    The process environment is this process's environment with every
    ``RIGHTPATH_*`` variable removed, then `env`. Importing the definitions sets
    ``RIGHTPATH_WAREHOUSE_PATH`` to the repository's warehouse, so inheriting it
    would point the UI's runs there.

    The process starts in its own session, so its webserver, daemon and code
    server children share its process group, whose id is the process id. On
    exit the group gets SIGTERM, which ``dagster dev`` handles by stopping its
    children, then SIGKILL for whatever is left after ``STOP_TIMEOUT_S``.
    """
    port = free_port()
    log_path = work_dir / "dagster_dev.log"
    command = [
        str(Path(sys.executable).parent / "dagster"),
        "dev",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-m",
        "orchestration.definitions",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=REPOSITORY_ROOT,
            env={**_environment_without_settings(), **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_serving(url, process, log_path)
            yield url
        finally:
            _stop_process_group(process)


def _environment_without_settings() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("RIGHTPATH_")}


def _wait_until_serving(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"dagster dev exited with code {process.returncode} before serving; "
                f"its log ends with:\n{_log_tail(log_path)}"
            )
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise TimeoutError(
        f"dagster dev did not serve {url} within {STARTUP_TIMEOUT_S} s; "
        f"its log ends with:\n{_log_tail(log_path)}"
    )


def _stop_process_group(process: subprocess.Popen) -> None:
    group_id = process.pid
    try:
        os.killpg(group_id, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pass
    # Children that outlived dagster dev are still in its process group.
    try:
        os.killpg(group_id, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=STOP_TIMEOUT_S)


def _log_tail(log_path: Path, lines: int = 40) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
