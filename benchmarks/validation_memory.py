"""Measure the peak RSS of validating one large table, in a process of its own.

Usage::

    python -m benchmarks.validation_memory build DATABASE ROWS
    python -m benchmarks.validation_memory validate DATABASE [MODULE_FILE]

``build`` writes ``raw.web_events`` with ``ROWS`` synthetic rows that pass the
repository suite ``expectations/raw.web_events.json``. ``validate`` runs that suite
with ``validate_table`` from ``orchestration.quality.great_expectations`` or, when
given, from ``MODULE_FILE`` (e.g. an older version of that module saved with
``git show``), then prints the outcome, wall time and peak RSS of this process.
"""

from __future__ import annotations

import importlib.util
import resource
import sys
import time
from pathlib import Path

import duckdb

from orchestration.ingest.schema import RAW_TABLES, raw_table_ddl
from orchestration.settings import EXPECTATIONS_DIR

BUILD_SQL = """
insert into raw.web_events by name
select
    'evt-' || i as event_id,
    ['page', 'track', 'identify', 'screen'][1 + i % 4] as event_type,
    'Viewed ' || (i % 97) as event_name,
    timestamp '2025-12-01' + to_seconds(i % 31536000) as occurred_at,
    '2025-12-01T00:00:00Z' as occurred_at_raw,
    case when i % 3 = 0 then 'app' else 'web' end as platform,
    md5(cast(i // 50 as varchar)) as anonymous_id,
    case when i % 5 = 0 then cast(7412000000000 + i // 50 as varchar) end as user_id,
    case when i % 40 = 0 then 'person' || (i // 50) || '@example.com' end as email,
    null as phone,
    'https://shop.rightpath.example/products/' || (i % 500) as page_url,
    case when i % 7 = 0 then 'https://www.google.com/' end as referrer,
    case when i % 11 = 0 then 'google' end as utm_source,
    case when i % 11 = 0 then 'cpc' end as utm_medium,
    case when i % 11 = 0 then 'winter_sale' end as utm_campaign,
    'web/events_' || (i % 365) || '.jsonl' as _file,
    i as _line,
    'segment_jsonl' as _format,
    timestamp '2026-12-01 02:00:00' as _loaded_at
from range(?) as t(i)
"""


def build(database: Path, rows: int) -> None:
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as conn:
        conn.execute("create schema raw")
        conn.execute(raw_table_ddl(RAW_TABLES["web_events"]))
        conn.execute(BUILD_SQL, [rows])


def _load_module(module_file: str | None):
    if module_file is None:
        from orchestration.quality import great_expectations

        return great_expectations
    spec = importlib.util.spec_from_file_location("validation_under_test", module_file)
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class is created.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def validate(database: Path, module_file: str | None) -> int:
    module = _load_module(module_file)
    suite = module.load_suite(EXPECTATIONS_DIR / "raw.web_events.json")
    started = time.monotonic()
    outcome = module.validate_table(database, "raw", "web_events", suite)
    elapsed = time.monotonic() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(outcome.summary())
    print(f"validation wall time: {elapsed:.1f} s, peak RSS of the process: {peak_mib:.0f} MiB")
    return 0 if outcome.passed else 1


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "build":
        build(Path(argv[1]), int(argv[2]))
        return 0
    if len(argv) in (2, 3) and argv[0] == "validate":
        return validate(Path(argv[1]), argv[2] if len(argv) == 3 else None)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
