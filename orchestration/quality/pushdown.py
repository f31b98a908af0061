"""Evaluate common expectation types as DuckDB SQL, so validation memory stays bounded.

Each supported expectation becomes one aggregate query over the table plus, when it
fails, one query for at most ``MAX_SAMPLES`` unexpected rows. DuckDB streams the
table through these queries, and its ``memory_limit`` and ``temp_directory`` bound
the memory of the grouping that the uniqueness expectations need. Python holds only
counts and samples, never the table.

The results follow Great Expectations 1.24.1 semantics for the pandas engine:

- Column map expectations ignore NULL values, except ``not_be_null``. Their
  ``unexpected_percent`` is relative to the non-NULL rows, and to all rows for
  ``not_be_null``.
- ``mostly`` passes an expectation whose unexpected share of those rows is at most
  ``1 - mostly``.
- ``expect_column_values_to_be_unique`` counts every row whose value occurs more
  than once, not only the repeats.
- ``expect_table_columns_to_match_set`` with ``exact_match`` false fails only on
  missing columns.

Expectations that ``pushdown_reason`` rejects run through Great Expectations
instead, on the whole table or on a sample (see ``great_expectations.py``).
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

import duckdb

from orchestration.quality.outcome import MAX_SAMPLES, ExpectationError, ExpectationFailure

NOT_NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
LENGTHS_BETWEEN = "expect_column_value_lengths_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
UNIQUE = "expect_column_values_to_be_unique"
COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
COLUMNS_MATCH_SET = "expect_table_columns_to_match_set"
PAIR_A_GREATER_THAN_B = "expect_column_pair_values_a_to_be_greater_than_b"

# Keyword arguments of each supported type that change the result. Others, such as
# ``row_condition``, send the expectation to Great Expectations.
_SUPPORTED_KWARGS: dict[str, set[str]] = {
    NOT_NULL: {"column", "mostly"},
    BETWEEN: {"column", "min_value", "max_value", "strict_min", "strict_max", "mostly"},
    LENGTHS_BETWEEN: {"column", "min_value", "max_value", "mostly"},
    IN_SET: {"column", "value_set", "mostly"},
    UNIQUE: {"column", "mostly"},
    COMPOUND_UNIQUE: {"column_list", "ignore_row_if", "mostly"},
    COLUMNS_MATCH_SET: {"column_set", "exact_match"},
    PAIR_A_GREATER_THAN_B: {"column_A", "column_B", "or_equal", "ignore_row_if", "mostly"},
}
# Keyword arguments that only shape the report, and the ``None`` values GE stores for
# optional arguments left out of the suite file.
_NEUTRAL_KWARGS = {"batch_id", "result_format", "catch_exceptions", "include_config", "meta"}
_TEMPORAL_TYPES = ("DATE", "TIMESTAMP", "TIME")


class ColumnNotFoundError(LookupError):
    """A column named by an expectation is not in the table."""


@dataclass(frozen=True)
class PushdownResult:
    """The result of one expectation: success, a failure or an error.

    ``result`` has the keys of the ``result`` dict of a GE
    ``ExpectationValidationResult`` in SUMMARY format, such as ``element_count``,
    ``unexpected_count`` and ``observed_value``, for successes and failures alike.
    """

    success: bool
    failure: ExpectationFailure | None = None
    error: ExpectationError | None = None
    result: dict[str, Any] = field(default_factory=dict)


def pushdown_reason(expectation_type: str, kwargs: dict[str, Any]) -> str | None:
    """Return why an expectation cannot run as SQL, or None when it can."""
    supported = _SUPPORTED_KWARGS.get(expectation_type)
    if supported is None:
        return f"{expectation_type} has no SQL translation"
    extra = {
        name
        for name, value in kwargs.items()
        if name not in supported and name not in _NEUTRAL_KWARGS and value is not None
    }
    if extra:
        return f"{expectation_type} with {', '.join(sorted(extra))} has no SQL translation"
    if expectation_type == COMPOUND_UNIQUE and kwargs.get("ignore_row_if") not in (
        None,
        "all_values_are_missing",
        "any_value_is_missing",
        "never",
    ):
        return f"ignore_row_if={kwargs.get('ignore_row_if')!r} has no SQL translation"
    if expectation_type == PAIR_A_GREATER_THAN_B and kwargs.get("ignore_row_if") not in (
        None,
        "both_values_are_missing",
        "either_value_is_missing",
        "neither",
    ):
        return f"ignore_row_if={kwargs.get('ignore_row_if')!r} has no SQL translation"
    return None


class TableQueries:
    """SQL evaluation of expectations on one DuckDB table.

    ``relation`` is the quoted three-part table name. The column names and types
    are read once, from ``DESCRIBE``.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection, relation: str) -> None:
        self.conn = conn
        self.relation = relation
        described = conn.execute(f"describe {relation}").fetchall()
        self.column_types: dict[str, str] = {row[0]: str(row[1]).upper() for row in described}
        self.row_count: int = conn.execute(f"select count(*) from {relation}").fetchone()[0]

    def evaluate(self, expectation_type: str, kwargs: dict[str, Any]) -> PushdownResult:
        """Evaluate one expectation that ``pushdown_reason`` accepts.

        A missing column, invalid arguments and SQL errors give a result with
        ``error`` set, in the same way as an expectation that raised in GE.
        """
        try:
            if expectation_type == COLUMNS_MATCH_SET:
                return self._columns_match_set(kwargs)
            condition, denominator_condition, value_sql = self._map_condition(
                expectation_type, kwargs
            )
            return self._map_result(
                expectation_type, kwargs, condition, denominator_condition, value_sql
            )
        except (ColumnNotFoundError, ValueError, TypeError, duckdb.Error) as error:
            message = str(error)
            if not isinstance(error, ColumnNotFoundError | ValueError):
                message = f"{type(error).__name__}: {error}"
            return PushdownResult(
                success=False,
                error=ExpectationError(expectation_type, _column_of(kwargs), kwargs, message),
            )

    def _column(self, name: Any) -> str:
        if name not in self.column_types:
            raise ColumnNotFoundError(
                f'The column "{name}" does not exist in {self.relation}. '
                f"Its columns are {', '.join(self.column_types)}."
            )
        return quote_identifier(str(name))

    def _map_condition(self, expectation_type: str, kwargs: dict[str, Any]) -> tuple[str, str, str]:
        """Return SQL for (row is unexpected, row counts in the denominator, sample value)."""
        if expectation_type == COMPOUND_UNIQUE:
            return self._compound_unique(kwargs)
        if expectation_type == PAIR_A_GREATER_THAN_B:
            return self._pair_greater(kwargs)

        column = self._column(kwargs.get("column"))
        column_type = self.column_types[str(kwargs["column"])]
        not_null = f"{column} is not null"
        if expectation_type == NOT_NULL:
            return f"{column} is null", "true", column
        if expectation_type == BETWEEN:
            condition = _between_condition(column, column_type, kwargs, strict=True)
            return f"{not_null} and not ({condition})", not_null, column
        if expectation_type == LENGTHS_BETWEEN:
            length = f"length(cast({column} as varchar))"
            condition = _between_condition(length, "BIGINT", kwargs, strict=False)
            return f"{not_null} and not ({condition})", not_null, column
        if expectation_type == IN_SET:
            value_set = kwargs.get("value_set")
            if not isinstance(value_set, list | tuple | set):
                raise ValueError(f"value_set must be a list, got {value_set!r}")
            if not value_set:
                return not_null, not_null, column
            literals = ", ".join(_literal(value, column_type) for value in value_set)
            return f"{not_null} and {column} not in ({literals})", not_null, column
        if expectation_type == UNIQUE:
            repeated = (
                f"{column} in (select {column} from {self.relation} "
                f"where {not_null} group by {column} having count(*) > 1)"
            )
            return f"{not_null} and {repeated}", not_null, column
        raise ValueError(f"{expectation_type} has no SQL translation")

    def _compound_unique(self, kwargs: dict[str, Any]) -> tuple[str, str, str]:
        names = kwargs.get("column_list")
        if not isinstance(names, list | tuple) or not names:
            raise ValueError(f"column_list must be a non-empty list, got {names!r}")
        columns = [self._column(name) for name in names]
        ignore = kwargs.get("ignore_row_if") or "all_values_are_missing"
        if ignore == "all_values_are_missing":
            considered = "not (" + " and ".join(f"{c} is null" for c in columns) + ")"
        elif ignore == "any_value_is_missing":
            considered = " and ".join(f"{c} is not null" for c in columns)
        else:
            considered = "true"
        key = ", ".join(columns)
        repeated = (
            f"({key}) in (select ({key}) from {self.relation} where {considered} "
            f"group by {key} having count(*) > 1)"
        )
        return f"{considered} and {repeated}", considered, f"struct_pack({key})"

    def _pair_greater(self, kwargs: dict[str, Any]) -> tuple[str, str, str]:
        column_a = self._column(kwargs.get("column_A"))
        column_b = self._column(kwargs.get("column_B"))
        ignore = kwargs.get("ignore_row_if") or "both_values_are_missing"
        if ignore == "both_values_are_missing":
            considered = f"not ({column_a} is null and {column_b} is null)"
        elif ignore == "either_value_is_missing":
            considered = f"{column_a} is not null and {column_b} is not null"
        else:
            considered = "true"
        operator = ">=" if kwargs.get("or_equal") else ">"
        # A comparison with one NULL side is unexpected, as in GE's pandas engine.
        condition = f"{considered} and not coalesce({column_a} {operator} {column_b}, false)"
        return condition, considered, f"[{column_a}, {column_b}]"

    def _map_result(
        self,
        expectation_type: str,
        kwargs: dict[str, Any],
        condition: str,
        denominator_condition: str,
        value_sql: str,
    ) -> PushdownResult:
        counts_sql = (
            f"select count(*) filter (where {condition}), "
            f"count(*) filter (where {denominator_condition}) from {self.relation}"
        )
        unexpected, denominator = self.conn.execute(counts_sql).fetchone()
        percent = 100.0 * unexpected / denominator if denominator else 0.0
        mostly = kwargs.get("mostly")
        allowed = 0.0 if mostly is None else (1.0 - float(mostly)) * 100.0
        result = _map_summary(self.row_count, expectation_type, unexpected, denominator, percent)
        if unexpected == 0 or (mostly is not None and percent <= allowed):
            return PushdownResult(success=True, result={**result, "partial_unexpected_list": []})

        cursor = self.conn.execute(
            f"select {value_sql} as __value, * from {self.relation} "
            f"where {condition} limit {MAX_SAMPLES}"
        )
        names = [description[0] for description in cursor.description]
        rows = cursor.fetchall()
        samples = [_plain(row[0]) for row in rows]
        failure = ExpectationFailure(
            expectation_type=expectation_type,
            column=_column_of(kwargs),
            kwargs=kwargs,
            observed_value=None,
            unexpected_count=unexpected,
            unexpected_percent=percent,
            sample_unexpected_values=samples,
            sample_unexpected_rows=[
                {name: _plain(value) for name, value in zip(names[1:], row[1:], strict=True)}
                for row in rows
            ],
        )
        return PushdownResult(
            success=False, failure=failure, result={**result, "partial_unexpected_list": samples}
        )

    def _columns_match_set(self, kwargs: dict[str, Any]) -> PushdownResult:
        expected = kwargs.get("column_set")
        if not isinstance(expected, list | tuple | set):
            raise ValueError(f"column_set must be a list, got {expected!r}")
        actual = set(self.column_types)
        missing = sorted(set(expected) - actual)
        unexpected = sorted(actual - set(expected))
        exact_match = kwargs.get("exact_match", True) is not False
        if not missing and (not unexpected or not exact_match):
            return PushdownResult(success=True, result={"observed_value": sorted(actual)})
        mismatched: dict[str, list[str]] = {}
        if unexpected:
            mismatched["unexpected"] = unexpected
        if missing:
            mismatched["missing"] = missing
        result = {"observed_value": sorted(actual), "details": {"mismatched": mismatched}}
        failure = ExpectationFailure(
            expectation_type=COLUMNS_MATCH_SET,
            column=None,
            kwargs=kwargs,
            observed_value=result,
        )
        return PushdownResult(success=False, failure=failure, result=result)


def _map_summary(
    row_count: int, expectation_type: str, unexpected: int, denominator: int, percent: float
) -> dict[str, Any]:
    """Return the counts of a map expectation's result as GE's pandas engine reports them.

    Rows outside the denominator are the missing ones (NULL values, or rows that
    ``ignore_row_if`` skips). ``not_be_null`` counts every row and reports no
    missing rows, because the NULL values are its unexpected values.
    """
    summary: dict[str, Any] = {
        "element_count": row_count,
        "unexpected_count": unexpected,
        "unexpected_percent": percent,
    }
    if expectation_type == NOT_NULL:
        return summary
    missing = row_count - denominator
    return {
        **summary,
        "missing_count": missing,
        "missing_percent": 100.0 * missing / row_count if row_count else None,
        "unexpected_percent_total": 100.0 * unexpected / row_count if row_count else None,
        "unexpected_percent_nonmissing": percent,
    }


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _between_condition(
    expression: str, column_type: str, kwargs: dict[str, Any], strict: bool
) -> str:
    minimum = kwargs.get("min_value")
    maximum = kwargs.get("max_value")
    if minimum is None and maximum is None:
        raise ValueError("min_value and max_value cannot both be None")
    strict_min = strict and bool(kwargs.get("strict_min"))
    strict_max = strict and bool(kwargs.get("strict_max"))
    if column_type.startswith(_TEMPORAL_TYPES) and not column_type.startswith("TIME "):
        # GE compares a DATE column with a timestamp bound such as
        # "2000-01-01T00:00:00", so both sides are compared as timestamps.
        expression = f"cast({expression} as timestamp)"
        column_type = "TIMESTAMP"
    parts = []
    if minimum is not None:
        parts.append(f"{expression} {'>' if strict_min else '>='} {_literal(minimum, column_type)}")
    if maximum is not None:
        parts.append(f"{expression} {'<' if strict_max else '<='} {_literal(maximum, column_type)}")
    return " and ".join(parts)


def _literal(value: Any, column_type: str) -> str:
    """Render a suite value as a SQL literal cast to the column's type."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float | decimal.Decimal):
        text = repr(float(value)) if isinstance(value, float) else str(value)
    elif isinstance(value, str | dt.date | dt.datetime):
        text = "'" + str(value).replace("'", "''") + "'"
    else:
        raise TypeError(f"value {value!r} of type {type(value).__name__} has no SQL literal")
    if column_type.startswith(("VARCHAR", "DECIMAL")) or column_type in _NUMERIC_TYPES:
        return f"cast({text} as {column_type})" if isinstance(value, str) else text
    return f"cast({text} as {column_type})"


_NUMERIC_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
    "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE",
}  # fmt: skip


def _plain(value: Any) -> Any:
    """Convert a DuckDB value to a JSON-friendly one, keeping strings and numbers."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value


def _column_of(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_A" in kwargs and "column_B" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if isinstance(kwargs.get("column_list"), list):
        return ", ".join(str(column) for column in kwargs["column_list"])
    return None
