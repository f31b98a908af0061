"""Blocking identity health check on the customers mart.

A failed check blocks the assets downstream of ``marts.customers`` in the same
run, so a sudden giant cluster stops the publish step.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.customer.config import IdentitySettings

IDENTITY_HEALTH_SQL = """
select
    (select count(*) from intermediate.int_identities_stitched) as count_identifiers,
    (select count(*) from marts.customers) as count_customers,
    (select coalesce(max(count_identifiers), 0) from marts.customers) as max_cluster_size,
    (
        select count(*) from intermediate.int_identifiers_screened where is_over_limit
    ) as count_identifiers_over_limit,
    (
        select count(*) from intermediate.int_identities_stitched where not is_label_converged
    ) as count_unconverged
"""


def measure_identity_health(conn) -> dict[str, float]:
    """Return identifier and customer counts, merge rate and largest cluster size."""
    row = conn.execute(IDENTITY_HEALTH_SQL).fetchone()
    count_identifiers, count_customers, max_cluster, over_limit, unconverged = row
    merge_rate = 1 - count_customers / count_identifiers if count_identifiers else 0.0
    return {
        "count_identifiers": int(count_identifiers),
        "count_customers": int(count_customers),
        "merge_rate": float(merge_rate),
        "max_cluster_size": int(max_cluster),
        "count_identifiers_over_limit": int(over_limit),
        "count_unconverged_identifiers": int(unconverged),
    }


def find_health_failures(health: dict[str, float], settings: IdentitySettings) -> list[str]:
    """Return one message per threshold that ``health`` breaks."""
    failures = []
    if health["max_cluster_size"] > settings.max_cluster_size:
        failures.append(
            f"largest customer has {health['max_cluster_size']} identifiers, above "
            f"RIGHTPATH_IDENTITY_MAX_CLUSTER_SIZE={settings.max_cluster_size}"
        )
    if health["merge_rate"] > settings.max_merge_rate:
        failures.append(
            f"merge rate {health['merge_rate']:.3f} is above "
            f"RIGHTPATH_IDENTITY_MAX_MERGE_RATE={settings.max_merge_rate}"
        )
    if health["count_identifiers_over_limit"] > settings.max_identifiers_over_limit:
        failures.append(
            f"{health['count_identifiers_over_limit']} identifiers are over a link limit, above "
            f"RIGHTPATH_IDENTITY_MAX_IDENTIFIERS_OVER_LIMIT={settings.max_identifiers_over_limit}"
        )
    if health["count_unconverged_identifiers"] > 0:
        failures.append(
            f"{health['count_unconverged_identifiers']} identifiers did not converge. "
            "Raise the dbt var identity_max_iterations"
        )
    return failures


@asset_check(
    asset=AssetKey(["marts", "customers"]),
    name="identity_health",
    blocking=True,
    description=(
        "Largest customer, merge rate and identifiers over a link limit within the "
        "RIGHTPATH_IDENTITY_* thresholds, and label propagation converged."
    ),
)
def identity_health(context: AssetCheckExecutionContext, duckdb: DuckDBResource):
    settings = IdentitySettings.from_env()
    with duckdb.get_connection() as conn:
        health = measure_identity_health(conn)
    failures = find_health_failures(health, settings)
    for failure in failures:
        context.log.error(f"Identity health check failed: {failure}")
    return AssetCheckResult(
        passed=not failures,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(failures) if failures else "Identity health within thresholds.",
        metadata={**health, "failures": failures},
    )
