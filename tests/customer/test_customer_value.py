"""Customer value estimates and their documented fallbacks on small data.

The fallback tests use hand-built orders whose summary values are worked out
by hand. The estimated case uses the CDNOW sample that lifetimes 0.11.3
ships (600 of its 2357 customers) and compares with lifetimes called directly.
"""

import warnings
from importlib.resources import files

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize
from dagster_duckdb import DuckDBResource

from orchestration.customer.value import (
    HORIZON_DAYS,
    PENALIZER_COEF,
    customer_value,
    estimate_customer_value,
)

ESTIMATE_COLUMNS = ["probability_alive", "expected_orders_365d", "clv_365d"]


def orders_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    orders = pd.DataFrame(rows, columns=["customer_id", "converted_at", "revenue"])
    orders["converted_at"] = pd.to_datetime(orders["converted_at"])
    return orders


def estimate(rows, as_of: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_customer_value(orders_frame(rows), pd.Timestamp(as_of))


# Every customer ordered once: nothing to learn repeat spend from.
ONE_ORDER_EACH = [
    ("c1", "2024-01-01 10:00", 20.0),
    ("c2", "2024-01-05 10:00", 35.0),
    ("c3", "2024-01-10 10:00", 50.0),
    ("c4", "2024-01-20 10:00", 15.0),
]

# Five customers ordering every one to two weeks until the as-of time, and
# three one-order customers: nobody has stopped, so BG/NBD finds no dropout.
NO_DROPOUT = [
    *[(f"r{n}", f"2024-03-{day:02d} 12:00", 40.0 + n) for n in range(5) for day in (1, 8, 15)],
    ("r0", "2024-03-22 12:00", 30.0),
    ("r1", "2024-03-29 12:00", 55.0),
    ("s1", "2024-03-02 12:00", 10.0),
    ("s2", "2024-03-12 12:00", 12.0),
    ("s3", "2024-03-25 12:00", 14.0),
]


def test_one_order_each_falls_back():
    fit = estimate(ONE_ORDER_EACH, "2024-01-31 10:00")
    assert fit.status == "too_few_repeat_customers"
    assert fit.reason.startswith("0 customer(s) with repeat orders")
    values = fit.values.set_index("customer_id")
    # Age in days from the first order to 01-31: 30, 26, 21 and 11.
    assert values["age_days"].to_dict() == {"c1": 30.0, "c2": 26.0, "c3": 21.0, "c4": 11.0}
    assert values["frequency"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert values[ESTIMATE_COLUMNS].isna().all().all()
    assert set(values["estimate_status"]) == {"too_few_repeat_customers"}


def test_two_repeat_customers_fall_back():
    rows = [
        ("c1", "2024-01-01 10:00", 20.0),
        ("c1", "2024-01-08 10:00", 30.0),
        ("c2", "2024-01-02 10:00", 10.0),
        ("c2", "2024-01-20 10:00", 50.0),
        ("c3", "2024-01-03 10:00", 40.0),
    ]
    fit = estimate(rows, "2024-01-31 10:00")
    assert fit.status == "too_few_repeat_customers"
    assert fit.reason.startswith("2 customer(s) with repeat orders")
    assert fit.count_estimated == 0
    # c2's one repeat order is 50.00, so its repeat-order mean is 50.
    assert fit.values.set_index("customer_id").loc["c2", "monetary_value"] == 50.0


def test_no_dropout_fit_is_degenerate():
    fit = estimate(NO_DROPOUT, "2024-03-31 12:00")
    assert fit.status == "degenerate_fit"
    assert "BG/NBD dropout parameters" in fit.reason
    assert min(fit.parameters["bgnbd_a"], fit.parameters["bgnbd_b"]) < 1e-6
    assert fit.values[ESTIMATE_COLUMNS].isna().all().all()
    assert set(fit.values["estimate_status"]) == {"degenerate_fit"}
    assert len(fit.values) == 8


def cdnow_orders() -> pd.DataFrame:
    path = files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    sample = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["customer_id", "customer_index", "date", "quantity", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    kept = sorted(sample["customer_id"].unique())[:600]
    sample = sample[sample["customer_id"].isin(kept)]
    return pd.DataFrame(
        {
            "customer_id": sample["customer_id"],
            "converted_at": pd.to_datetime(sample["date"], format="%Y%m%d"),
            "revenue": sample["amount"],
        }
    )


def test_cdnow_sample_estimated():
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    orders = cdnow_orders()
    as_of = pd.Timestamp("1998-06-30")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = estimate_customer_value(orders, as_of)
        summary = summary_data_from_transaction_data(
            orders, "customer_id", "converted_at", "revenue", observation_period_end=as_of
        )
        beta_geo = BetaGeoFitter(penalizer_coef=PENALIZER_COEF).fit(
            summary["frequency"], summary["recency"], summary["T"]
        )
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        gamma_gamma = GammaGammaFitter(penalizer_coef=PENALIZER_COEF).fit(
            repeat["frequency"], repeat["monetary_value"]
        )
        expected_clv = gamma_gamma.customer_lifetime_value(
            beta_geo,
            summary["frequency"],
            summary["recency"],
            summary["T"],
            summary["monetary_value"],
            time=HORIZON_DAYS / 30,
            freq="D",
            discount_rate=0.0,
        )

    assert fit.status == "estimated"
    assert fit.reason is None
    assert fit.count_estimated == 600
    values = fit.values.set_index("customer_id")
    assert values["clv_365d"].to_numpy() == pytest.approx(
        expected_clv.loc[values.index].to_numpy(), rel=1e-6
    )
    assert values["probability_alive"].between(0, 1).all()


def test_asset_logs_fallback(tmp_path):
    warehouse_path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse_path)) as connection:
        connection.execute("create schema intermediate")
        connection.execute(
            "create table intermediate.int_conversions"
            " (customer_id varchar, converted_at timestamp, revenue decimal(18, 2))"
        )
        connection.executemany(
            "insert into intermediate.int_conversions values (?, ?, ?)", ONE_ORDER_EACH
        )
        connection.execute(
            "create table intermediate.int_touchpoints_unioned as"
            " select timestamp '2024-01-31 10:00:00' as occurred_at"
        )
    instance = DagsterInstance.ephemeral()
    result = materialize(
        [customer_value],
        resources={"duckdb": DuckDBResource(database=str(warehouse_path))},
        instance=instance,
    )

    assert result.success
    (event,) = result.get_asset_materialization_events()
    materialization = event.materialization
    assert materialization.metadata["estimate_status"].value == "too_few_repeat_customers"
    assert materialization.metadata["count_estimated"].value == 0
    warnings_logged = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.level == 30 and "estimate_status" in entry.user_message
    ]
    assert len(warnings_logged) == 1
    assert "all 4 customers" in warnings_logged[0]
    assert "too_few_repeat_customers" in warnings_logged[0]
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        rows = connection.execute(
            "select estimate_status, count(*), count(clv_365d) from marts.customer_value group by 1"
        ).fetchall()
    assert rows == [("too_few_repeat_customers", 4, 0)]
