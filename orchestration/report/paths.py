"""Where the insights report is written, importable without plotting libraries."""

import os
from pathlib import Path

REPORT_DIR_NAME = "report"
REPORT_FILE_NAME = "index.html"


def report_path(publish_dir: str | os.PathLike[str]) -> Path:
    """Return the path of the insights report in a publish folder."""
    return Path(publish_dir) / REPORT_DIR_NAME / REPORT_FILE_NAME
