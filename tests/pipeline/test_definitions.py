"""Check the code location's assets, checks, job and schedule without running anything."""

import json

import pytest
from dagster import AssetCheckKey, AssetKey, Definitions

from orchestration.dbt.project import rightpath_dbt_project
from orchestration.ingest.schema import RAW_TABLES
from orchestration.quality.suite_files import discover_suites
from orchestration.settings import EXPECTATIONS_DIR

from .support import MART_TABLE_NAMES, PUBLISHED_MARTS_KEY


@pytest.fixture(scope="module")
def definitions() -> Definitions:
    # Importing the module builds the definitions from the environment's settings.
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def asset_graph(definitions: Definitions):
    return definitions.resolve_asset_graph()


@pytest.fixture(scope="module")
def dbt_manifest() -> dict:
    return json.loads(rightpath_dbt_project.manifest_path.read_text())


def test_raw_tables_are_assets(asset_graph):
    keys = asset_graph.get_all_asset_keys()
    for table in RAW_TABLES:
        assert AssetKey(["raw", table]) in keys


def test_marts_are_assets(asset_graph):
    keys = asset_graph.get_all_asset_keys()
    for table in MART_TABLE_NAMES:
        assert AssetKey(["marts", table]) in keys


def test_published_marts_is_asset(asset_graph):
    assert PUBLISHED_MARTS_KEY in asset_graph.get_all_asset_keys()


def test_published_marts_depends_on_marts(asset_graph):
    parents = asset_graph.get(PUBLISHED_MARTS_KEY).parent_keys
    assert parents == {AssetKey(["marts", table]) for table in MART_TABLE_NAMES}


def test_every_suite_is_blocking_check(asset_graph):
    suites = discover_suites(EXPECTATIONS_DIR)
    assert suites, f"no suite files found in {EXPECTATIONS_DIR}"
    for suite in suites:
        check_key = AssetCheckKey(
            AssetKey([suite.schema, suite.table]), f"{suite.table}_expectations"
        )
        assert check_key in asset_graph.asset_check_keys, f"{suite.path.name} has no asset check"
        assert asset_graph.get_check_spec(check_key).blocking, f"{check_key} is not blocking"


def test_raw_tables_have_reconciliation_check(asset_graph):
    for table in RAW_TABLES:
        check_key = AssetCheckKey(AssetKey(["raw", table]), "landed_rows_reconciled")
        assert check_key in asset_graph.asset_check_keys
        assert asset_graph.get_check_spec(check_key).blocking


def test_dbt_keys_are_schema_and_table(asset_graph, dbt_manifest):
    dbt_nodes = [
        node
        for node in dbt_manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    ]
    assert dbt_nodes, "the dbt manifest lists no models or seeds"
    # The dbt project is split into two asset definitions around the Python
    # assets; together they hold every model and seed.
    dbt_keys = set(asset_graph.assets_def_for_key(AssetKey(["marts", "conversion_paths"])).keys)
    dbt_keys |= set(asset_graph.assets_def_for_key(AssetKey(["marts", "customers"])).keys)
    expected_keys = {AssetKey([node["schema"], node["name"]]) for node in dbt_nodes}
    assert dbt_keys == expected_keys


def test_dbt_sources_are_assets(asset_graph):
    # Sources share keys with the assets that write them, so the lineage runs
    # from the raw tables to the marts.
    dbt_assets = asset_graph.assets_def_for_key(AssetKey(["marts", "conversion_paths"]))
    upstream = {key for key in dbt_assets.dependency_keys if key not in dbt_assets.keys}
    for table in RAW_TABLES:
        assert AssetKey(["raw", table]) in upstream
    assert upstream <= asset_graph.materializable_asset_keys


def test_job_selects_pipeline_assets(definitions):
    selected = definitions.resolve_job_def("pipeline_job").asset_layer.selected_asset_keys
    for table in RAW_TABLES:
        assert AssetKey(["raw", table]) in selected
    for table in MART_TABLE_NAMES:
        assert AssetKey(["marts", table]) in selected
    assert PUBLISHED_MARTS_KEY in selected


def test_nightly_schedule_runs_job(definitions):
    schedule = definitions.resolve_schedule_def("nightly_schedule")
    assert schedule.job_name == "pipeline_job"
    assert schedule.cron_schedule == "0 2 * * *"


def test_unpartitioned_definitions_for_full_runs(definitions):
    from orchestration.definitions import build_definitions
    from orchestration.settings import Settings

    unpartitioned = build_definitions(Settings.from_env(), partitioned=False)
    graph = unpartitioned.resolve_asset_graph()
    partitioned_keys = [key for key in graph.get_all_asset_keys() if graph.get(key).is_partitioned]
    assert partitioned_keys == []
    assert set(graph.get_all_asset_keys()) == set(
        definitions.resolve_asset_graph().get_all_asset_keys()
    )
    assert set(graph.asset_check_keys) == set(definitions.resolve_asset_graph().asset_check_keys)
    assert list(unpartitioned.schedules or []) == []
