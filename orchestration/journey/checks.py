"""Blocking checks that every conversion's credits add up under every model.

They target ``marts.attribution_model_credits``, so a failure blocks the
assets downstream of it, the published marts among them.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    asset_check,
)
from dagster_duckdb import DuckDBResource

MODEL_CREDITS_KEY = AssetKey(["marts", "attribution_model_credits"])
# Credits are doubles, so their sum may differ from 1 by rounding.
CREDIT_SUM_TOLERANCE = 1e-9
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

# One row per conversion and model whose credits miss 1 or whose revenue
# credits miss the revenue, and one per conversion that lacks a model.
UNBALANCED_SQL = f"""
with totals as (
    select
        conversion_id,
        model,
        sum(credit) as sum_credit,
        sum(revenue_credit) as sum_revenue_credit,
        max(revenue) as revenue
    from marts.attribution_model_credits
    group by conversion_id, model
)
select conversion_id, model, sum_credit, sum_revenue_credit, revenue
from totals
where abs(sum_credit - 1) > {CREDIT_SUM_TOLERANCE}
    or sum_revenue_credit <> revenue
order by conversion_id, model
"""
MISSING_MODELS_SQL = """
select conversion_id, count(distinct model) as count_models
from marts.attribution_model_credits
group by conversion_id
having count(distinct model) <> ?
order by conversion_id
"""
SAMPLE_SIZE = 10


@asset_check(
    asset=MODEL_CREDITS_KEY,
    name="credits_sum_to_one_and_revenue",
    blocking=True,
    description=(
        "Per conversion and model, credits sum to 1 (within 1e-9) and revenue credits "
        "sum exactly to the conversion's revenue, and every conversion has all models."
    ),
)
def credits_sum_to_one_and_revenue(
    context: AssetCheckExecutionContext, duckdb: DuckDBResource
) -> AssetCheckResult:
    with duckdb.get_connection() as connection:
        unbalanced = connection.execute(UNBALANCED_SQL).fetchall()
        incomplete = connection.execute(MISSING_MODELS_SQL, [len(MODELS)]).fetchall()
        (count_conversions,) = connection.execute(
            "select count(distinct conversion_id) from marts.attribution_model_credits"
        ).fetchone()
    passed = not unbalanced and not incomplete
    description = (
        f"{len(unbalanced)} conversion and model pairs with unbalanced credits, "
        f"{len(incomplete)} conversions without all {len(MODELS)} models, "
        f"out of {count_conversions} conversions"
    )
    if passed:
        context.log.info(description)
    else:
        context.log.error(
            f"{description}. Samples: {unbalanced[:SAMPLE_SIZE]} {incomplete[:SAMPLE_SIZE]}"
        )
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "count_conversions": count_conversions,
            "unbalanced_samples": [list(map(str, row)) for row in unbalanced[:SAMPLE_SIZE]],
            "incomplete_samples": [list(map(str, row)) for row in incomplete[:SAMPLE_SIZE]],
        },
    )


journey_checks = [credits_sum_to_one_and_revenue]
