"""The asset that estimates customer lifetime value with BG/NBD and Gamma-Gamma.

Uses ``lifetimes`` 0.11.3. It is unmaintained (last release 2020) but installs
beside pandas 3 and numpy 2. ``btyd`` 0.1b3 needs numpy < 2, and ``pymc-marketing``
brings PyMC, PyTensor and numba for what are two maximum-likelihood fits here.
"""

import warnings

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

COLUMNS = (
    "customer_id",
    "frequency",
    "recency_days",
    "age_days",
    "monetary_value",
    "probability_alive",
    "expected_orders_365d",
    "clv_365d",
)


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


def estimate_customer_value(orders: pd.DataFrame, as_of_at: pd.Timestamp) -> pd.DataFrame:
    """Fit BG/NBD and Gamma-Gamma on daily order data and return one row per customer.

    frequency, recency and age follow lifetimes' summary_data_from_transaction_data in
    days: repeat order days, days from the first to the last order, days from the first
    order to ``as_of_at``. monetary_value is the mean of the repeat orders.
    """
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    summary = summary_data_from_transaction_data(
        orders,
        customer_id_col="customer_id",
        datetime_col="converted_at",
        monetary_value_col="revenue",
        observation_period_end=as_of_at,
        freq="D",
    )
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    result = pd.DataFrame(
        {
            "customer_id": summary.index.astype(str),
            "frequency": summary["frequency"].to_numpy(),
            "recency_days": summary["recency"].to_numpy(),
            "age_days": summary["T"].to_numpy(),
            "monetary_value": summary["monetary_value"].to_numpy(),
        }
    )
    if len(repeat) < MIN_REPEAT_CUSTOMERS:
        for column in ("probability_alive", "expected_orders_365d", "clv_365d"):
            result[column] = None
        return result

    beta_geo = BetaGeoFitter(penalizer_coef=PENALIZER_COEF)
    beta_geo.fit(summary["frequency"], summary["recency"], summary["T"])
    gamma_gamma = GammaGammaFitter(penalizer_coef=PENALIZER_COEF)
    gamma_gamma.fit(repeat["frequency"], repeat["monetary_value"])

    # NOTE: on small or dropout-free data the BG/NBD parameters a and b fit to about
    # 0, and lifetimes returns NaN expected orders and CLV for one-order customers.
    # NaN is written as NULL.
    result["probability_alive"] = beta_geo.conditional_probability_alive(
        summary["frequency"], summary["recency"], summary["T"]
    )
    result["expected_orders_365d"] = beta_geo.conditional_expected_number_of_purchases_up_to_time(
        HORIZON_DAYS, summary["frequency"], summary["recency"], summary["T"]
    ).to_numpy()
    # time is in months of 30 days with freq='D'; discount_rate 0 leaves the value undiscounted.
    result["clv_365d"] = gamma_gamma.customer_lifetime_value(
        beta_geo,
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        time=HORIZON_DAYS / 30,
        freq="D",
        discount_rate=0.0,
    ).to_numpy()
    return result


def write_customer_value(conn) -> int:
    """Replace ``marts.customer_value`` with the estimates and return its row count."""
    orders, as_of_at = read_transactions(conn)
    if orders.empty or as_of_at is None:
        values = pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS})
    else:
        with warnings.catch_warnings():
            # lifetimes 0.11.3 sets a pandas option that pandas 3 deprecates on import.
            warnings.simplefilter("ignore", category=FutureWarning)
            warnings.simplefilter("ignore", category=DeprecationWarning)
            values = estimate_customer_value(orders, as_of_at)
    conn.execute("create schema if not exists marts")
    conn.execute(
        f"create or replace table marts.{CUSTOMER_VALUE_TABLE} (customer_id varchar, "
        "frequency double, recency_days double, age_days double, monetary_value double, "
        "probability_alive double, expected_orders_365d double, clv_365d double)"
    )
    if not values.empty:
        conn.register("customer_value_frame", values[list(COLUMNS)])
        conn.execute(f"insert into marts.{CUSTOMER_VALUE_TABLE} select * from customer_value_frame")
        conn.unregister("customer_value_frame")
    return len(values)


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
        count_customers = write_customer_value(conn)
    context.log.info(f"Estimated value of {count_customers} customers with orders")
    return MaterializeResult(metadata={"dagster/row_count": count_customers})
