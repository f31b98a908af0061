"""dbt models, seeds and tests as Dagster assets and asset checks."""

import json
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.dbt.project import rightpath_dbt_project
from orchestration.partitions import PartitioningResource


class RightpathDbtTranslator(DagsterDbtTranslator):
    """Key every dbt node by its DuckDB location, ``[schema, table]``.

    Sources then share keys with the ingest assets that write them, so the
    lineage runs from landing files to marts. Marts are grouped by family
    (customer, channel, journey), seeds together, other layers by layer.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "seed":
            return "seeds"
        if len(fqn) > 3 and fqn[1] == "marts":
            return fqn[2]
        if len(fqn) > 2:
            return fqn[1]
        return "dbt"


def _build_args(
    context: AssetExecutionContext, partitioning: PartitioningResource, *args: str
) -> list[str]:
    """Return ``dbt build`` arguments with the run's partition window as vars.

    The incremental staging models read the window through
    ``incremental_window_filter``. A run without partitions builds every day.
    """
    window = partitioning.window_for(context)
    if window is None:
        return ["build", *args]
    context.log.info(
        f"dbt builds days {window.reprocess_from} to {window.last_day} ({window.timezone}) "
        "of the incremental models"
    )
    return ["build", *args, "--vars", json.dumps(window.dbt_vars())]


# Models that read tables written by Python assets (sentiment, customer value,
# Markov and Shapley credits). They and their descendants build in a second dbt
# step, after those assets, so the asset graph has no cycle between dbt and
# Python.
AFTER_PYTHON_SELECT = "source:intermediate_python+ source:marts_python+ source:journey+"


@dbt_assets(
    manifest=rightpath_dbt_project.manifest_path,
    project=rightpath_dbt_project,
    dagster_dbt_translator=RightpathDbtTranslator(),
    exclude=AFTER_PYTHON_SELECT,
    name="rightpath_dbt_models",
)
def rightpath_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, partitioning: PartitioningResource
):
    """Build the models and seeds that need no Python asset, and run their tests.

    Tests that also read a model of the second step wait for that step
    (cautious indirect selection), so they never run against a stale table.
    """
    args = _build_args(context, partitioning, "--indirect-selection", "cautious")
    yield from dbt.cli(args, context=context).stream()


@dbt_assets(
    manifest=rightpath_dbt_project.manifest_path,
    project=rightpath_dbt_project,
    dagster_dbt_translator=RightpathDbtTranslator(),
    select=AFTER_PYTHON_SELECT,
    name="rightpath_dbt_models_after_python",
)
def rightpath_dbt_models_after_python(
    context: AssetExecutionContext, dbt: DbtCliResource, partitioning: PartitioningResource
):
    """Build the models that join Python asset outputs, and run their tests."""
    yield from dbt.cli(_build_args(context, partitioning), context=context).stream()
