"""Run the Markov and Shapley asset through Dagster on a hand-built DuckDB file.

The file holds only the two input tables. Channels: p = paid_search,
e = email, d = direct. Conversions (by touch_position):

- c1: p > e > p, so p has two touches
- c2: e > p, the same channel set as c1
- c3: e
- c4: no touch, one 'direct' row
- c5: e, the same path as c3

Open paths: p (customer o1) and e (customer o2).

Markov chain, worked by hand. start goes to p 2 times (c1, o1), to e 4
times (c2, c3, c5, o2) and to d once, 7 in all. p leaves 4 times: to e
once, to conversion twice, to null once. e leaves 5 times: to p twice, to
conversion twice, to null once. d converts. So x_p = x_e / 4 + 1/2 and
x_e = 2 x_p / 5 + 2/5, which give x_p = x_e = 2/3, and
P = (2 * 2/3 + 4 * 2/3 + 1) / 7 = 5/7.

- without p: x_e = 2/5, P = (4 * 2/5 + 1) / 7 = 13/35, RE(p) = 1 - 13/25 = 12/25
- without e: x_p = 1/2, P = (2 * 1/2 + 1) / 7 = 2/7, RE(e) = 1 - 2/5 = 3/5
- without d: P = (4/3 + 8/3) / 7 = 4/7, RE(d) = 1 - 4/5 = 1/5

Markov shares of {p, e}: p 12/27 = 4/9 and e 15/27 = 5/9. The sum of the
removal effects is 32/25, so their shares are p 3/8, e 15/32, d 5/32.

Shapley over {p, e}, counting conversions: v({p}) = 0, v({e}) = 2 (c3, c5)
and v({p, e}) = 4. phi_p = (0 + (4 - 2)) / 2 = 1 and phi_e = (2 + 4) / 2 = 3,
so the shares are p 1/4 and e 3/4. Counting distinct paths instead
(v({e}) = 1, v({p, e}) = 3) would give p 1/3, so the test distinguishes the two weightings.
"""

import gc
from collections.abc import Iterator

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize
from dagster_duckdb import DuckDBResource

from orchestration.journey.assets import algorithmic_attribution

INPUT_DDL = """
create schema intermediate;
create table intermediate.int_attribution_rule_credits (
    conversion_id varchar,
    model varchar,
    touchpoint_id varchar,
    touch_position bigint,
    count_touches bigint,
    channel varchar,
    sub_channel varchar,
    touched_at timestamp,
    credit double
);
create table intermediate.int_open_paths (
    customer_id varchar,
    count_touches bigint,
    path varchar,
    first_touched_at timestamp,
    last_touched_at timestamp
);
"""

# (conversion_id, touchpoint_id, touch_position, count_touches, channel, sub_channel, touched_at)
TOUCHES = [
    ("c1", "web:t1", 1, 3, "paid_search", "spring", "2024-05-01 10:00:00"),
    ("c1", "email:t2", 2, 3, "email", "newsletter", "2024-05-02 10:00:00"),
    ("c1", "web:t3", 3, 3, "paid_search", "spring", "2024-05-03 10:00:00"),
    ("c2", "email:t4", 1, 2, "email", "newsletter", "2024-05-01 11:00:00"),
    ("c2", "web:t5", 2, 2, "paid_search", "spring", "2024-05-02 11:00:00"),
    ("c3", "email:t6", 1, 1, "email", "welcome", "2024-05-01 12:00:00"),
    ("c4", None, 1, 1, "direct", None, None),
    ("c5", "email:t7", 1, 1, "email", "welcome", "2024-05-01 13:00:00"),
]
OPEN_PATHS = [
    ("o1", 1, "paid_search", "2024-05-04 09:00:00", "2024-05-04 09:00:00"),
    ("o2", 1, "email", "2024-05-04 10:00:00", "2024-05-04 10:00:00"),
]

EXPECTED_CREDITS = {
    "markov": {
        "c1": [("web:t1", 2 / 9), ("email:t2", 5 / 9), ("web:t3", 2 / 9)],
        "c2": [("email:t4", 5 / 9), ("web:t5", 4 / 9)],
        "c3": [("email:t6", 1.0)],
        "c4": [(None, 1.0)],
        "c5": [("email:t7", 1.0)],
    },
    "shapley": {
        "c1": [("web:t1", 1 / 8), ("email:t2", 3 / 4), ("web:t3", 1 / 8)],
        "c2": [("email:t4", 3 / 4), ("web:t5", 1 / 4)],
        "c3": [("email:t6", 1.0)],
        "c4": [(None, 1.0)],
        "c5": [("email:t7", 1.0)],
    },
}


def create_inputs(path, touches, open_paths) -> None:
    """Write the input tables, with each touch under 'linear' and 'first_touch'."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(INPUT_DDL)
        for touch in touches:
            count_touches = touch[3]
            # The asset must read only the 'linear' rows. The first_touch rows
            # would double every count if it read them too.
            for model, credit in (
                ("linear", 1.0 / count_touches),
                ("first_touch", 1.0 if touch[2] == 1 else 0.0),
            ):
                connection.execute(
                    "insert into intermediate.int_attribution_rule_credits"
                    " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [touch[0], model, *touch[1:], credit],
                )
        for open_path in open_paths:
            connection.execute(
                "insert into intermediate.int_open_paths values (?, ?, ?, ?, ?)", list(open_path)
            )


def run_asset(warehouse_path):
    return materialize(
        [algorithmic_attribution],
        resources={"duckdb": DuckDBResource(database=str(warehouse_path))},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    warehouse_path = tmp_path_factory.mktemp("algorithmic") / "warehouse.duckdb"
    create_inputs(warehouse_path, TOUCHES, OPEN_PATHS)
    result = run_asset(warehouse_path)
    connection = duckdb.connect(str(warehouse_path), read_only=True)
    yield result, connection
    connection.close()


def credits_of(connection, conversion_id: str, model: str) -> list[tuple]:
    return connection.execute(
        "select touchpoint_id, credit from intermediate.attribution_algorithmic_credits"
        " where conversion_id = ? and model = ? order by touch_position",
        [conversion_id, model],
    ).fetchall()


def test_asset_succeeds(run):
    result, _ = run
    assert result.success


def test_asset_row_count_metadata(run):
    result, _ = run
    metadata = {
        event.asset_key: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    credits_key = AssetKey(["intermediate", "attribution_algorithmic_credits"])
    effects_key = AssetKey(["intermediate", "markov_removal_effects"])
    # 8 linear touches, each under markov and shapley.
    assert metadata[credits_key]["row_count"].value == 16
    assert metadata[effects_key]["row_count"].value == 3


@pytest.mark.parametrize("model", ["markov", "shapley"])
@pytest.mark.parametrize("conversion_id", ["c1", "c2", "c3", "c4", "c5"])
def test_credits_by_hand(run, model, conversion_id):
    _, connection = run
    rows = credits_of(connection, conversion_id, model)
    expected = EXPECTED_CREDITS[model][conversion_id]
    assert [row[0] for row in rows] == [touchpoint_id for touchpoint_id, _ in expected]
    assert [row[1] for row in rows] == pytest.approx([credit for _, credit in expected], abs=1e-12)


def test_touch_columns_carried_over(run):
    _, connection = run
    rows = connection.execute(
        "select model, touchpoint_id, touch_position, count_touches, channel, sub_channel,"
        " cast(touched_at as varchar)"
        " from intermediate.attribution_algorithmic_credits"
        " where conversion_id = 'c1' and touch_position = 3 order by model"
    ).fetchall()
    assert rows == [
        ("markov", "web:t3", 3, 3, "paid_search", "spring", "2024-05-03 10:00:00"),
        ("shapley", "web:t3", 3, 3, "paid_search", "spring", "2024-05-03 10:00:00"),
    ]


def test_direct_row_has_no_touch(run):
    _, connection = run
    rows = connection.execute(
        "select model, touchpoint_id, channel, sub_channel, touched_at"
        " from intermediate.attribution_algorithmic_credits"
        " where conversion_id = 'c4' order by model"
    ).fetchall()
    assert rows == [("markov", None, "direct", None, None), ("shapley", None, "direct", None, None)]


def test_removal_effects_by_hand(run):
    _, connection = run
    rows = connection.execute(
        "select channel, removal_effect, removal_effect_share"
        " from intermediate.markov_removal_effects order by channel"
    ).fetchall()
    assert [row[0] for row in rows] == ["direct", "email", "paid_search"]
    assert [row[1] for row in rows] == pytest.approx([1 / 5, 3 / 5, 12 / 25], abs=1e-12)
    assert [row[2] for row in rows] == pytest.approx([5 / 32, 15 / 32, 3 / 8], abs=1e-12)


def test_no_conversions_writes_empty_tables(tmp_path):
    warehouse_path = tmp_path / "warehouse.duckdb"
    create_inputs(warehouse_path, [], OPEN_PATHS)
    result = run_asset(warehouse_path)
    assert result.success
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        (credit_rows,) = connection.execute(
            "select count(*) from intermediate.attribution_algorithmic_credits"
        ).fetchone()
        (effect_rows,) = connection.execute(
            "select count(*) from intermediate.markov_removal_effects"
        ).fetchone()
    assert credit_rows == 0
    assert effect_rows == 0


def test_null_channel_fails_and_keeps_tables(tmp_path):
    warehouse_path = tmp_path / "warehouse.duckdb"
    null_touch = ("c9", "web:t9", 1, 1, None, None, "2024-05-01 14:00:00")
    create_inputs(warehouse_path, [*TOUCHES, null_touch], OPEN_PATHS)
    with duckdb.connect(str(warehouse_path)) as connection:
        connection.execute(
            "create table intermediate.attribution_algorithmic_credits as"
            " select 'earlier run' as conversion_id"
        )
    result = run_asset(warehouse_path)
    assert not result.success
    failures = result.get_step_failure_events()
    assert len(failures) == 1
    # Dagster wraps the asset's exception, which is the error's cause.
    cause = failures[0].event_specific_data.error.cause
    assert cause.cls_name == "ValueError"
    assert "NULL channel in the converting path (None,)" in cause.message
    # NOTE: DuckDBResource.get_connection (dagster-duckdb 0.29.27) closes its
    # connection only when the asset returns, so after a failure the
    # connection stays open until garbage collection frees it.
    del result, failures, cause
    gc.collect()
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        rows = connection.execute(
            "select * from intermediate.attribution_algorithmic_credits"
        ).fetchall()
    assert rows == [("earlier run",)]
