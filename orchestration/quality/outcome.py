"""The result of validating one table against one suite, and its Dagster metadata."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dagster import MetadataValue

# Sample unexpected values and rows kept per failed expectation.
MAX_SAMPLES = 10


class ValidationStatus(StrEnum):
    PASSED = "passed"
    # The data broke at least one expectation, and every expectation ran.
    FAILED = "failed"
    # An expectation, the suite or the table read raised, so the data is unverified.
    ERROR = "error"


@dataclass(frozen=True)
class ExpectationFailure:
    """An expectation that ran and found data it does not accept."""

    expectation_type: str
    # ``column``; ``column_A, column_B`` for pairs; the ``column_list`` joined for
    # multicolumn expectations; None for table expectations.
    column: str | None
    kwargs: dict[str, Any]
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    sample_unexpected_values: list[Any] = field(default_factory=list)
    sample_unexpected_rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "expectation_type": self.expectation_type,
            "column": self.column,
            "kwargs": self.kwargs,
            "observed_value": self.observed_value,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "sample_unexpected_values": self.sample_unexpected_values,
            "sample_unexpected_rows": self.sample_unexpected_rows,
        }


@dataclass(frozen=True)
class ExpectationError:
    """An expectation that raised instead of returning a result.

    ``expectation_type`` is empty for errors that concern the whole suite, such as
    a table that is not found.
    """

    expectation_type: str
    column: str | None
    kwargs: dict[str, Any]
    message: str
    traceback: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "expectation_type": self.expectation_type,
            "column": self.column,
            "kwargs": self.kwargs,
            "message": self.message,
        }


@dataclass(frozen=True)
class ValidationOutcome:
    """The validation of ``<schema>.<table>`` against one suite.

    ``status`` is ERROR whenever ``errors`` is not empty, even if every expectation
    that ran succeeded, because the expectations that raised checked nothing.
    """

    suite_name: str
    schema: str
    table: str
    row_count: int | None
    evaluated_expectations: int
    successful_expectations: int
    failures: list[ExpectationFailure] = field(default_factory=list)
    errors: list[ExpectationError] = field(default_factory=list)
    # One JSON document per expectation that ran, in suite order, in the form of a
    # GE ExpectationValidationResult (great_expectations.expectation_result_document).
    expectation_results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> ValidationStatus:
        if self.errors:
            return ValidationStatus.ERROR
        if self.failures:
            return ValidationStatus.FAILED
        return ValidationStatus.PASSED

    @property
    def passed(self) -> bool:
        return self.status is ValidationStatus.PASSED

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"

    def summary(self) -> str:
        """Describe the outcome in one line, for logs and check descriptions."""
        text = (
            f"Suite {self.suite_name} on {self.qualified_table}: {self.status.value}, "
            f"{self.successful_expectations} of {self.evaluated_expectations} expectations "
            f"succeeded, {len(self.failures)} failed, {len(self.errors)} raised errors"
        )
        if self.row_count is not None:
            text += f", {self.row_count} rows"
        return text

    def to_metadata(self) -> dict[str, Any]:
        """Render the outcome as Dagster metadata: counts, failures, errors and samples.

        Values are JSON-serializable except ``report``, a ``MetadataValue.md`` table.
        """
        metadata: dict[str, Any] = {
            "status": self.status.value,
            "suite": self.suite_name,
            "table": self.qualified_table,
            "row_count": self.row_count,
            "evaluated_expectations": self.evaluated_expectations,
            "successful_expectations": self.successful_expectations,
            "failed_expectations": len(self.failures),
            "errored_expectations": len(self.errors),
        }
        if self.failures:
            metadata["failures"] = MetadataValue.json(
                json_safe([failure.to_dict() for failure in self.failures])
            )
        if self.errors:
            metadata["errors"] = MetadataValue.json(
                json_safe([error.to_dict() for error in self.errors])
            )
            metadata["error"] = self.errors[0].message
        if self.expectation_results:
            metadata["expectation_results"] = MetadataValue.json(self.expectation_results)
        metadata["report"] = MetadataValue.md(self.to_markdown())
        return metadata

    def to_markdown(self) -> str:
        lines = [f"**{self.status.value}**: {self.summary()}", ""]
        if self.errors:
            lines += ["| expectation | column | error |", "|---|---|---|"]
            for error in self.errors:
                lines.append(
                    f"| {_cell(error.expectation_type or '(suite)')} | {_cell(error.column)} "
                    f"| {_cell(error.message)} |"
                )
            lines.append("")
        if self.failures:
            lines += [
                "| expectation | column | observed | unexpected | unexpected % | samples |",
                "|---|---|---|---|---|---|",
            ]
            for failure in self.failures:
                percent = (
                    f"{failure.unexpected_percent:.2f}"
                    if failure.unexpected_percent is not None
                    else ""
                )
                samples = json.dumps(json_safe(failure.sample_unexpected_values))
                lines.append(
                    f"| {_cell(failure.expectation_type)} | {_cell(failure.column)} "
                    f"| {_cell(_compact(failure.observed_value))} "
                    f"| {_cell(failure.unexpected_count)} | {percent} | {_cell(samples)} |"
                )
        return "\n".join(lines).rstrip() + "\n"


def _compact(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(json_safe(value))


def _cell(value: Any) -> str:
    """Format a value for one markdown table cell, shortened to 200 characters."""
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 200 else text[:197] + "..."


def json_safe(value: Any) -> Any:
    """Convert to JSON types, turning anything JSON cannot hold into its string form."""
    return json.loads(json.dumps(value, default=str))
