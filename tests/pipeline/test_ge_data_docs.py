"""Great Expectations data docs written by the session's run on the tiny landing set.

The report asset stores the results of every suite check of the run in a GE
file data context inside the published version folder and builds its data docs.
"""

import json
from pathlib import Path

import pytest
from dagster import AssetKey

from orchestration.quality.suite_files import discover_suites
from orchestration.settings import EXPECTATIONS_DIR

from .support import PipelineRun

INSIGHTS_REPORT_KEY = AssetKey(["published", "insights_report"])
CONTEXT_DIR = Path("parquet") / "1" / "gx"
INDEX_PATH = CONTEXT_DIR / "uncommitted" / "data_docs" / "local_site" / "index.html"
VALIDATIONS_DIR = CONTEXT_DIR / "uncommitted" / "validations"


@pytest.fixture(scope="module")
def publish_dir(tiny_run: PipelineRun) -> Path:
    tiny_run.require_success()
    return tiny_run.settings.publish_dir


def suite_names() -> list[str]:
    return [spec.qualified_name for spec in discover_suites(EXPECTATIONS_DIR)]


def stored_results(publish_dir: Path) -> dict[str, dict]:
    """Return the stored validation result of each suite by suite name."""
    results = {}
    for path in sorted((publish_dir / VALIDATIONS_DIR).rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        results[document["suite_name"]] = document
    return results


def test_data_docs_index_in_version_folder(publish_dir: Path):
    assert (publish_dir / INDEX_PATH).is_file()


def test_data_docs_list_every_suite(publish_dir: Path):
    index = (publish_dir / INDEX_PATH).read_text(encoding="utf-8")
    names = suite_names()
    # 7 raw tables and 6 marts have suite files.
    assert len(names) == 13
    for name in names:
        assert name in index, f"{name} is not on the data docs index"
    pages = list((publish_dir / INDEX_PATH).parent.joinpath("validations").rglob("*.html"))
    assert len(pages) == len(names)


def test_stored_results_per_suite(publish_dir: Path):
    results = stored_results(publish_dir)
    assert sorted(results) == sorted(suite_names())
    for name, result in results.items():
        assert result["success"] is True, f"{name} is stored as failed"
        assert result["statistics"]["evaluated_expectations"] > 0


def test_stored_pushdown_observed_values(publish_dir: Path):
    result = stored_results(publish_dir)["marts.campaign_daily_performance"]
    by_type = {}
    for expectation in result["results"]:
        by_type.setdefault(expectation["expectation_config"]["type"], []).append(expectation)
    (columns,) = by_type["expect_table_columns_to_match_set"]
    assert "cac" in columns["result"]["observed_value"]
    assert "campaign_key" in columns["result"]["observed_value"]
    # Every not-null expectation counted the mart's rows and found no NULL.
    for expectation in by_type["expect_column_values_to_not_be_null"]:
        assert expectation["result"]["element_count"] == result["meta"]["row_count"]
        assert expectation["result"]["unexpected_count"] == 0


def test_report_links_data_docs(publish_dir: Path):
    report = (publish_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert 'href="../parquet/1/gx/uncommitted/data_docs/local_site/index.html"' in report
    quality_page = (publish_dir / "report" / "data_quality.html").read_text(encoding="utf-8")
    assert "../parquet/1/gx/uncommitted/data_docs/local_site/index.html" in quality_page


def test_report_metadata_names_suites(tiny_run: PipelineRun):
    materializations = [
        event.materialization
        for event in tiny_run.result.get_asset_materialization_events()
        if event.asset_key == INSIGHTS_REPORT_KEY
    ]
    assert len(materializations) == 1
    metadata = materializations[0].metadata
    assert metadata["ge_data_docs_built"].value is True
    assert metadata["ge_data_docs_suites"].value == sorted(suite_names())
