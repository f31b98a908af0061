"""Settings read from environment variables, in one place.

Every path has a default inside the repository's ``data/`` folder, so the demo
runs with no configuration. Nothing here holds credentials.
"""

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
# Outputs of dbt_project/profiles.yml, one per engine.
DBT_TARGETS = ("duckdb", "postgres", "spark")


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _engine_from_env() -> str:
    engine = os.environ.get("RIGHTPATH_ENGINE", "duckdb")
    if engine not in DBT_TARGETS:
        raise ValueError(
            f"RIGHTPATH_ENGINE is {engine!r}; set it to one of {', '.join(DBT_TARGETS)}"
        )
    return engine


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    # DuckDB file the pipeline writes: raw, staging, intermediate and mart schemas.
    warehouse_path: Path
    # landing.yml that lists each landing file with its channel and format.
    landing_config: Path
    # Folder BI tools read: marts.duckdb, replaced whole, and parquet/.
    publish_dir: Path
    # IANA time zone of the nightly schedule.
    timezone: str
    # dbt target (profiles.yml output) the dbt assets build on: duckdb, postgres or spark.
    # NOTE: the ingest, Python and publish assets read and write the DuckDB
    # warehouse only, so a whole run works on duckdb alone. See docs/engines.md.
    dbt_target: str = "duckdb"

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = _path_from_env("RIGHTPATH_DATA_DIR", PROJECT_ROOT / "data")
        return cls(
            data_dir=data_dir,
            warehouse_path=_path_from_env(
                "RIGHTPATH_WAREHOUSE_PATH", data_dir / "warehouse.duckdb"
            ),
            landing_config=_path_from_env(
                "RIGHTPATH_LANDING", data_dir / "landing" / "demo" / "landing.yml"
            ),
            publish_dir=_path_from_env("RIGHTPATH_PUBLISH_DIR", data_dir / "published"),
            timezone=os.environ.get("RIGHTPATH_TIMEZONE", "UTC"),
            dbt_target=_engine_from_env(),
        )

    @property
    def runs_dir(self) -> Path:
        """Folder of per-run outputs: ``<runs_dir>/<run_id>/alerts.jsonl``."""
        return self.data_dir / "runs"

    def export_for_dbt(self) -> None:
        """Set ``RIGHTPATH_WAREHOUSE_PATH`` so dbt's profile opens the same file.

        dbt runs as a subprocess that inherits this process's environment and
        reads the path through ``env_var()`` in ``profiles.yml``.
        """
        os.environ["RIGHTPATH_WAREHOUSE_PATH"] = str(self.warehouse_path)
