"""Expectation suite files and the tables they validate.

Each suite is a Great Expectations 1.x ExpectationSuite in JSON form, stored as
``expectations/<schema>.<table>.json`` and validated against the DuckDB table
``<schema>.<table>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SUITE_SUFFIX = ".json"
# <schema>.<table>.json, with both parts plain SQL identifiers.
SUITE_FILE_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\.json$")


class SuiteFileError(ValueError):
    """A suite file with an invalid name, invalid JSON or not in ExpectationSuite form."""


@dataclass(frozen=True)
class SuiteSpec:
    """A suite file and the table it validates, taken from the file name."""

    schema: str
    table: str
    path: Path

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.table}"

    @classmethod
    def from_path(cls, path: str | Path) -> SuiteSpec:
        path = Path(path)
        match = SUITE_FILE_NAME.match(path.name)
        if match is None:
            raise SuiteFileError(
                f"Invalid suite file name {path.name!r}: expected <schema>.<table>.json, "
                "e.g. raw.web_events.json"
            )
        return cls(schema=match.group(1), table=match.group(2), path=path)


def discover_suites(directory: str | Path) -> list[SuiteSpec]:
    """List the suite files in ``directory``, sorted by file name.

    Raises ``SuiteFileError`` for a ``*.json`` file whose name is not
    ``<schema>.<table>.json``, so a misnamed suite is not skipped silently.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"Expectations folder not found: {directory}")
    return [SuiteSpec.from_path(path) for path in sorted(directory.glob(f"*{SUITE_SUFFIX}"))]
