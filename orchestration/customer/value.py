"""The asset that estimates customer lifetime value with BG/NBD and Gamma-Gamma.

Uses ``lifetimes`` 0.11.3. It is unmaintained (last release 2020) but installs
beside pandas 3 and numpy 2. ``btyd`` 0.1b3 needs numpy < 2, and ``pymc-marketing``
brings PyMC, PyTensor and numba for what are two maximum-likelihood fits here.

Small data often cannot identify the models. Then the estimates are NULL and
``estimate_status`` says why, instead of a number the fit cannot support:

- ``too_few_repeat_customers``: fewer than ``MIN_REPEAT_CUSTOMERS`` customers
  ordered twice, so Gamma-Gamma has no repeat spend to learn from (for
  example when every customer ordered once).
- ``fit_failed``: lifetimes raised an error, for example its ConvergenceError.
- ``degenerate_fit``: a fitted parameter is not finite, the BG/NBD dropout
  parameters a or b fit to about 0 (below ``MIN_DROPOUT_PARAMETER``: the data
  show no dropout, and every customer would be alive forever), or the
  Gamma-Gamma q is at most 1 (mean spend p * v / (q - 1) is undefined).
- ``estimate_not_finite``: the fit is sound but lifetimes returned NaN or an
  infinite value for this customer.
- ``estimated``: the three estimates come from the fit.
"""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

CUSTOMER_VALUE_TABLE = "customer_value"
# Days ahead that expected_orders_365d and clv_365d cover.
HORIZON_DAYS = 365
# L2 penalty on the BG/NBD and Gamma-Gamma parameters. Without one, a BG/NBD fit
# on 200 synthetic customers raised lifetimes' ConvergenceError.
PENALIZER_COEF = 0.001
# Fewer customers with repeat orders than this leave every estimate NULL,
# because the Gamma-Gamma fit has nothing to learn spend from.
MIN_REPEAT_CUSTOMERS = 3
# BG/NBD a or b below this counts as a degenerate fit. On 600 customers of the
# CDNOW sample that lifetimes 0.11.3 ships, a and b fit to 0.41 and 1.58. On the
# 8 customers of tests/customer, where nobody stopped buying, they fit to about
# 1e-22 and 1e-11.
MIN_DROPOUT_PARAMETER = 1e-6
ESTIMATED = "estimated"
ESTIMATE_COLUMNS = ("probability_alive", "expected_orders_365d", "clv_365d")

COLUMNS = (
    "customer_id",
    "frequency",
    "recency_days",
    "age_days",
    "monetary_value",
    "probability_alive",
    "expected_orders_365d",
    "clv_365d",
    "estimate_status",
)


@dataclass
class CustomerValueFit:
    """Estimates per customer, with the fit's status, fallback reason and parameters."""

    values: pd.DataFrame
    # ESTIMATED, or the fallback that left every estimate NULL (module docstring).
    status: str
    # Why the fallback was taken, with the values involved; None when estimated.
    reason: str | None = None
    parameters: dict[str, float] = field(default_factory=dict)

    @property
    def count_estimated(self) -> int:
        return int((self.values["estimate_status"] == ESTIMATED).sum())


def read_transactions(conn) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Read orders with a customer and the as-of time: the latest touch in the data."""
    orders = conn.execute(
        "select customer_id, converted_at, cast(revenue as double) as revenue "
        "from intermediate.int_conversions where customer_id is not null"
    ).df()
    (as_of_at,) = conn.execute(
        "select max(occurred_at) from intermediate.int_touchpoints_unioned"
    ).fetchone()
    return orders, (pd.Timestamp(as_of_at) if as_of_at is not None else None)


def estimate_customer_value(orders: pd.DataFrame, as_of_at: pd.Timestamp) -> CustomerValueFit:
    """Fit BG/NBD and Gamma-Gamma on daily order data, with one row per customer.

    frequency, recency and age follow lifetimes' summary_data_from_transaction_data in
    days: repeat order days, days from the first to the last order, days from the first
    order to ``as_of_at``. monetary_value is the mean of the repeat orders. When the fit
    cannot support estimates, they are NULL and the status names the fallback.
    """
    from lifetimes.utils import summary_data_from_transaction_data

    summary = summary_data_from_transaction_data(
        orders,
        customer_id_col="customer_id",
        datetime_col="converted_at",
        monetary_value_col="revenue",
        observation_period_end=as_of_at,
        freq="D",
    )
    result = pd.DataFrame(
        {
            "customer_id": summary.index.astype(str),
            "frequency": summary["frequency"].to_numpy(),
            "recency_days": summary["recency"].to_numpy(),
            "age_days": summary["T"].to_numpy(),
            "monetary_value": summary["monetary_value"].to_numpy(),
        }
    )
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(repeat) < MIN_REPEAT_CUSTOMERS:
        reason = (
            f"{len(repeat)} customer(s) with repeat orders, fewer than the "
            f"{MIN_REPEAT_CUSTOMERS} that the Gamma-Gamma fit needs"
        )
        return _fallback(result, "too_few_repeat_customers", reason, {})

    try:
        beta_geo, gamma_gamma = _fit(summary, repeat)
    except (ValueError, ArithmeticError) as error:
        # lifetimes' ConvergenceError is a ValueError.
        return _fallback(result, "fit_failed", f"{type(error).__name__}: {error}", {})

    parameters = {
        **{f"bgnbd_{name}": float(value) for name, value in beta_geo.params_.items()},
        **{f"gamma_gamma_{name}": float(value) for name, value in gamma_gamma.params_.items()},
    }
    reason = _degenerate_reason(parameters)
    if reason is not None:
        return _fallback(result, "degenerate_fit", reason, parameters)

    _predict(result, summary, beta_geo, gamma_gamma)
    estimates = result[list(ESTIMATE_COLUMNS)].to_numpy(dtype=float)
    is_estimated = pd.Series(np.isfinite(estimates).all(axis=1), index=result.index)
    result.loc[~is_estimated, list(ESTIMATE_COLUMNS)] = None
    result["estimate_status"] = is_estimated.map({True: ESTIMATED, False: "estimate_not_finite"})
    return CustomerValueFit(result, ESTIMATED, None, parameters)


def _fit(summary: pd.DataFrame, repeat: pd.DataFrame):
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    beta_geo = BetaGeoFitter(penalizer_coef=PENALIZER_COEF)
    beta_geo.fit(summary["frequency"], summary["recency"], summary["T"])
    gamma_gamma = GammaGammaFitter(penalizer_coef=PENALIZER_COEF)
    gamma_gamma.fit(repeat["frequency"], repeat["monetary_value"])
    return beta_geo, gamma_gamma


def _degenerate_reason(parameters: dict[str, float]) -> str | None:
    """Return why the fitted parameters cannot support estimates, or None when they can."""
    not_finite = [name for name, value in parameters.items() if not math.isfinite(value)]
    if not_finite:
        return f"parameters not finite: {', '.join(not_finite)}"
    a, b = parameters["bgnbd_a"], parameters["bgnbd_b"]
    if min(a, b) < MIN_DROPOUT_PARAMETER:
        return (
            f"BG/NBD dropout parameters a={a:.3g} and b={b:.3g}, one below "
            f"{MIN_DROPOUT_PARAMETER:g}: the orders show no dropout"
        )
    q = parameters["gamma_gamma_q"]
    if q <= 1:
        return f"Gamma-Gamma q={q:.3g} is at most 1, so the mean spend is undefined"
    return None


def _predict(result: pd.DataFrame, summary: pd.DataFrame, beta_geo, gamma_gamma) -> None:
    frequency, recency, age = summary["frequency"], summary["recency"], summary["T"]
    result["probability_alive"] = beta_geo.conditional_probability_alive(frequency, recency, age)
    result["expected_orders_365d"] = beta_geo.conditional_expected_number_of_purchases_up_to_time(
        HORIZON_DAYS, frequency, recency, age
    ).to_numpy()
    # time is in months of 30 days with freq='D'; discount_rate 0 leaves the value undiscounted.
    result["clv_365d"] = gamma_gamma.customer_lifetime_value(
        beta_geo,
        frequency,
        recency,
        age,
        summary["monetary_value"],
        time=HORIZON_DAYS / 30,
        freq="D",
        discount_rate=0.0,
    ).to_numpy()


def _fallback(
    result: pd.DataFrame, status: str, reason: str, parameters: dict[str, float]
) -> CustomerValueFit:
    for column in ESTIMATE_COLUMNS:
        result[column] = None
    result["estimate_status"] = status
    return CustomerValueFit(result, status, reason, parameters)


def write_customer_value(conn) -> CustomerValueFit:
    """Replace ``marts.customer_value`` with the estimates and return the fit."""
    orders, as_of_at = read_transactions(conn)
    if orders.empty or as_of_at is None:
        values = pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS})
        fit = CustomerValueFit(values, "no_orders", "no orders with a customer")
    else:
        with warnings.catch_warnings():
            # lifetimes 0.11.3 sets a pandas option that pandas 3 deprecates on import.
            warnings.simplefilter("ignore", category=FutureWarning)
            warnings.simplefilter("ignore", category=DeprecationWarning)
            fit = estimate_customer_value(orders, as_of_at)
    conn.execute("create schema if not exists marts")
    conn.execute(
        f"create or replace table marts.{CUSTOMER_VALUE_TABLE} (customer_id varchar, "
        "frequency double, recency_days double, age_days double, monetary_value double, "
        "probability_alive double, expected_orders_365d double, clv_365d double, "
        "estimate_status varchar)"
    )
    if not fit.values.empty:
        conn.register("customer_value_frame", fit.values[list(COLUMNS)])
        conn.execute(f"insert into marts.{CUSTOMER_VALUE_TABLE} select * from customer_value_frame")
        conn.unregister("customer_value_frame")
    return fit


@asset(
    key=AssetKey(["marts", CUSTOMER_VALUE_TABLE]),
    deps=[
        AssetKey(["intermediate", "int_conversions"]),
        AssetKey(["intermediate", "int_touchpoints_unioned"]),
    ],
    group_name="customer",
    kinds={"python", "duckdb"},
    description=(
        "BG/NBD probability alive and expected orders, and Gamma-Gamma CLV over 365 days, "
        "per customer with orders (lifetimes 0.11.3)."
    ),
)
def customer_value(context: AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        fit = write_customer_value(conn)
    count_customers = len(fit.values)
    if fit.status == ESTIMATED:
        context.log.info(
            f"Estimated value of {fit.count_estimated} of {count_customers} customers with "
            f"orders; the others have estimate_status estimate_not_finite"
        )
    else:
        context.log.warning(
            f"Customer value estimates of all {count_customers} customers with orders are "
            f"NULL with estimate_status {fit.status}: {fit.reason}"
        )
    metadata = {
        "dagster/row_count": count_customers,
        "estimate_status": fit.status,
        "count_estimated": fit.count_estimated,
        **{name: round(value, 6) for name, value in fit.parameters.items()},
    }
    if fit.reason is not None:
        metadata["fallback_reason"] = fit.reason
    return MaterializeResult(metadata=metadata)
