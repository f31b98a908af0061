"""Write the dbt docs site as one static page beside the insights report."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.report.paths import DBT_DOCS_FILE_NAME, REPORT_DIR_NAME, write_text_atomically

# dbt docs generate compiles every model and reads the warehouse catalog. On the
# demo data it took 6 to 13 s (docs/report.md), so 300 s means something is stuck.
DBT_DOCS_TIMEOUT_SECONDS = 300
# Lines of dbt's output kept in the error message and on the placeholder page.
OUTPUT_TAIL_LINES = 20


@dataclass(frozen=True)
class DbtDocsResult:
    """Outcome of one dbt docs generation: the page path, dbt's run time and any error."""

    path: Path
    seconds: float
    error: str | None = None


def write_dbt_docs(
    publish_dir: str | os.PathLike[str],
    dbt: DbtCliResource,
    timeout_seconds: float = DBT_DOCS_TIMEOUT_SECONDS,
) -> DbtDocsResult:
    """Run ``dbt docs generate --static`` and copy its page to ``report/dbt_docs.html``.

    dbt writes into a temporary target folder, so the project's ``target/`` and
    its manifest stay as they are. When dbt fails or times out, the page shows
    the error and the end of dbt's output in place of stale docs, and the result
    carries the error.
    """
    path = Path(publish_dir) / REPORT_DIR_NAME / DBT_DOCS_FILE_NAME
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rightpath-dbt-docs-") as target_path:
        command = [
            dbt.dbt_executable,
            "docs",
            "generate",
            "--static",
            "--target-path",
            target_path,
            "--project-dir",
            str(dbt.project_dir),
            "--profiles-dir",
            str(dbt.profiles_dir or dbt.project_dir),
        ]
        if dbt.target:
            command += ["--target", dbt.target]
        error = _run_dbt(command, timeout_seconds)
        static_page = Path(target_path) / "static_index.html"
        if error is None and not static_page.is_file():
            error = f"dbt docs generate wrote no static_index.html to {target_path}"
        if error is None:
            _copy_atomically(static_page, path)
    seconds = time.monotonic() - started
    if error is not None:
        write_text_atomically(path, _failure_page(error))
    return DbtDocsResult(path=path, seconds=seconds, error=error)


def _run_dbt(command: list[str], timeout_seconds: float) -> str | None:
    """Run dbt and return None on success, else an error message with its output's tail."""
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_seconds, check=False
        )
    except subprocess.TimeoutExpired:
        return f"dbt docs generate timed out after {timeout_seconds:g} s: {' '.join(command)}"
    except OSError as error:
        return f"dbt docs generate could not start ({error}): {' '.join(command)}"
    if completed.returncode == 0:
        return None
    tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-OUTPUT_TAIL_LINES:])
    return f"dbt docs generate failed with exit code {completed.returncode}:\n{tail}"


def _copy_atomically(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp_path = destination.with_name(f".{destination.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        shutil.copyfile(source, temp_path)
        os.replace(temp_path, destination)
    finally:
        temp_path.unlink(missing_ok=True)


def _failure_page(error: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>dbt docs not generated</title></head><body>"
        "<h1>dbt docs were not generated for this publish</h1>"
        f"<pre>{html.escape(error)}</pre></body></html>"
    )
