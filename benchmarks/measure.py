"""Run a command as a child process and measure its wall time and peak RSS."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    label: str
    wall_s: float
    # Peak resident set size in MiB of the child or, if larger, of a descendant it
    # waited for (Linux ``wait4`` semantics), e.g. the dbt subprocess of a run.
    peak_rss_mib: float
    returncode: int


def run_measured(
    label: str, command: list[str], env: dict[str, str], log_path: Path, cwd: Path | None = None
) -> Measurement:
    """Run ``command`` in ``cwd`` with output to ``log_path`` and return its measurement."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall_s = time.monotonic() - started
    # Popen must not wait again for the process that wait4 has reaped.
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux.
    return Measurement(label, wall_s, usage.ru_maxrss / 1024, process.returncode)
