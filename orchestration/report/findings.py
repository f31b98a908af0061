"""Aggregations of the published marts and the one-line findings shown under each chart.

Every function here is pure: it takes pandas frames with the mart columns it
names and returns a frame or a sentence, so the tests can check them on
hand-built frames. Shares are fractions in [0, 1] and are printed as percents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

# Suffixes of the wide attribution columns, as in ``first_touch_credit`` and
# ``first_touch_revenue`` of ``attribution_credits``.
CREDIT_SUFFIX = "_credit"
REVENUE_SUFFIX = "_revenue"
# Columns that name the attribution model in a long-format attribution table.
LONG_MODEL_COLUMNS = ("model", "attribution_model")
LONG_CREDIT_COLUMNS = ("credit", "attribution_credit")
# Credited revenue comes before "revenue", which in attribution_model_credits is the
# conversion's whole revenue, repeated on each of its touches.
LONG_REVENUE_COLUMNS = ("revenue_credit", "attributed_revenue", "credited_revenue", "revenue")

EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
HANDLE_PATTERN = re.compile(r"@\w+")
# Seven or more digits, optionally separated by spaces, dots, dashes or brackets.
PHONE_PATTERN = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def _percent(share: float) -> str:
    return f"{share:.1%}"


def _money(amount: float) -> str:
    return f"{amount:,.2f}"


# --- channel mix and trend ------------------------------------------------------


def channel_mix(daily: pd.DataFrame) -> pd.DataFrame:
    """Sum ``channel_daily_performance`` rows per channel and add each channel's shares.

    Returns one row per channel with ``touches``, ``conversions``, ``revenue``,
    ``touch_share`` and ``revenue_share``, sorted by revenue, then touches, descending.
    """
    mix = (
        daily.groupby("channel", as_index=False)
        .agg(
            touches=("count_touches", "sum"),
            conversions=("count_conversions", "sum"),
            revenue=("sum_revenue", "sum"),
        )
        .astype({"touches": "int64", "conversions": "int64", "revenue": "float64"})
    )
    total_touches = mix["touches"].sum()
    total_revenue = mix["revenue"].sum()
    mix["touch_share"] = mix["touches"] / total_touches if total_touches else 0.0
    mix["revenue_share"] = mix["revenue"] / total_revenue if total_revenue else 0.0
    mix = mix.sort_values(["revenue", "touches", "channel"], ascending=[False, False, True])
    return mix.reset_index(drop=True)


def channel_mix_finding(mix: pd.DataFrame) -> str:
    """Describe the channel with the most last-touch revenue against its share of touches."""
    if mix.empty or mix["revenue"].sum() == 0:
        return "No conversion revenue is attributed to any channel yet."
    top = mix.iloc[0]
    return (
        f"{top['channel']} brought {_percent(top['revenue_share'])} of last-touch revenue "
        f"from {_percent(top['touch_share'])} of touches."
    )


def weekly_touches(daily: pd.DataFrame) -> pd.DataFrame:
    """Sum touches per channel and ISO week (weeks start on Monday).

    Returns ``week_start``, ``channel``, ``touches`` and ``is_complete``, which is
    false for a week with fewer than 7 dates in ``daily``, as at the ends of the
    date range.
    """
    frame = daily[["activity_date", "channel", "count_touches"]].copy()
    dates = pd.to_datetime(frame["activity_date"]).dt.normalize()
    frame["week_start"] = dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    frame["activity_date"] = dates
    days_per_week = frame.groupby("week_start")["activity_date"].nunique()
    weekly = frame.groupby(["week_start", "channel"], as_index=False).agg(
        touches=("count_touches", "sum")
    )
    weekly["touches"] = weekly["touches"].astype("int64")
    weekly["is_complete"] = weekly["week_start"].map(days_per_week).eq(7)
    return weekly.sort_values(["week_start", "channel"]).reset_index(drop=True)


def channel_trend_finding(weekly: pd.DataFrame) -> str:
    """Compare total touches and channel shares of the first and last complete weeks."""
    complete = weekly[weekly["is_complete"]]
    weeks = sorted(complete["week_start"].unique())
    if len(weeks) < 2:
        return "Fewer than two complete weeks are published, so there is no trend to report."
    first = complete[complete["week_start"] == weeks[0]].set_index("channel")["touches"]
    last = complete[complete["week_start"] == weeks[-1]].set_index("channel")["touches"]
    channels = first.index.union(last.index)
    first = first.reindex(channels, fill_value=0)
    last = last.reindex(channels, fill_value=0)
    first_share = first / first.sum() if first.sum() else first * 0.0
    last_share = last / last.sum() if last.sum() else last * 0.0
    # Rounded so that float noise does not break ties, which go to the alphabetically
    # first channel.
    change = (last_share - first_share).abs().round(12)
    mover = sorted(channels, key=lambda channel: (-change[channel], channel))[0]
    first_day = pd.Timestamp(weeks[0]).date().isoformat()
    last_day = pd.Timestamp(weeks[-1]).date().isoformat()
    text = (
        f"Touches per week went from {int(first.sum()):,} (week of {first_day}) to "
        f"{int(last.sum()):,} (week of {last_day})"
    )
    if first.sum():
        text += f", {(last.sum() - first.sum()) / first.sum():+.1%}"
    return (
        f"{text}. {mover}'s share of touches changed most, from "
        f"{_percent(first_share[mover])} to {_percent(last_share[mover])}."
    )


# --- attribution ------------------------------------------------------------------


def attribution_models_long(credits: pd.DataFrame) -> pd.DataFrame:
    """Reshape an attribution table to one row per model, channel and credited touch.

    Accepts the long format (a ``model`` or ``attribution_model`` column with a
    credit and a revenue column) or the wide format of ``attribution_credits``,
    where each model ``m`` has the columns ``m_credit`` and ``m_revenue``. The
    models are read from the data, so a model added to the mart shows up without
    a change here. Returns ``model``, ``channel``, ``credit`` and ``revenue``.
    Raises ``ValueError`` when the frame has neither format.
    """
    model_column = _first_present(credits, LONG_MODEL_COLUMNS)
    if model_column is not None:
        credit_column = _first_present(credits, LONG_CREDIT_COLUMNS)
        revenue_column = _first_present(credits, LONG_REVENUE_COLUMNS)
        if credit_column is None or revenue_column is None:
            raise ValueError(
                f"Attribution table has the model column {model_column!r} but no credit "
                f"column ({', '.join(LONG_CREDIT_COLUMNS)}) or revenue column "
                f"({', '.join(LONG_REVENUE_COLUMNS)})"
            )
        long = credits[[model_column, "channel", credit_column, revenue_column]]
        long.columns = ["model", "channel", "credit", "revenue"]
        return long.astype({"credit": "float64", "revenue": "float64"}).reset_index(drop=True)

    models = wide_attribution_models(credits.columns)
    if not models:
        raise ValueError(
            "Attribution table has no model column and no <model>_credit and "
            f"<model>_revenue column pairs; columns are {list(credits.columns)}"
        )
    parts = []
    for model in models:
        part = credits[["channel", model + CREDIT_SUFFIX, model + REVENUE_SUFFIX]].copy()
        part.columns = ["channel", "credit", "revenue"]
        part.insert(0, "model", model)
        parts.append(part)
    return pd.concat(parts, ignore_index=True).astype({"credit": "float64", "revenue": "float64"})


def wide_attribution_models(columns: Sequence[str]) -> list[str]:
    """Return the models ``m`` that have both an ``m_credit`` and an ``m_revenue`` column."""
    names = set(columns)
    return [
        column.removesuffix(CREDIT_SUFFIX)
        for column in columns
        if column.endswith(CREDIT_SUFFIX)
        and column.removesuffix(CREDIT_SUFFIX) + REVENUE_SUFFIX in names
    ]


def attribution_shares(long: pd.DataFrame) -> pd.DataFrame:
    """Sum credit and revenue per model and channel, with each channel's revenue share.

    ``revenue_share`` is the channel's revenue divided by the model's total revenue.
    Channels without credit in a model get a zero row for it, so every model lists
    the same channels.
    """
    sums = long.groupby(["model", "channel"], as_index=False).agg(
        credit=("credit", "sum"), revenue=("revenue", "sum")
    )
    full_index = pd.MultiIndex.from_product(
        [sorted(sums["model"].unique()), sorted(sums["channel"].unique())],
        names=["model", "channel"],
    )
    sums = sums.set_index(["model", "channel"]).reindex(full_index, fill_value=0.0).reset_index()
    totals = sums.groupby("model")["revenue"].transform("sum")
    sums["revenue_share"] = (sums["revenue"] / totals.where(totals != 0)).fillna(0.0)
    return sums


def attribution_finding(shares: pd.DataFrame) -> str:
    """Name the channel whose revenue share differs most, as a ratio, between two models.

    Only channels with a share above zero under every model are compared, because a
    ratio to zero says nothing about size.
    """
    models = sorted(shares["model"].unique())
    if len(models) < 2:
        only = models[0] if models else "none"
        return f"The attribution mart has one model ({only}), so there is nothing to compare."
    table = shares.pivot(index="channel", columns="model", values="revenue_share")
    table = table[(table > 0).all(axis=1)]
    if table.empty:
        return "No channel has revenue under every attribution model."
    high_model = table.idxmax(axis=1)
    low_model = table.idxmin(axis=1)
    ratio = table.max(axis=1) / table.min(axis=1)
    if (ratio == 1).all():
        return "Every attribution model gives each channel the same share of revenue."
    channel = sorted(ratio.index, key=lambda name: (-ratio[name], name))[0]
    high, low = high_model[channel], low_model[channel]
    return (
        f"{channel}'s share of {high} revenue is {ratio[channel]:.1f}x its share of {low} "
        f"revenue ({_percent(table.at[channel, high])} vs {_percent(table.at[channel, low])})."
    )


# --- journey funnel ----------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    name: str
    customers: int


def customer_funnel(customers: pd.DataFrame) -> list[FunnelStage]:
    """Count customers at each step from the ``customers`` mart columns.

    Steps: every stitched customer, customers with at least one touch (a non-null
    ``channels_used``), customers with an order, and customers with two or more orders.
    """
    return [
        FunnelStage("stitched customers", len(customers)),
        FunnelStage("with a touch", int(customers["channels_used"].notna().sum())),
        FunnelStage("with an order", int((customers["count_orders"] >= 1).sum())),
        FunnelStage("with 2+ orders", int((customers["count_orders"] >= 2).sum())),
    ]


def stage_funnel(
    touches: pd.DataFrame, stage_order: Sequence[str], customer_column: str = "customer_id"
) -> list[FunnelStage]:
    """Count distinct customers who reached each journey stage, in ``stage_order``."""
    reached = touches.dropna(subset=[customer_column]).groupby("journey_stage")[customer_column]
    counts = reached.nunique()
    return [FunnelStage(stage, int(counts.get(stage, 0))) for stage in stage_order]


def stage_counts_funnel(counts: pd.DataFrame, stage_order: Sequence[str]) -> list[FunnelStage]:
    """Sum the ``count_<stage>`` columns of a pre-aggregated funnel table, such as
    ``journey_stage_funnel`` with one row per first-touch channel."""
    return [FunnelStage(stage, int(counts[f"count_{stage}"].sum())) for stage in stage_order]


def funnel_finding(stages: Sequence[FunnelStage]) -> str:
    """Name the step with the lowest conversion from the step before it."""
    steps = [
        (before, after, after.customers / before.customers)
        for before, after in zip(stages, stages[1:], strict=False)
        if before.customers > 0
    ]
    if not steps:
        return "No customers are published, so the funnel is empty."
    before, after, rate = min(steps, key=lambda step: step[2])
    overall = stages[-1].customers / stages[0].customers if stages[0].customers else 0.0
    return (
        f"The largest drop is from '{before.name}' to '{after.name}': {_percent(rate)} "
        f"({after.customers:,} of {before.customers:,}) go on. {_percent(overall)} of "
        f"'{stages[0].name}' reach '{stages[-1].name}'."
    )


# --- paths ------------------------------------------------------------------------------


def top_paths(paths: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """Count conversions per path, most frequent first, ties by path name."""
    counts = paths.groupby("path", as_index=False).agg(conversions=("conversion_id", "count"))
    counts["share"] = counts["conversions"] / len(paths) if len(paths) else 0.0
    counts = counts.sort_values(["conversions", "path"], ascending=[False, True])
    return counts.head(limit).reset_index(drop=True)


def paths_finding(paths: pd.DataFrame) -> str:
    """Describe the most frequent path and the share of conversions with 2+ touches."""
    if paths.empty:
        return "No conversions are published."
    top = top_paths(paths, limit=1).iloc[0]
    multi_touch = (paths["count_touches"] >= 2).mean()
    return (
        f"The most frequent path is '{top['path']}' ({int(top['conversions']):,} of "
        f"{len(paths):,} conversions, {_percent(top['share'])}); {_percent(multi_touch)} of "
        "conversions had two or more touches."
    )


def path_links(paths: pd.DataFrame, max_steps: int = 4, limit: int = 25) -> pd.DataFrame:
    """Build Sankey links from the ``limit`` most frequent paths.

    Nodes are ``"<step>. <channel>"`` for the first ``max_steps`` touches, and
    ``"conversion"``. Paths longer than ``max_steps`` go from their last shown step
    to ``"conversion"``. Returns ``source``, ``target`` and ``conversions``.
    """
    rows = []
    for path, conversions in top_paths(paths, limit)[["path", "conversions"]].itertuples(
        index=False
    ):
        steps = [step.strip() for step in path.split(">")][:max_steps]
        nodes = [f"{position}. {channel}" for position, channel in enumerate(steps, start=1)]
        nodes.append("conversion")
        for source, target in zip(nodes, nodes[1:], strict=False):
            rows.append((source, target, int(conversions)))
    links = pd.DataFrame(rows, columns=["source", "target", "conversions"])
    return links.groupby(["source", "target"], as_index=False)["conversions"].sum()


# --- ROAS and CAC -----------------------------------------------------------------------


def spend_efficiency(daily: pd.DataFrame, group_column: str = "channel") -> pd.DataFrame:
    """Sum revenue, spend and new customers per group that has spend, with ROAS and CAC.

    ``roas`` is revenue / spend and ``cac`` is spend / new customers (NaN without new
    customers). Groups with zero spend are left out because both are undefined.
    """
    sums = daily.groupby(group_column, as_index=False).agg(
        revenue=("sum_revenue", "sum"),
        spend=("spend_amount", "sum"),
        new_customers=("count_new_customers", "sum"),
    )
    sums = sums[sums["spend"] > 0].copy()
    sums["roas"] = sums["revenue"] / sums["spend"]
    sums["cac"] = sums["spend"] / sums["new_customers"].where(sums["new_customers"] > 0)
    return sums.sort_values(["roas", group_column], ascending=[False, True]).reset_index(drop=True)


def efficiency_finding(efficiency: pd.DataFrame, group_column: str = "channel") -> str:
    """Compare the best and worst ROAS, and the range of CAC, across groups with spend."""
    if efficiency.empty:
        return f"No {group_column} has ad spend, so ROAS and CAC are undefined."
    best = efficiency.iloc[0]
    if len(efficiency) == 1:
        text = (
            f"Only {best[group_column]} has spend: ROAS {best['roas']:.2f} "
            f"({_money(best['revenue'])} revenue on {_money(best['spend'])} spend)"
        )
    else:
        worst = efficiency.iloc[-1]
        text = (
            f"{best[group_column]} returned {best['roas']:.2f} in last-touch revenue per unit "
            f"of spend, {worst[group_column]} {worst['roas']:.2f}"
        )
    with_cac = efficiency.dropna(subset=["cac"]).sort_values(["cac", group_column])
    if with_cac.empty:
        return f"{text}. No new customers were attributed to spend, so CAC is undefined."
    low = with_cac.iloc[0]
    if len(with_cac) == 1:
        return f"{text}. CAC was {_money(low['cac'])} for {low[group_column]}."
    high = with_cac.iloc[-1]
    return (
        f"{text}. CAC ranged from {_money(low['cac'])} ({low[group_column]}) to "
        f"{_money(high['cac'])} ({high[group_column]})."
    )


def campaign_efficiency(daily: pd.DataFrame, group_column: str = "campaign") -> pd.DataFrame:
    """Sum last-touch revenue, conversions and spend per campaign with spend, with ROAS and CPA.

    Reads ``attributed_revenue_last_touch`` and ``attributed_conversions_last_touch``.
    ``cpa`` is spend / conversions (NaN without conversions). When ``daily`` has
    ``count_new_customers``, as ``campaign_daily_performance`` does, the result also
    has ``new_customers`` and ``cac``, spend / new customers (NaN without new customers).
    """
    aggregations = {
        "revenue": ("attributed_revenue_last_touch", "sum"),
        "conversions": ("attributed_conversions_last_touch", "sum"),
        "spend": ("spend_amount", "sum"),
    }
    has_new_customers = "count_new_customers" in daily.columns
    if has_new_customers:
        aggregations["new_customers"] = ("count_new_customers", "sum")
    sums = daily.groupby(group_column, as_index=False).agg(**aggregations)
    sums = sums[sums["spend"] > 0].copy()
    sums = sums.astype({"revenue": "float64", "spend": "float64"})
    sums["roas"] = sums["revenue"] / sums["spend"]
    sums["cpa"] = sums["spend"] / sums["conversions"].where(sums["conversions"] > 0)
    if has_new_customers:
        sums["new_customers"] = sums["new_customers"].astype("int64")
        sums["cac"] = sums["spend"] / sums["new_customers"].where(sums["new_customers"] > 0)
    return sums.sort_values(["roas", group_column], ascending=[False, True]).reset_index(drop=True)


def campaign_cac_finding(efficiency: pd.DataFrame, group_column: str = "campaign") -> str:
    """Name the campaigns with the lowest and highest CAC, and the spend without new customers.

    ``efficiency`` is ``campaign_efficiency`` with its ``new_customers`` and ``cac``
    columns. Ties go to the campaign first by name.
    """
    if efficiency.empty:
        return f"No {group_column} has ad spend, so CAC by {group_column} is undefined."
    with_cac = efficiency.dropna(subset=["cac"]).sort_values(["cac", group_column])
    without_cac = efficiency[efficiency["cac"].isna()]
    idle_spend = _money(without_cac["spend"].sum())
    if with_cac.empty:
        return (
            f"None of the {len(efficiency)} campaigns with spend acquired a new customer "
            f"({idle_spend} spent), so CAC by {group_column} is undefined."
        )
    low = with_cac.iloc[0]
    text = (
        f"{low[group_column]} had the lowest CAC, {_money(low['cac'])} per new customer "
        f"({int(low['new_customers']):,} on {_money(low['spend'])} spend)"
    )
    if len(with_cac) > 1:
        high = with_cac.iloc[-1]
        text += f", and {high[group_column]} the highest, {_money(high['cac'])}"
    if without_cac.empty:
        return f"{text}."
    return (
        f"{text}. {len(without_cac)} of {len(efficiency)} campaigns with spend acquired no "
        f"new customer ({idle_spend} spent)."
    )


# --- customer segments ------------------------------------------------------------------


def segment_summary(customers: pd.DataFrame, segment_column: str) -> pd.DataFrame:
    """Count customers and sum ``total_revenue`` per segment, with shares of both."""
    summary = customers.groupby(segment_column, as_index=False, dropna=False).agg(
        customers=("customer_id", "count"), revenue=("total_revenue", "sum")
    )
    summary = summary.rename(columns={segment_column: "segment"})
    summary["segment"] = summary["segment"].fillna("(none)").astype(str)
    summary["revenue"] = summary["revenue"].astype("float64")
    summary["customer_share"] = summary["customers"] / summary["customers"].sum()
    total_revenue = summary["revenue"].sum()
    summary["revenue_share"] = summary["revenue"] / total_revenue if total_revenue else 0.0
    summary["revenue_per_customer"] = summary["revenue"] / summary["customers"]
    summary = summary.sort_values(["revenue", "segment"], ascending=[False, True])
    return summary.reset_index(drop=True)


def segment_finding(summary: pd.DataFrame) -> str:
    """Describe the segment with the most revenue against its share of customers."""
    if summary.empty:
        return "No customers are published."
    top = summary.iloc[0]
    return (
        f"The {top['segment']} segment is {_percent(top['customer_share'])} of customers "
        f"and brings {_percent(top['revenue_share'])} of revenue "
        f"({_money(top['revenue_per_customer'])} per customer)."
    )


# --- sentiment ----------------------------------------------------------------------------


def weekly_sentiment(
    posts: pd.DataFrame, time_column: str, score_column: str, source_column: str | None
) -> pd.DataFrame:
    """Average the sentiment score per source and ISO week.

    Returns ``week_start``, ``source``, ``mean_score`` and ``posts``. Without a
    source column every row gets the source ``"all"``.
    """
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(posts[time_column]),
            "score": posts[score_column].astype("float64"),
            "source": posts[source_column].astype(str) if source_column else "all",
        }
    ).dropna(subset=["time", "score"])
    dates = frame["time"].dt.normalize()
    frame["week_start"] = dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    weekly = frame.groupby(["week_start", "source"], as_index=False).agg(
        mean_score=("score", "mean"), posts=("score", "count")
    )
    return weekly.sort_values(["week_start", "source"]).reset_index(drop=True)


def sentiment_finding(weekly: pd.DataFrame) -> str:
    """Compare the first and last week's mean score of the source with the most posts."""
    if weekly.empty:
        return "No scored posts or tickets are published."
    volume = weekly.groupby("source")["posts"].sum()
    source = sorted(volume.index, key=lambda name: (-volume[name], name))[0]
    rows = weekly[weekly["source"] == source].sort_values("week_start")
    first, last = rows.iloc[0], rows.iloc[-1]
    first_day = pd.Timestamp(first["week_start"]).date().isoformat()
    last_day = pd.Timestamp(last["week_start"]).date().isoformat()
    if len(rows) == 1:
        return (
            f"{source} has one week of scores (week of {first_day}), "
            f"averaging {first['mean_score']:+.2f}."
        )
    return (
        f"Mean {source} sentiment went from {first['mean_score']:+.2f} in the week of "
        f"{first_day} to {last['mean_score']:+.2f} in the week of {last_day}."
    )


def daily_post_sentiment(daily: pd.DataFrame, group_column: str = "post_date") -> pd.DataFrame:
    """Sum the rows of ``social_sentiment_daily`` per ``group_column``.

    Returns ``group_column``, ``posts``, ``scored_posts``, ``negative_posts``,
    ``mean_sentiment`` (the mean over scored posts, weighted by their count) and
    ``share_negative`` (negative posts over scored posts), both NaN without scored
    posts. Sorted by ``group_column``.
    """
    sums = daily.groupby(group_column, as_index=False).agg(
        posts=("count_inbound_posts", "sum"),
        scored_posts=("count_scored_posts", "sum"),
        negative_posts=("count_negative_posts", "sum"),
        sum_sentiment=("sum_sentiment_compound", "sum"),
    )
    sums = sums.astype({"posts": "int64", "scored_posts": "int64", "negative_posts": "int64"})
    scored = sums["scored_posts"].where(sums["scored_posts"] > 0)
    sums["mean_sentiment"] = sums["sum_sentiment"].astype("float64") / scored
    sums["share_negative"] = sums["negative_posts"] / scored
    sums = sums.drop(columns="sum_sentiment")
    return sums.sort_values(group_column).reset_index(drop=True)


# Above this many days between the first and last post date the sentiment chart
# and finding use ISO weeks, because a day has too few posts to compare.
MAX_DAILY_SENTIMENT_SPAN_DAYS = 28
# Segments with fewer scored posts are not named as the most negative segment.
MIN_SEGMENT_POSTS = 5


def sentiment_over_time(
    daily: pd.DataFrame, max_daily_span_days: int = MAX_DAILY_SENTIMENT_SPAN_DAYS
) -> tuple[pd.DataFrame, str]:
    """Sum ``social_sentiment_daily`` per day, or per ISO week when the dates span
    more than ``max_daily_span_days`` days.

    Returns ``daily_post_sentiment`` with the column ``period_start`` and the unit,
    ``"day"`` or ``"week"``.
    """
    frame = daily.copy()
    dates = pd.to_datetime(frame["post_date"]).dt.normalize()
    unit = "day"
    if (dates.max() - dates.min()).days > max_daily_span_days:
        unit = "week"
        dates = dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    frame["period_start"] = dates
    return daily_post_sentiment(frame, "period_start"), unit


def daily_sentiment_finding(
    periods: pd.DataFrame,
    segments: pd.DataFrame,
    unit: str = "day",
    min_segment_posts: int = MIN_SEGMENT_POSTS,
) -> str:
    """Compare the first and last period's mean sentiment and name the most negative segment.

    ``periods`` is ``sentiment_over_time`` with its ``unit``, ``segments`` is
    ``daily_post_sentiment`` per ``customer_segment``. A segment is named only when
    two or more segments have at least ``min_segment_posts`` scored posts.
    """
    periods = periods.dropna(subset=["mean_sentiment"])
    if periods.empty:
        return "No inbound social post has a sentiment score."
    first, last = periods.iloc[0], periods.iloc[-1]
    when = "on" if unit == "day" else "in the week of"
    first_day = pd.Timestamp(first["period_start"]).date().isoformat()
    last_day = pd.Timestamp(last["period_start"]).date().isoformat()
    scored = int(periods["scored_posts"].sum())
    share = periods["negative_posts"].sum() / scored
    if len(periods) == 1:
        text = (
            f"Inbound posts have one {unit} of scores ({first_day}): mean sentiment "
            f"{first['mean_sentiment']:+.2f}, {_percent(share)} of {scored:,} posts negative"
        )
    else:
        text = (
            f"Mean sentiment of inbound posts went from {first['mean_sentiment']:+.2f} {when} "
            f"{first_day} ({int(first['scored_posts']):,} posts) to "
            f"{last['mean_sentiment']:+.2f} {when} {last_day} "
            f"({int(last['scored_posts']):,} posts), and {_percent(share)} of {scored:,} "
            "scored posts were negative"
        )
    ranked = segments[segments["scored_posts"] >= min_segment_posts]
    if len(ranked) < 2:
        return f"{text}."
    # Ties go to the segment with more scored posts, then to the first by name.
    ranked = ranked.sort_values(
        ["share_negative", "scored_posts", "customer_segment"], ascending=[False, False, True]
    )
    worst = ranked.iloc[0]
    return (
        f"{text}. Among segments with {min_segment_posts}+ scored posts, "
        f"{worst['customer_segment']} has the highest share of negative posts, "
        f"{_percent(worst['share_negative'])} of {int(worst['scored_posts']):,}."
    )


def negative_examples(daily: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    """Return up to ``limit`` example posts of ``social_sentiment_daily``, most negative first.

    Ties go to the earlier date, then to the segment first by name. The text is
    masked again with ``pseudonymize_text``, so a mart built without masking
    still shows no email address, @handle or phone number.
    """
    examples = daily.dropna(subset=["example_post_text", "example_sentiment_compound"])
    examples = examples.sort_values(
        ["example_sentiment_compound", "post_date", "customer_segment"]
    ).head(limit)
    examples = examples[
        ["post_date", "customer_segment", "example_sentiment_compound", "example_post_text"]
    ].rename(columns={"example_sentiment_compound": "sentiment", "example_post_text": "text"})
    examples["post_date"] = pd.to_datetime(examples["post_date"]).dt.date.astype(str)
    examples["text"] = examples["text"].astype(str).map(pseudonymize_text)
    return examples.reset_index(drop=True)


def pseudonymize_text(text: str) -> str:
    """Replace email addresses, @handles and phone numbers in ``text`` with placeholders."""
    text = EMAIL_PATTERN.sub("[email]", text)
    text = HANDLE_PATTERN.sub("@[handle]", text)
    return PHONE_PATTERN.sub("[phone]", text)


def pseudonymize_examples(
    posts: pd.DataFrame, author_column: str | None, text_column: str
) -> pd.DataFrame:
    """Return ``posts`` with authors replaced by ``person 1``, ``person 2``, ... and
    identifiers in the text masked.

    Numbers follow the order of first appearance in ``posts``, so the same author
    gets the same name within one report and the names reveal nothing else.
    """
    result = posts.copy()
    result[text_column] = result[text_column].fillna("").astype(str).map(pseudonymize_text)
    if author_column is not None:
        order = {author: i for i, author in enumerate(pd.unique(result[author_column]), start=1)}
        result[author_column] = result[author_column].map(lambda author: f"person {order[author]}")
    return result


# --- data quality ------------------------------------------------------------------------


# Suffix of the check names of the Great Expectations suites (``check_name`` in
# orchestration/quality/checks.py). The run's other checks are dbt tests and
# checks that other assets define.
SUITE_CHECK_SUFFIX = "_expectations"


@dataclass(frozen=True)
class CheckOutcome:
    """One asset check evaluation of the run, as the report shows it."""

    asset: str
    check_name: str
    passed: bool
    row_count: int | None
    description: str | None

    @property
    def is_suite(self) -> bool:
        return self.check_name.endswith(SUITE_CHECK_SUFFIX)


def quality_finding(checks: Sequence[CheckOutcome], published_rows: int, tables: int) -> str:
    """Summarize the run's check outcomes and the published row count."""
    published = f"{tables} tables with {published_rows:,} rows are published"
    if not checks:
        return (
            "No check results were recorded in this run, so the status of the "
            f"expectation suites is unknown here. {published}."
        )
    suites = sum(check.is_suite for check in checks)
    failed = sorted(f"{check.asset} {check.check_name}" for check in checks if not check.passed)
    if not failed:
        return (
            f"All {suites} expectation suites and {len(checks) - suites} other checks passed, "
            f"and {published}."
        )
    return f"{len(failed)} of {len(checks)} checks failed ({', '.join(failed)}), and {published}."


def quality_table(checks: Sequence[CheckOutcome]) -> pd.DataFrame:
    """List each expectation suite, and the other checks counted per asset."""
    rows = []
    for check in sorted(checks, key=lambda c: (c.asset, not c.is_suite, c.check_name)):
        if check.is_suite or not check.passed:
            rows.append(
                {
                    "asset": check.asset,
                    "check": check.check_name,
                    "passed": "yes" if check.passed else "NO",
                    "rows validated": check.row_count,
                    "description": None if check.passed else check.description,
                }
            )
    other = [check for check in checks if not check.is_suite]
    per_asset: dict[str, list[bool]] = {}
    for check in other:
        per_asset.setdefault(check.asset, []).append(check.passed)
    for asset, outcomes in sorted(per_asset.items()):
        rows.append(
            {
                "asset": asset,
                "check": f"{len(outcomes)} dbt tests and other checks",
                "passed": f"{sum(outcomes)} of {len(outcomes)}",
                "rows validated": None,
                "description": None,
            }
        )
    columns = ["asset", "check", "passed", "rows validated", "description"]
    return pd.DataFrame(rows, columns=columns)


def checks_table(checks: Sequence[CheckOutcome]) -> pd.DataFrame:
    """List every check, failed ones first, then by asset and check name."""
    rows = [
        {
            "asset": check.asset,
            "check": check.check_name,
            "kind": "expectation suite" if check.is_suite else "dbt test or other check",
            "passed": "yes" if check.passed else "NO",
            "rows validated": check.row_count,
            "description": check.description,
        }
        for check in sorted(checks, key=lambda c: (c.passed, c.asset, c.check_name))
    ]
    columns = ["asset", "check", "kind", "passed", "rows validated", "description"]
    return pd.DataFrame(rows, columns=columns)


def _first_present(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    return next((name for name in names if name in frame.columns), None)
