"""Where the insights report is written, importable without plotting libraries."""

import os
import uuid
from pathlib import Path

REPORT_DIR_NAME = "report"
REPORT_FILE_NAME = "index.html"
# Pages written beside index.html and linked from its header.
DATA_QUALITY_FILE_NAME = "data_quality.html"
DBT_DOCS_FILE_NAME = "dbt_docs.html"


def report_path(publish_dir: str | os.PathLike[str]) -> Path:
    """Return the path of the insights report in a publish folder."""
    return Path(publish_dir) / REPORT_DIR_NAME / REPORT_FILE_NAME


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` under a temporary name in ``path``'s folder and rename it into place.

    A reader sees the previous file or the new one, never a partial file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp_path = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        temp_path.write_text(text, encoding="utf-8")
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)
