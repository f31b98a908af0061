"""Compute the marts from the landing files with plain DuckDB SQL (``floor.sql``).

Usage: ``python -m benchmarks.floor LANDING_DIR DATABASE``. Prints the row count of
each mart. Reads the same DuckDB settings from the environment as the pipeline.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from orchestration.quality.duckdb_config import connection_config

FLOOR_SQL = Path(__file__).with_name("floor.sql")
MARTS = ("customers", "channel_daily_performance", "conversion_paths", "attribution_credits")


def build_floor(landing_dir: Path, database: Path) -> dict[str, int]:
    """Build the marts into a new ``database`` and return their row counts."""
    database.unlink(missing_ok=True)
    script = FLOOR_SQL.read_text(encoding="utf-8").replace("{landing}", str(landing_dir))
    with duckdb.connect(str(database), config=connection_config()) as conn:
        conn.execute(script)
        return {
            mart: conn.execute(f"select count(*) from marts.{mart}").fetchone()[0] for mart in MARTS
        }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("Usage: python -m benchmarks.floor LANDING_DIR DATABASE", file=sys.stderr)
        return 2
    for mart, rows in build_floor(Path(argv[0]), Path(argv[1])).items():
        print(f"marts.{mart}\t{rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
