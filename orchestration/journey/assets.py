"""Dagster assets that write the Markov and Shapley attribution tables.

They read the dbt tables ``intermediate.int_attribution_rule_credits`` (the
path touches, from its 'linear' rows) and ``intermediate.int_open_paths``,
and write tables that the dbt model ``marts.attribution_model_credits``
reads. Dagster runs dbt in two steps around them.
"""

import duckdb
import pandas as pd
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset
from dagster_duckdb import DuckDBResource

from orchestration.journey.attribution import TOUCH_COLUMNS, AlgorithmicAttribution, attribute

SCHEMA = "intermediate"
CREDITS_TABLE = "attribution_algorithmic_credits"
REMOVAL_EFFECTS_TABLE = "markov_removal_effects"
CREDITS_KEY = AssetKey([SCHEMA, CREDITS_TABLE])
REMOVAL_EFFECTS_KEY = AssetKey([SCHEMA, REMOVAL_EFFECTS_TABLE])
UPSTREAM_KEYS = [
    AssetKey(["intermediate", "int_attribution_rule_credits"]),
    AssetKey(["intermediate", "int_open_paths"]),
]

CREDITS_DDL = f"""
create or replace table {SCHEMA}.{CREDITS_TABLE} (
    conversion_id varchar not null,
    model varchar not null,
    touchpoint_id varchar,
    touch_position bigint not null,
    count_touches bigint not null,
    channel varchar not null,
    sub_channel varchar,
    touched_at timestamp,
    credit double not null
)
"""
REMOVAL_EFFECTS_DDL = f"""
create or replace table {SCHEMA}.{REMOVAL_EFFECTS_TABLE} (
    channel varchar not null,
    removal_effect double not null,
    removal_effect_share double not null
)
"""


def read_inputs(connection: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, list[str]]:
    """Read the path touches of every conversion and the open paths."""
    columns = ", ".join(TOUCH_COLUMNS)
    touches = connection.execute(
        f"select {columns} from intermediate.int_attribution_rule_credits"
        " where model = 'linear' order by conversion_id, touch_position"
    ).df()
    open_paths = [
        row[0]
        for row in connection.execute(
            "select path from intermediate.int_open_paths order by customer_id"
        ).fetchall()
    ]
    return touches, open_paths


def write_outputs(connection: duckdb.DuckDBPyConnection, result: AlgorithmicAttribution) -> None:
    """Replace both tables in one transaction."""
    credits = result.credits  # noqa: F841 - read by name in the insert below
    removal_effects = result.removal_effects  # noqa: F841
    connection.execute("begin transaction")
    connection.execute(CREDITS_DDL)
    connection.execute(
        f"insert into {SCHEMA}.{CREDITS_TABLE} select conversion_id, model, touchpoint_id,"
        " touch_position, count_touches, channel, sub_channel, touched_at, credit from credits"
    )
    connection.execute(REMOVAL_EFFECTS_DDL)
    connection.execute(
        f"insert into {SCHEMA}.{REMOVAL_EFFECTS_TABLE}"
        " select channel, removal_effect, removal_effect_share from removal_effects"
    )
    connection.execute("commit")


@multi_asset(
    specs=[
        AssetSpec(
            CREDITS_KEY,
            deps=UPSTREAM_KEYS,
            group_name="journey",
            description=(
                "Markov chain and Shapley value credits, one row per conversion, path touch "
                "and model. See docs/attribution.md."
            ),
        ),
        AssetSpec(
            REMOVAL_EFFECTS_KEY,
            deps=UPSTREAM_KEYS,
            group_name="journey",
            description="Markov removal effect of each channel over all paths.",
        ),
    ],
)
def algorithmic_attribution(context: AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as connection:
        touches, open_paths = read_inputs(connection)
        result = attribute(touches, open_paths)
        write_outputs(connection, result)
    context.log.info(
        f"Wrote {len(result.credits)} credit rows for {touches['conversion_id'].nunique()} "
        f"conversions and {len(open_paths)} open paths"
    )
    yield MaterializeResult(
        asset_key=CREDITS_KEY,
        metadata={"row_count": len(result.credits)},
    )
    yield MaterializeResult(
        asset_key=REMOVAL_EFFECTS_KEY,
        metadata={
            "row_count": len(result.removal_effects),
            "removal_effects": {
                row.channel: round(row.removal_effect, 6)
                for row in result.removal_effects.itertuples()
            },
        },
    )


journey_assets = [algorithmic_attribution]
