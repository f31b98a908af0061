"""SQL evaluation of expectations against Great Expectations' pandas results."""

from pathlib import Path

import duckdb
import pytest

from orchestration.quality import great_expectations as ge_validation
from orchestration.quality.great_expectations import suite_from_dict, validate_table
from orchestration.quality.outcome import ValidationStatus

TABLE_SQL = """
create schema raw;
create table raw.t as select * from (values
    ('a', 'page',  1,    date '2024-01-01', timestamp '2024-01-02 00:00:00', 'x'),
    ('b', 'track', 5,    date '2024-01-03', timestamp '2024-01-01 00:00:00', 'xy'),
    ('b', null,    -2,   null,              timestamp '2024-01-05 00:00:00', ''),
    (null, 'oops', null, date '2024-01-07', null,                            'xyz'),
    ('c', 'page',  7,    date '2024-01-09', timestamp '2024-01-09 00:00:00', 'x')
) as v(id, kind, amount, first_day, last_at, code);
"""

CASES = [
    ("expect_column_values_to_not_be_null", {"column": "id"}),
    ("expect_column_values_to_not_be_null", {"column": "id", "mostly": 0.5}),
    ("expect_column_values_to_be_unique", {"column": "id"}),
    ("expect_column_values_to_be_between", {"column": "amount", "min_value": 0}),
    ("expect_column_values_to_be_between",
     {"column": "amount", "min_value": 1, "max_value": 7, "strict_max": True}),
    ("expect_column_values_to_be_between",
     {"column": "first_day", "min_value": "2024-01-02T00:00:00"}),
    ("expect_column_value_lengths_to_be_between", {"column": "code", "min_value": 1}),
    ("expect_column_values_to_be_in_set", {"column": "kind", "value_set": ["page", "track"]}),
    ("expect_compound_columns_to_be_unique", {"column_list": ["id", "code"]}),
    ("expect_column_pair_values_a_to_be_greater_than_b",
     {"column_A": "last_at", "column_B": "first_day", "or_equal": True,
      "ignore_row_if": "either_value_is_missing"}),
    ("expect_table_columns_to_match_set", {"column_set": ["id", "kind"], "exact_match": True}),
    ("expect_table_columns_to_match_set", {"column_set": ["id", "nope"], "exact_match": False}),
]  # fmt: skip


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(TABLE_SQL)
    return path


def outcome_of(path: Path, expectation_type: str, kwargs: dict):
    suite = suite_from_dict(
        {"name": "case", "expectations": [{"type": expectation_type, "kwargs": kwargs}]}
    )
    return validate_table(path, "raw", "t", suite)


@pytest.mark.parametrize(("expectation_type", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_sql_matches_pandas(warehouse: Path, expectation_type, kwargs, monkeypatch):
    sql = outcome_of(warehouse, expectation_type, kwargs)
    monkeypatch.setattr(ge_validation, "pushdown_reason", lambda *args: "forced fallback")
    pandas = outcome_of(warehouse, expectation_type, kwargs)

    assert sql.status is pandas.status, (sql.to_markdown(), pandas.to_markdown())
    assert len(sql.failures) == len(pandas.failures)
    for sql_failure, pandas_failure in zip(sql.failures, pandas.failures, strict=True):
        assert sql_failure.unexpected_count == pandas_failure.unexpected_count
        assert sql_failure.unexpected_percent == pytest.approx(pandas_failure.unexpected_percent)


def test_unsupported_type_uses_ge(warehouse: Path):
    outcome = outcome_of(
        warehouse, "expect_column_values_to_match_regex", {"column": "code", "regex": "^x"}
    )

    assert outcome.status is ValidationStatus.FAILED
    assert outcome.failures[0].unexpected_count == 1


def test_large_table_sampled_for_ge(warehouse: Path, monkeypatch):
    monkeypatch.setattr(ge_validation, "GE_SAMPLE_ROWS", 2)
    outcome = outcome_of(
        warehouse, "expect_column_values_to_match_regex", {"column": "kind", "regex": "^z"}
    )

    assert outcome.row_count == 5
    assert outcome.status is ValidationStatus.FAILED
    assert outcome.failures[0].unexpected_count <= 2
