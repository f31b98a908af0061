"""Run dbt and the journey assets through Dagster on hand-built raw rows.

fixtures/raw_journey.sql lists the customers. Dagster runs dbt, the Markov
and Shapley asset, dbt again for the models that read its table, and the
blocking credit check, once per module. Expected credits are worked out
below. Path channels: p = paid_search, e = email, o = organic_social,
d = direct.
"""

import os
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from orchestration.dbt.assets import RightpathDbtTranslator
from orchestration.journey.checks import journey_checks
from orchestration.journey.definitions import journey_assets
from tests.dbt.test_marts_tiny import DBT_EXECUTABLE, create_raw_tables

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPOSITORY_ROOT / "dbt_project"
RAW_JOURNEY_SQL = Path(__file__).resolve().parent / "fixtures" / "raw_journey.sql"
MODELS = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
)


def parse_manifest(target_path: Path) -> Path:
    """Write the project's manifest into target_path with ``dbt parse``."""
    completed = subprocess.run(
        [
            str(DBT_EXECUTABLE),
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path / "logs"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, f"dbt parse failed:\n{completed.stdout}{completed.stderr}"
    return target_path / "manifest.json"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    work_dir = tmp_path_factory.mktemp("journey")
    warehouse_path = work_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse_path)) as connection:
        create_raw_tables(connection)
        connection.execute(RAW_JOURNEY_SQL.read_text())

    environment = {
        "RIGHTPATH_WAREHOUSE_PATH": str(warehouse_path),
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
    }
    previous = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        manifest = parse_manifest(work_dir / "target")

        @dbt_assets(manifest=manifest, dagster_dbt_translator=RightpathDbtTranslator())
        def journey_dbt_models(context, dbt: DbtCliResource):
            yield from dbt.cli(["build"], context=context).stream()

        result = materialize(
            [journey_dbt_models, *journey_assets, *journey_checks],
            resources={
                "dbt": DbtCliResource(
                    project_dir=str(DBT_PROJECT_DIR),
                    profiles_dir=str(DBT_PROJECT_DIR),
                    dbt_executable=str(DBT_EXECUTABLE),
                ),
                "duckdb": DuckDBResource(database=str(warehouse_path)),
            },
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    connection = duckdb.connect(str(warehouse_path), read_only=True)
    yield result, connection
    connection.close()


@pytest.fixture(scope="module")
def warehouse(run) -> duckdb.DuckDBPyConnection:
    return run[1]


def credits_of(connection, conversion_id: str, model: str) -> list[tuple]:
    """Return (touchpoint_id, channel, credit, revenue_credit) by touch_position."""
    return connection.execute(
        "select touchpoint_id, channel, credit, revenue_credit"
        " from marts.attribution_model_credits"
        " where conversion_id = ? and model = ? order by touch_position",
        [conversion_id, model],
    ).fetchall()


def test_run_succeeds(run):
    result, _ = run
    assert result.success
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert AssetKey(["intermediate", "attribution_algorithmic_credits"]) in materialized
    assert AssetKey(["marts", "attribution_model_credits"]) in materialized
    evaluations = result.get_asset_check_evaluations()
    sum_check = [e for e in evaluations if e.check_name == "credits_sum_to_one_and_revenue"]
    assert len(sum_check) == 1
    assert sum_check[0].passed


def test_paths_and_ties(warehouse):
    paths = dict(
        warehouse.execute("select conversion_id, path from marts.conversion_paths").fetchall()
    )
    # wa2 and wa3 share a timestamp and are ordered by touchpoint_id. The
    # touch wa4 at the order's own timestamp belongs to oa1. wa5, after oa1,
    # belongs to oa2, and oa3 in the same second as oa2 gets an empty window.
    assert paths == {
        "oa1": "paid_search > email > organic_social > paid_search",
        "oa2": "email",
        "oa3": "direct",
        "ob1": "direct",
        "oc1": "paid_search",
    }


def test_every_conversion_has_every_model(warehouse):
    rows = warehouse.execute(
        "select conversion_id, count(distinct model) from marts.attribution_model_credits"
        " group by conversion_id order by conversion_id"
    ).fetchall()
    assert rows == [(c, 8) for c in ("oa1", "oa2", "oa3", "ob1", "oc1")]


def test_credits_sum_to_one_and_revenue(warehouse):
    rows = warehouse.execute(
        "select conversion_id, model, sum(credit), sum(revenue_credit), max(revenue)"
        " from marts.attribution_model_credits group by conversion_id, model"
    ).fetchall()
    assert len(rows) == 5 * 8
    for conversion_id, model, credit, revenue_credit, revenue in rows:
        assert credit == pytest.approx(1.0, abs=1e-12), (conversion_id, model)
        assert revenue_credit == revenue, (conversion_id, model)


# oa1: touches wa1 (p, 14 days old), wa2 (e, 7 days), wa3 (o, 7 days) and
# wa4 (p, 0 days), revenue 100.00.
OA1_EXPECTED = {
    "first_touch": ([1, 0, 0, 0], ["100.00", "0.00", "0.00", "0.00"]),
    "last_touch": ([0, 0, 0, 1], ["0.00", "0.00", "0.00", "100.00"]),
    # The last touch is paid_search, not direct, so it keeps the credit.
    "last_non_direct": ([0, 0, 0, 1], ["0.00", "0.00", "0.00", "100.00"]),
    "linear": ([0.25] * 4, ["25.00"] * 4),
    # Weights 2^-2, 2^-1, 2^-1, 2^0 sum to 2.25: 1/9, 2/9, 2/9, 4/9. Cents
    # 11.11 + 22.22 + 22.22 + 44.44 = 99.99, and the last touch gets the 0.01.
    "time_decay": ([1 / 9, 2 / 9, 2 / 9, 4 / 9], ["11.11", "22.22", "22.22", "44.45"]),
    "position_based": ([0.4, 0.1, 0.1, 0.4], ["40.00", "10.00", "10.00", "40.00"]),
    # Removal effects (tests/journey/test_markov.py): p 7/15, e 1/3, o 7/45,
    # shares p 21/43, e 15/43, o 7/43, and p's share is split over wa1 and wa4.
    # 24.4186 -> 24.42, 34.8837 -> 34.88, 16.2791 -> 16.28, sum 100.00.
    "markov": (
        [21 / 86, 15 / 43, 7 / 43, 21 / 86],
        ["24.42", "34.88", "16.28", "24.42"],
    ),
    # Shapley shares e 4/9, p 4/9, o 1/9 (tests/journey/test_shapley.py), p
    # split over two touches. 22.22 + 44.44 + 11.11 + 22.22 = 99.99, plus 0.01.
    "shapley": ([2 / 9, 4 / 9, 1 / 9, 2 / 9], ["22.22", "44.44", "11.11", "22.23"]),
}


@pytest.mark.parametrize("model", MODELS)
def test_four_touch_path_credits(warehouse, model):
    rows = credits_of(warehouse, "oa1", model)
    assert [row[0] for row in rows] == ["web:wa1", "web:wa2", "web:wa3", "web:wa4"]
    credits, revenue_credits = OA1_EXPECTED[model]
    assert [row[2] for row in rows] == pytest.approx(credits, abs=1e-12)
    assert [row[3] for row in rows] == [Decimal(value) for value in revenue_credits]


@pytest.mark.parametrize("model", MODELS)
def test_single_touch_and_direct_credits(warehouse, model):
    # oc1 has the one touch wc1, which gets everything.
    assert credits_of(warehouse, "oc1", model) == [
        ("web:wc1", "paid_search", 1.0, Decimal("33.33"))
    ]
    # wa5 came after oa1, so it is oa2's only touch.
    assert credits_of(warehouse, "oa2", model) == [("web:wa5", "email", 1.0, Decimal("10.00"))]
    # ob1 has no touch and oa3 an empty window: one 'direct' row each.
    assert credits_of(warehouse, "ob1", model) == [(None, "direct", 1.0, Decimal("20.00"))]
    assert credits_of(warehouse, "oa3", model) == [(None, "direct", 1.0, Decimal("5.00"))]


def test_removal_effects_table(warehouse):
    effects = dict(
        warehouse.execute(
            "select channel, removal_effect from intermediate.markov_removal_effects"
        ).fetchall()
    )
    # The open path of dan (email) is the only null path.
    assert effects == pytest.approx(
        {"direct": 2 / 5, "email": 1 / 3, "organic_social": 7 / 45, "paid_search": 7 / 15}
    )


def test_sessions(warehouse):
    rows = warehouse.execute(
        "select session_number, channel, count_events from intermediate.int_web_sessions"
        " where first_touchpoint_id like 'web:wa%' order by session_number"
    ).fetchall()
    # wa2 and wa3 share a timestamp, so they are one session started by wa2.
    assert rows == [(1, "paid_search", 1), (2, "email", 2), (3, "paid_search", 1), (4, "email", 1)]


def test_channel_day_with_spend_in_reporting_currency(warehouse):
    row = warehouse.execute(
        "select reporting_currency, spend_amount, count_impressions, count_clicks, ctr,"
        " count_sessions, count_conversions, sum_revenue, roas, cpa, cac, conversion_rate,"
        " attributed_conversions_markov, attributed_revenue_markov,"
        " attributed_conversions_shapley, attributed_revenue_shapley"
        " from marts.channel_daily_performance"
        " where activity_date = date '2024-05-15' and channel = 'paid_search'"
    ).fetchone()
    (currency, spend, impressions, clicks, ctr, sessions, conversions, revenue) = row[:8]
    (roas, cpa, cac, conversion_rate) = row[8:12]
    assert currency == "USD"
    # 50.0000 EUR at the seed rate 1.08.
    assert spend == Decimal("54.0000")
    assert (impressions, clicks) == (1000, 40)
    assert ctr == pytest.approx(0.04)
    assert sessions == 1
    # oa1's last touch wa4 is paid_search.
    assert conversions == 1
    assert revenue == Decimal("100.00")
    assert roas == pytest.approx(100 / 54)
    assert cpa == Decimal("54.0000")
    assert cac == Decimal("54.0000")
    assert conversion_rate == pytest.approx(1.0)
    # wa1 and wa4 of oa1 (the day of the conversion counts).
    assert row[12] == pytest.approx(21 / 43)
    assert row[13] == Decimal("48.84")
    assert row[14] == pytest.approx(4 / 9)
    assert row[15] == Decimal("44.45")


def test_revenue_converted_to_reporting_currency(warehouse):
    (revenue, linear) = warehouse.execute(
        "select sum_revenue, attributed_revenue_linear from marts.channel_daily_performance"
        " where activity_date = date '2024-05-04' and channel = 'paid_search'"
    ).fetchone()
    # oc1: 33.33 EUR * 1.08 = 35.9964, rounded to 36.00.
    assert revenue == Decimal("36.00")
    assert linear == Decimal("36.00")


def test_path_summary_median(warehouse):
    rows = warehouse.execute(
        "select path_rank, path, count_conversions, median_days_to_convert"
        " from marts.conversion_path_summary order by path_rank"
    ).fetchall()
    # direct: oa3 and ob1 (0 days each). email: oa2, wa5 to the order is
    # 1 day 2 hours. paid_search: oc1, 30 minutes. The long path: 14 days.
    assert rows[0] == (1, "direct", 2, 0.0)
    assert rows[1][1:3] == ("email", 1)
    assert rows[1][3] == pytest.approx(26 / 24)
    assert rows[2][1:] == ("paid_search", 1, pytest.approx(0.5 / 24))
    assert rows[3][1:] == ("paid_search > email > organic_social > paid_search", 1, 14.0)
