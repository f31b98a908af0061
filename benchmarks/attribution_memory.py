"""Measure the peak RSS of the Markov and Shapley attribution, in a process of its own.

Usage::

    python -m benchmarks.attribution_memory build DATABASE CONVERSIONS OPEN_PATHS
    python -m benchmarks.attribution_memory after DATABASE
    python -m benchmarks.attribution_memory before DATABASE ATTRIBUTION_FILE ASSETS_FILE

``build`` writes a synthetic ``intermediate.int_attribution_rule_credits`` (its
'linear' rows only: 1 to 15 touches per conversion over six channels, and one
'direct' row for every 50th conversion) and ``intermediate.int_open_paths`` with
``OPEN_PATHS`` paths of 1 to 10 touches. ``after`` runs the attribution of
``orchestration.journey.assets``. ``before`` runs an older version saved with
``git show`` (its ``attribution.py`` and ``assets.py``): it calls that ``assets.py``'s
``read_inputs``, ``attribute`` and ``write_outputs``. Both print the rows written,
the wall time and the peak RSS of this process.
"""

from __future__ import annotations

import importlib.util
import logging
import resource
import sys
import time
from pathlib import Path

import duckdb

from orchestration.quality.duckdb_config import connection_config

CHANNELS = "['paid_search', 'email', 'organic_social', 'display', 'referral', 'paid_social']"

BUILD_TOUCHES_SQL = f"""
create table intermediate.int_attribution_rule_credits as
with conversions as (
    select
        i as conversion_number,
        'conv-' || i as conversion_id,
        case when i % 50 = 0 then 0 else 1 + cast(hash(i) % 15 as bigint) end as count_path_touches
    from range(?) as t(i)
),

positions as (
    select
        conversion_number,
        conversion_id,
        count_path_touches,
        unnest(range(1, count_path_touches + 1)) as touch_position
    from conversions
    where count_path_touches > 0
)

select
    conversion_id,
    'linear' as model,
    'web:' || conversion_number || '-' || touch_position as touchpoint_id,
    cast(touch_position as bigint) as touch_position,
    cast(count_path_touches as bigint) as count_touches,
    {CHANNELS}[1 + cast(hash(conversion_number * 31 + touch_position) % 6 as bigint)] as channel,
    'campaign_' || (hash(conversion_number) % 20) as sub_channel,
    timestamp '2026-01-01' + to_seconds(conversion_number * 60 + touch_position) as touched_at,
    1.0 / count_path_touches as credit
from positions
union all
select
    conversion_id,
    'linear' as model,
    null as touchpoint_id,
    cast(1 as bigint) as touch_position,
    cast(1 as bigint) as count_touches,
    'direct' as channel,
    null as sub_channel,
    null as touched_at,
    1.0 as credit
from conversions
where count_path_touches = 0
"""

BUILD_OPEN_PATHS_SQL = f"""
create table intermediate.int_open_paths as
with customers as (
    select i as customer_number, 1 + cast(hash(i + 7) % 10 as bigint) as count_touches
    from range(?) as t(i)
)

select
    'cust-' || customer_number as customer_id,
    cast(count_touches as bigint) as count_touches,
    array_to_string(
        list_transform(
            range(count_touches),
            lambda j: {CHANNELS}[1 + cast(hash(customer_number * 17 + j) % 6 as bigint)]
        ),
        ' > '
    ) as path,
    timestamp '2026-01-01' as first_touched_at,
    timestamp '2026-01-02' as last_touched_at
from customers
"""


def build(database: Path, conversions: int, open_paths: int) -> None:
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema intermediate")
        connection.execute(BUILD_TOUCHES_SQL, [conversions])
        connection.execute(BUILD_OPEN_PATHS_SQL, [open_paths])
        touches = connection.execute(
            "select count(*) from intermediate.int_attribution_rule_credits"
        ).fetchone()[0]
    print(f"wrote {touches} touch rows, {conversions} conversions and {open_paths} open paths")


def _load_module(name: str, module_file: str):
    spec = importlib.util.spec_from_file_location(name, module_file)
    module = importlib.util.module_from_spec(spec)
    # The older assets.py imports its attribution module by this name, and
    # dataclasses look the module up in sys.modules while a class is created.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _report(rows_written: int, started: float) -> None:
    elapsed = time.monotonic() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"credit rows written: {rows_written}")
    print(f"attribution wall time: {elapsed:.1f} s, peak RSS of the process: {peak_mib:.0f} MiB")


def run_before(database: Path, attribution_file: str, assets_file: str) -> int:
    _load_module("orchestration.journey.attribution", attribution_file)
    assets = _load_module("attribution_assets_under_test", assets_file)
    started = time.monotonic()
    with duckdb.connect(str(database), config=connection_config()) as connection:
        touches, open_paths = assets.read_inputs(connection)
        result = assets.attribute(touches, open_paths)
        assets.write_outputs(connection, result)
    _report(len(result.credits), started)
    return 0


def run_after(database: Path) -> int:
    from orchestration.journey.assets import write_algorithmic_attribution

    started = time.monotonic()
    with duckdb.connect(str(database), config=connection_config()) as connection:
        summary = write_algorithmic_attribution(connection, logging.getLogger(__name__))
    _report(summary.credit_rows, started)
    return 0


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if len(argv) == 4 and argv[0] == "build":
        build(Path(argv[1]), int(argv[2]), int(argv[3]))
        return 0
    if len(argv) == 2 and argv[0] == "after":
        return run_after(Path(argv[1]))
    if len(argv) == 4 and argv[0] == "before":
        return run_before(Path(argv[1]), argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
