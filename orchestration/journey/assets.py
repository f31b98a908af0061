"""Dagster assets that write the Markov and Shapley attribution tables.

They read the dbt tables ``intermediate.int_attribution_rule_credits`` (the
path touches, from its 'linear' rows) and ``intermediate.int_open_paths``,
and write tables that the dbt model ``marts.attribution_model_credits``
reads. Dagster runs dbt in two steps around them.

DuckDB does the per-touch work. Python receives only the distinct channel
paths with their counts, computes one share per channel set, channel and
model, and one ``insert ... select`` spreads those shares over the touches.
"""

import logging
from dataclasses import dataclass

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset
from dagster_duckdb import DuckDBResource

from orchestration.journey.attribution import (
    CHANNEL_SET_SEPARATOR,
    MODELS,
    AlgorithmicAttribution,
    attribute,
)
from orchestration.journey.markov import parse_path

SCHEMA = "intermediate"
CREDITS_TABLE = "attribution_algorithmic_credits"
REMOVAL_EFFECTS_TABLE = "markov_removal_effects"
CREDITS_KEY = AssetKey([SCHEMA, CREDITS_TABLE])
REMOVAL_EFFECTS_KEY = AssetKey([SCHEMA, REMOVAL_EFFECTS_TABLE])
UPSTREAM_KEYS = [
    AssetKey(["intermediate", "int_attribution_rule_credits"]),
    AssetKey(["intermediate", "int_open_paths"]),
]
# Name under which the shares DataFrame is registered on the connection.
SHARES_VIEW = "algorithmic_channel_shares"

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

CONVERTING_PATHS_SQL = """
with paths as (
    select
        conversion_id,
        list(channel order by touch_position) as channels
    from intermediate.int_attribution_rule_credits
    where model = 'linear'
    group by conversion_id
)

select channels, count(*) as count_conversions
from paths
group by channels
"""
OPEN_PATHS_SQL = """
select path, count(*) as count_journeys
from intermediate.int_open_paths
group by path
"""
# channel_set must equal attribution.channel_set_key of the same channels. It
# joins the sorted distinct channels with the separator bound to the ``?``
# parameter. DuckDB compares VARCHAR by bytes, which for UTF-8 is the code
# point order of Python's sorted().
CREDITS_INSERT_SQL = f"""
insert into {SCHEMA}.{CREDITS_TABLE}
with touches as (
    select
        conversion_id,
        touchpoint_id,
        touch_position,
        count_touches,
        channel,
        sub_channel,
        touched_at,
        count(*) over (partition by conversion_id, channel) as count_channel_touches
    from intermediate.int_attribution_rule_credits
    where model = 'linear'
),

channel_sets as (
    select
        conversion_id,
        array_to_string(list_sort(list_distinct(list(channel)), 'ASC'), ?) as channel_set
    from touches
    group by conversion_id
)

select
    touches.conversion_id,
    shares.model,
    touches.touchpoint_id,
    touches.touch_position,
    touches.count_touches,
    touches.channel,
    touches.sub_channel,
    touches.touched_at,
    shares.share / touches.count_channel_touches as credit
from touches
inner join channel_sets
    on touches.conversion_id = channel_sets.conversion_id
inner join {SHARES_VIEW} as shares
    on channel_sets.channel_set = shares.channel_set
    and touches.channel = shares.channel
"""


@dataclass(frozen=True)
class AttributionSummary:
    """Row counts of one attribution run and its removal effects."""

    conversions: int
    touch_rows: int
    open_journeys: int
    credit_rows: int
    removal_effects: dict[str, float]


def read_path_counts(
    connection: duckdb.DuckDBPyConnection,
) -> tuple[dict[tuple[str, ...], int], dict[tuple[str, ...], int]]:
    """Count the conversions per converting channel path and the journeys per open path."""
    converting = {
        tuple(channels): count
        for channels, count in connection.execute(CONVERTING_PATHS_SQL).fetchall()
    }
    for channels in converting:
        if None in channels:
            raise ValueError(
                "Invalid path touch in intermediate.int_attribution_rule_credits: NULL"
                f" channel in the converting path {channels!r}. Rebuild the touchpoint"
                " models, whose channel column must not be NULL."
            )
    open_paths: dict[tuple[str, ...], int] = {}
    for path, count in connection.execute(OPEN_PATHS_SQL).fetchall():
        channels = parse_path(path or "")
        open_paths[channels] = open_paths.get(channels, 0) + count
    return converting, open_paths


def write_tables(connection: duckdb.DuckDBPyConnection, result: AlgorithmicAttribution) -> int:
    """Replace both tables and return the number of credit rows inserted."""
    connection.execute(CREDITS_DDL)
    connection.register(SHARES_VIEW, result.shares)
    try:
        (credit_rows,) = connection.execute(CREDITS_INSERT_SQL, [CHANNEL_SET_SEPARATOR]).fetchone()
    finally:
        connection.unregister(SHARES_VIEW)
    removal_effects = result.removal_effects  # noqa: F841 - read by name in the insert below
    connection.execute(REMOVAL_EFFECTS_DDL)
    connection.execute(
        f"insert into {SCHEMA}.{REMOVAL_EFFECTS_TABLE}"
        " select channel, removal_effect, removal_effect_share from removal_effects"
    )
    return credit_rows


def write_algorithmic_attribution(
    connection: duckdb.DuckDBPyConnection, log: logging.Logger
) -> AttributionSummary:
    """Compute the Markov and Shapley credits and replace both tables in one transaction.

    Raises RuntimeError, and writes nothing, when the credit rows are not
    one per touch and model, because a channel set without shares would
    leave its touches without credit.
    """
    connection.execute("begin transaction")
    try:
        converting, open_paths = read_path_counts(connection)
        conversions = sum(converting.values())
        touch_rows = sum(len(channels) * count for channels, count in converting.items())
        open_journeys = sum(open_paths.values())
        log.info(
            f"Read {touch_rows} path touch rows of {conversions} conversions"
            f" ({len(converting)} distinct paths) and {open_journeys} open paths"
            f" ({len(open_paths)} distinct)"
        )
        result = attribute(converting, open_paths)
        credit_rows = write_tables(connection, result)
        expected_rows = touch_rows * len(MODELS)
        if credit_rows != expected_rows:
            raise RuntimeError(
                f"Markov and Shapley attribution wrote {credit_rows} credit rows, expected"
                f" {expected_rows} ({touch_rows} touches x {len(MODELS)} models). Some"
                " touches matched no share, so the channel set keys of the SQL and of"
                " attribution.channel_set_key differ. Nothing was written."
            )
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")
    effects = result.removal_effects
    removal_effects = dict(zip(effects["channel"], effects["removal_effect"], strict=True))
    return AttributionSummary(conversions, touch_rows, open_journeys, credit_rows, removal_effects)


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
    context.log.info(
        f"Computing Markov and Shapley credits from {SCHEMA}.int_attribution_rule_credits"
        f" and {SCHEMA}.int_open_paths"
    )
    with duckdb.get_connection() as connection:
        summary = write_algorithmic_attribution(connection, context.log)
    context.log.info(
        f"Wrote {summary.credit_rows} rows to {SCHEMA}.{CREDITS_TABLE} for"
        f" {summary.conversions} conversions and {len(summary.removal_effects)} rows to"
        f" {SCHEMA}.{REMOVAL_EFFECTS_TABLE}"
    )
    yield MaterializeResult(
        asset_key=CREDITS_KEY,
        metadata={"row_count": summary.credit_rows},
    )
    yield MaterializeResult(
        asset_key=REMOVAL_EFFECTS_KEY,
        metadata={
            "row_count": len(summary.removal_effects),
            "removal_effects": {
                channel: round(effect, 6) for channel, effect in summary.removal_effects.items()
            },
        },
    )


journey_assets = [algorithmic_attribution]
