"""The report's aggregations and finding sentences on hand-built frames.

Each expected number is worked out by hand in the comment above it.
"""

from datetime import date, datetime

import pandas as pd
import pytest

from orchestration.report import findings
from orchestration.report.findings import CheckOutcome, FunnelStage


def daily_rows(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "activity_date",
            "channel",
            "count_touches",
            "count_conversions",
            "sum_revenue",
            "spend_amount",
            "count_new_customers",
        ],
    )


# Two days: email 30 + 10 touches and 100 revenue, paid_search 50 + 10 touches,
# 300 revenue on 100 + 50 spend with 3 new customers, direct 0 touches and 0 revenue.
TWO_DAYS = daily_rows(
    [
        (date(2025, 3, 3), "email", 30, 1, 100.0, 0.0, 1),
        (date(2025, 3, 3), "paid_search", 50, 2, 200.0, 100.0, 2),
        (date(2025, 3, 4), "email", 10, 0, 0.0, 0.0, 0),
        (date(2025, 3, 4), "paid_search", 10, 1, 100.0, 50.0, 1),
        (date(2025, 3, 4), "direct", 0, 0, 0.0, 0.0, 0),
    ]
)


def test_channel_mix_sums_and_shares():
    mix = findings.channel_mix(TWO_DAYS).set_index("channel")
    assert list(mix.index) == ["paid_search", "email", "direct"]
    assert mix.at["paid_search", "touches"] == 60
    assert mix.at["paid_search", "revenue"] == 300.0
    # 60 of 100 touches, 300 of 400 revenue.
    assert mix.at["paid_search", "touch_share"] == pytest.approx(0.6)
    assert mix.at["paid_search", "revenue_share"] == pytest.approx(0.75)
    assert mix.at["email", "touch_share"] == pytest.approx(0.4)


def test_channel_mix_finding_names_top_channel():
    sentence = findings.channel_mix_finding(findings.channel_mix(TWO_DAYS))
    assert sentence == "paid_search brought 75.0% of last-touch revenue from 60.0% of touches."


def test_channel_mix_finding_without_revenue():
    mix = findings.channel_mix(TWO_DAYS.assign(sum_revenue=0.0))
    assert findings.channel_mix_finding(mix) == (
        "No conversion revenue is attributed to any channel yet."
    )


def two_complete_weeks() -> pd.DataFrame:
    """Mon 2025-03-03 to Sun 2025-03-16 plus Mon 2025-03-17, a partial third week.

    Week 1: email 2 and web 8 touches a day (14 and 56, total 70).
    Week 2: email 5 and web 5 a day (35 and 35, total 70).
    Week 3: one day with 1000 web touches, which must be ignored as incomplete.
    """
    rows = []
    for day in pd.date_range("2025-03-03", "2025-03-16"):
        first_week = day < pd.Timestamp("2025-03-10")
        rows.append((day.date(), "email", 2 if first_week else 5, 0, 0.0, 0.0, 0))
        rows.append((day.date(), "web", 8 if first_week else 5, 0, 0.0, 0.0, 0))
    rows.append((date(2025, 3, 17), "web", 1000, 0, 0.0, 0.0, 0))
    return daily_rows(rows)


def test_weekly_touches_marks_partial_week():
    weekly = findings.weekly_touches(two_complete_weeks())
    week_three = weekly[weekly["week_start"] == pd.Timestamp("2025-03-17")]
    assert list(week_three["is_complete"]) == [False]
    week_one = weekly[weekly["week_start"] == pd.Timestamp("2025-03-03")].set_index("channel")
    assert week_one.at["email", "touches"] == 14
    assert week_one.at["web", "touches"] == 56
    assert week_one["is_complete"].all()


def test_channel_trend_finding_compares_complete_weeks():
    weekly = findings.weekly_touches(two_complete_weeks())
    # Total 70 both weeks (+0.0%). Email share 14/70 = 20.0% to 35/70 = 50.0%, and
    # web 80.0% to 50.0%: both move 30 points, so the tie goes to email.
    assert findings.channel_trend_finding(weekly) == (
        "Touches per week went from 70 (week of 2025-03-03) to 70 (week of 2025-03-10), "
        "+0.0%. email's share of touches changed most, from 20.0% to 50.0%."
    )


def test_channel_trend_finding_needs_two_weeks():
    weekly = findings.weekly_touches(TWO_DAYS)
    assert findings.channel_trend_finding(weekly) == (
        "Fewer than two complete weeks are published, so there is no trend to report."
    )


# Conversion c1 (100): email then paid_search. Conversion c2 (50): paid_search only.
WIDE_CREDITS = pd.DataFrame(
    {
        "conversion_id": ["c1", "c1", "c2"],
        "channel": ["email", "paid_search", "paid_search"],
        "touch_position": [1, 2, 1],
        "first_touch_credit": [1.0, 0.0, 1.0],
        "last_touch_credit": [0.0, 1.0, 1.0],
        "linear_credit": [0.5, 0.5, 1.0],
        "first_touch_revenue": [100.0, 0.0, 50.0],
        "last_touch_revenue": [0.0, 100.0, 50.0],
        "linear_revenue": [50.0, 50.0, 50.0],
    }
)


def test_wide_attribution_models_from_columns():
    columns = [*WIDE_CREDITS.columns, "time_decay_credit", "orphan_revenue"]
    # time_decay has no revenue column and orphan no credit column, so both are skipped.
    assert findings.wide_attribution_models(columns) == ["first_touch", "last_touch", "linear"]


def test_attribution_long_from_wide_columns():
    long = findings.attribution_models_long(WIDE_CREDITS)
    assert len(long) == 9
    linear = long[long["model"] == "linear"]
    assert list(linear["revenue"]) == [50.0, 50.0, 50.0]
    assert list(linear["credit"]) == [0.5, 0.5, 1.0]


def test_attribution_long_from_model_column():
    long_input = pd.DataFrame(
        {
            "conversion_id": ["c1", "c1"],
            "model": ["position_based", "position_based"],
            "channel": ["email", "paid_search"],
            "credit": [0.5, 0.5],
            "attributed_revenue": [50.0, 50.0],
        }
    )
    long = findings.attribution_models_long(long_input)
    assert list(long.columns) == ["model", "channel", "credit", "revenue"]
    assert list(long["revenue"]) == [50.0, 50.0]


def test_attribution_long_rejects_unknown_format():
    with pytest.raises(ValueError, match="no model column"):
        findings.attribution_models_long(pd.DataFrame({"channel": ["email"], "credit": [1.0]}))


def test_attribution_shares_per_model():
    shares = findings.attribution_shares(findings.attribution_models_long(WIDE_CREDITS))
    table = shares.set_index(["model", "channel"])["revenue_share"]
    # first_touch: email 100 of 150, paid_search 50 of 150.
    assert table[("first_touch", "email")] == pytest.approx(2 / 3)
    # last_touch: email 0 of 150, paid_search 150 of 150.
    assert table[("last_touch", "email")] == 0.0
    assert table[("last_touch", "paid_search")] == pytest.approx(1.0)
    # linear: email 50 of 150.
    assert table[("linear", "email")] == pytest.approx(1 / 3)


def test_attribution_finding_largest_ratio():
    shares = findings.attribution_shares(findings.attribution_models_long(WIDE_CREDITS))
    # email has no last_touch revenue, so only paid_search is compared:
    # last_touch 150/150 = 100.0% against first_touch 50/150 = 33.3%, ratio 3.0.
    assert findings.attribution_finding(shares) == (
        "paid_search's share of last_touch revenue is 3.0x its share of first_touch "
        "revenue (100.0% vs 33.3%)."
    )


def test_attribution_finding_single_model():
    long = findings.attribution_models_long(WIDE_CREDITS)
    shares = findings.attribution_shares(long[long["model"] == "linear"])
    assert findings.attribution_finding(shares) == (
        "The attribution mart has one model (linear), so there is nothing to compare."
    )


def test_customer_funnel_counts():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "channels_used": ["email", "direct,email", None, "store", "direct"],
            "count_orders": [0, 1, 1, 2, 3],
        }
    )
    stages = findings.customer_funnel(customers)
    assert [stage.customers for stage in stages] == [5, 4, 4, 2]


def test_stage_funnel_counts_distinct_customers():
    touches = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", None],
            "journey_stage": [
                "awareness",
                "awareness",
                "awareness",
                "purchase",
                "consideration",
                "awareness",
            ],
        }
    )
    stages = findings.stage_funnel(touches, ["awareness", "consideration", "purchase"])
    assert stages == [
        FunnelStage("awareness", 2),
        FunnelStage("consideration", 1),
        FunnelStage("purchase", 1),
    ]


def test_funnel_finding_largest_drop():
    stages = [
        FunnelStage("seen", 200),
        FunnelStage("touched", 150),
        FunnelStage("ordered", 30),
        FunnelStage("repeat", 15),
    ]
    # 150/200 = 75%, 30/150 = 20%, 15/30 = 50%: the drop to 'ordered' is largest.
    # Overall 15/200 = 7.5%.
    assert findings.funnel_finding(stages) == (
        "The largest drop is from 'touched' to 'ordered': 20.0% (30 of 150) go on. "
        "7.5% of 'seen' reach 'repeat'."
    )


PATHS = pd.DataFrame(
    {
        "conversion_id": ["o1", "o2", "o3", "o4", "o5"],
        "path": [
            "direct",
            "email > paid_search",
            "direct",
            "email > email > email > email > display",
            "email > paid_search",
        ],
        "count_touches": [0, 2, 0, 5, 2],
    }
)


def test_top_paths_order_and_share():
    top = findings.top_paths(PATHS)
    # direct and 'email > paid_search' both have 2, and the tie is broken by name.
    assert list(top["path"]) == [
        "direct",
        "email > paid_search",
        "email > email > email > email > display",
    ]
    assert list(top["conversions"]) == [2, 2, 1]
    assert top.loc[0, "share"] == pytest.approx(0.4)


def test_paths_finding():
    # 3 of 5 conversions have 2 or more touches.
    assert findings.paths_finding(PATHS) == (
        "The most frequent path is 'direct' (2 of 5 conversions, 40.0%); 60.0% of "
        "conversions had two or more touches."
    )


def test_path_links_truncate_to_four_steps():
    links = findings.path_links(PATHS).set_index(["source", "target"])["conversions"]
    assert links[("1. direct", "conversion")] == 2
    assert links[("1. email", "2. paid_search")] == 2
    # The 5-touch path keeps four steps and goes from its 4th to conversion.
    assert links[("1. email", "2. email")] == 1
    assert links[("4. email", "conversion")] == 1
    assert ("4. email", "5. display") not in links.index
    assert links[("2. paid_search", "conversion")] == 2


def test_spend_efficiency_roas_and_cac():
    efficiency = findings.spend_efficiency(TWO_DAYS).set_index("channel")
    # Only paid_search has spend: 300 revenue / 150 spend, 150 spend / 3 new customers.
    assert list(efficiency.index) == ["paid_search"]
    assert efficiency.at["paid_search", "roas"] == pytest.approx(2.0)
    assert efficiency.at["paid_search", "cac"] == pytest.approx(50.0)


def test_efficiency_finding_single_channel():
    efficiency = findings.spend_efficiency(TWO_DAYS)
    assert findings.efficiency_finding(efficiency) == (
        "Only paid_search has spend: ROAS 2.00 (300.00 revenue on 150.00 spend). "
        "CAC was 50.00 for paid_search."
    )


def test_efficiency_finding_compares_channels():
    daily = daily_rows(
        [
            (date(2025, 3, 3), "paid_search", 10, 2, 400.0, 100.0, 4),
            (date(2025, 3, 3), "paid_social", 10, 1, 100.0, 100.0, 1),
            (date(2025, 3, 3), "display", 10, 0, 0.0, 30.0, 0),
        ]
    )
    # ROAS 4.00, 1.00 and 0.00. CAC 100/4 = 25.00 and 100/1 = 100.00, none for display.
    assert findings.efficiency_finding(findings.spend_efficiency(daily)) == (
        "paid_search returned 4.00 in last-touch revenue per unit of spend, display 0.00. "
        "CAC ranged from 25.00 (paid_search) to 100.00 (paid_social)."
    )


def test_efficiency_finding_without_spend():
    efficiency = findings.spend_efficiency(TWO_DAYS.assign(spend_amount=0.0))
    assert findings.efficiency_finding(efficiency) == (
        "No channel has ad spend, so ROAS and CAC are undefined."
    )


def test_segment_summary_and_finding():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "rfm_segment": ["champions", "at_risk", "at_risk", "at_risk"],
            "total_revenue": [600.0, 100.0, 100.0, 0.0],
        }
    )
    summary = findings.segment_summary(customers, "rfm_segment").set_index("segment")
    assert summary.at["at_risk", "customers"] == 3
    assert summary.at["at_risk", "revenue"] == 200.0
    # champions: 1 of 4 customers, 600 of 800 revenue.
    assert summary.at["champions", "revenue_share"] == pytest.approx(0.75)
    assert findings.segment_finding(findings.segment_summary(customers, "rfm_segment")) == (
        "The champions segment is 25.0% of customers and brings 75.0% of revenue "
        "(600.00 per customer)."
    )


def test_weekly_sentiment_and_finding():
    posts = pd.DataFrame(
        {
            "posted_at": [
                datetime(2025, 3, 3, 9),
                datetime(2025, 3, 5, 9),
                datetime(2025, 3, 12, 9),
                datetime(2025, 3, 12, 10),
            ],
            "source": ["social", "social", "social", "support"],
            "sentiment_score": [-0.5, 0.1, 0.4, -1.0],
        }
    )
    weekly = findings.weekly_sentiment(posts, "posted_at", "sentiment_score", "source")
    social = weekly[weekly["source"] == "social"].set_index("week_start")
    # Week of 03-03: (-0.5 + 0.1) / 2 = -0.2.
    assert social.at[pd.Timestamp("2025-03-03"), "mean_score"] == pytest.approx(-0.2)
    assert social.at[pd.Timestamp("2025-03-10"), "posts"] == 1
    assert findings.sentiment_finding(weekly) == (
        "Mean social sentiment went from -0.20 in the week of 2025-03-03 to +0.40 in "
        "the week of 2025-03-10."
    )


def test_pseudonymize_text_masks_identifiers():
    text = "@BrandSupport mail me at jo.doe+x@example.co.uk or call +1 (555) 010-0001 today"
    assert findings.pseudonymize_text(text) == (
        "@[handle] mail me at [email] or call [phone] today"
    )


def test_pseudonymize_examples_numbers_authors():
    posts = pd.DataFrame({"author_id": ["zed", "amy", "zed"], "text": ["hi @amy", "thanks", None]})
    result = findings.pseudonymize_examples(posts, "author_id", "text")
    assert list(result["author_id"]) == ["person 1", "person 2", "person 1"]
    assert list(result["text"]) == ["hi @[handle]", "thanks", ""]


def test_quality_finding_cases():
    suite = CheckOutcome("marts/customers", "customers_expectations", True, 4, None)
    dbt_test = CheckOutcome("marts/customers", "not_null_customers_customer_id", True, None, None)
    failed = CheckOutcome("raw/orders", "orders_expectations", False, 6, "2 rows failed")
    assert findings.quality_finding([suite, dbt_test], 1234, 4) == (
        "All 1 expectation suites and 1 other checks passed, and 4 tables with 1,234 rows "
        "are published."
    )
    assert findings.quality_finding([suite, failed], 10, 2) == (
        "1 of 2 checks failed (raw/orders orders_expectations), and 2 tables with 10 rows "
        "are published."
    )
    assert findings.quality_finding([], 10, 2).startswith("No check results were recorded")


def test_quality_table_groups_other_checks():
    checks = [
        CheckOutcome("marts/customers", "customers_expectations", True, 4, "suite ok"),
        CheckOutcome("marts/customers", "unique_customers_customer_id", True, None, None),
        CheckOutcome("marts/customers", "not_null_customers_customer_id", False, None, "1 null"),
        CheckOutcome("raw/orders", "orders_expectations", True, 6, None),
    ]
    table = findings.quality_table(checks)
    assert list(table["check"]) == [
        "customers_expectations",
        "not_null_customers_customer_id",
        "orders_expectations",
        "2 dbt tests and other checks",
    ]
    assert list(table["passed"]) == ["yes", "NO", "yes", "1 of 2"]
    # Descriptions are shown for failed checks only.
    assert table.loc[1, "description"] == "1 null"
    assert pd.isna(table.loc[0, "description"])
    assert table.loc[2, "rows validated"] == 6


def test_stage_counts_funnel_sums_rows():
    counts = pd.DataFrame(
        {
            "first_touch_channel": ["email", "direct"],
            "count_awareness": [10, 5],
            "count_consideration": [6, 2],
            "count_purchase": [3, 1],
        }
    )
    stages = findings.stage_counts_funnel(counts, ["awareness", "consideration", "purchase"])
    assert stages == [
        FunnelStage("awareness", 15),
        FunnelStage("consideration", 8),
        FunnelStage("purchase", 4),
    ]


def test_attribution_long_prefers_credited_revenue():
    # attribution_model_credits repeats the conversion's revenue on every touch
    # and stores the credited part in revenue_credit.
    long_input = pd.DataFrame(
        {
            "model": ["time_decay", "time_decay"],
            "channel": ["email", "display"],
            "credit": [0.25, 0.75],
            "revenue": [80.0, 80.0],
            "revenue_credit": [20.0, 60.0],
        }
    )
    long = findings.attribution_models_long(long_input)
    assert list(long["revenue"]) == [20.0, 60.0]


def sentiment_daily_rows(rows: list[tuple]) -> pd.DataFrame:
    """Build social_sentiment_daily rows from (date, segment, posts, scored, negative, sum,
    example score, example text) tuples."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "post_date",
            "customer_segment",
            "count_inbound_posts",
            "count_scored_posts",
            "count_negative_posts",
            "sum_sentiment_compound",
            "example_sentiment_compound",
            "example_post_text",
        ],
    )
    frame["post_date"] = pd.to_datetime(frame["post_date"])
    return frame


SENTIMENT_DAILY = sentiment_daily_rows(
    [
        # 03-03: 4 scored posts, sum 0.2 - 0.6 = -0.4, mean -0.10, 2 negative.
        (date(2025, 3, 3), "loyal", 3, 3, 1, 0.2, -0.7, "slow @[handle]"),
        (date(2025, 3, 3), "prospect", 2, 1, 1, -0.6, -0.6, "broken again"),
        # 03-04: 1 scored post of 2, mean +0.50, no negative.
        (date(2025, 3, 4), "loyal", 2, 1, 0, 0.5, None, None),
        # 03-05: 2 scored posts, sum -0.8, mean -0.40, 2 negative.
        (date(2025, 3, 5), "prospect", 2, 2, 2, -0.8, -0.7, "mail x@example.com"),
    ]
)


def test_daily_post_sentiment_per_day():
    days = findings.daily_post_sentiment(SENTIMENT_DAILY, "post_date").set_index("post_date")
    first = days.loc[pd.Timestamp("2025-03-03")]
    assert first["posts"] == 5
    assert first["scored_posts"] == 4
    assert first["mean_sentiment"] == pytest.approx(-0.1)
    assert first["share_negative"] == pytest.approx(0.5)
    assert days.at[pd.Timestamp("2025-03-04"), "mean_sentiment"] == pytest.approx(0.5)
    assert days.at[pd.Timestamp("2025-03-04"), "share_negative"] == 0.0
    assert list(days.index) == sorted(days.index)


def test_daily_post_sentiment_without_scores():
    rows = sentiment_daily_rows([(date(2025, 3, 3), "new", 2, 0, 0, None, None, None)])
    days = findings.daily_post_sentiment(rows, "post_date")
    assert days.at[0, "posts"] == 2
    assert pd.isna(days.at[0, "mean_sentiment"])
    assert pd.isna(days.at[0, "share_negative"])
    periods, unit = findings.sentiment_over_time(rows)
    segments = findings.daily_post_sentiment(rows, "customer_segment")
    assert findings.daily_sentiment_finding(periods, segments, unit) == (
        "No inbound social post has a sentiment score."
    )


def test_sentiment_over_time_units():
    periods, unit = findings.sentiment_over_time(SENTIMENT_DAILY)
    assert unit == "day"
    assert list(periods["period_start"].dt.day) == [3, 4, 5]
    # 2025-03-05 (Wed) and 2025-04-03 (Thu) are 29 days apart, more than 28: weeks
    # starting 03-03 and 03-31.
    later = sentiment_daily_rows([(date(2025, 4, 3), "new", 1, 1, 1, -0.3, -0.3, "x")])
    periods, unit = findings.sentiment_over_time(pd.concat([SENTIMENT_DAILY, later]))
    assert unit == "week"
    assert [day.isoformat() for day in periods["period_start"].dt.date] == [
        "2025-03-03",
        "2025-03-31",
    ]
    # Week of 03-03: 7 scored posts summing to -0.4 + 0.5 - 0.8 = -0.7.
    assert periods.at[0, "scored_posts"] == 7
    assert periods.at[0, "mean_sentiment"] == pytest.approx(-0.1)
    assert periods.at[1, "share_negative"] == 1.0


def test_daily_sentiment_finding_names_segment():
    periods, unit = findings.sentiment_over_time(SENTIMENT_DAILY)
    segments = findings.daily_post_sentiment(SENTIMENT_DAILY, "customer_segment")
    # 4 of 7 scored posts negative (57.1%). loyal: 1 of 4 (25.0%), prospect: 3 of 3.
    assert findings.daily_sentiment_finding(periods, segments, unit, min_segment_posts=3) == (
        "Mean sentiment of inbound posts went from -0.10 on 2025-03-03 (4 posts) to -0.40 "
        "on 2025-03-05 (2 posts), and 57.1% of 7 scored posts were negative. Among segments "
        "with 3+ scored posts, prospect has the highest share of negative posts, 100.0% of 3."
    )


def test_daily_sentiment_finding_skips_small_segments():
    periods, unit = findings.sentiment_over_time(SENTIMENT_DAILY)
    segments = findings.daily_post_sentiment(SENTIMENT_DAILY, "customer_segment")
    # With 4+ posts only loyal qualifies, so no segment is named.
    finding = findings.daily_sentiment_finding(periods, segments, unit, min_segment_posts=4)
    assert finding.endswith("57.1% of 7 scored posts were negative.")


def test_daily_sentiment_finding_in_weeks():
    periods = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2025-03-03", "2025-03-10"]),
            "scored_posts": [4, 6],
            "negative_posts": [1, 2],
            "mean_sentiment": [0.25, -0.05],
        }
    )
    segments = pd.DataFrame(columns=["customer_segment", "scored_posts", "share_negative"])
    assert findings.daily_sentiment_finding(periods, segments, "week") == (
        "Mean sentiment of inbound posts went from +0.25 in the week of 2025-03-03 (4 posts) "
        "to -0.05 in the week of 2025-03-10 (6 posts), and 30.0% of 10 scored posts were "
        "negative."
    )


def test_daily_sentiment_finding_one_day_one_segment():
    rows = SENTIMENT_DAILY[SENTIMENT_DAILY["post_date"] == pd.Timestamp("2025-03-05")]
    periods, unit = findings.sentiment_over_time(rows)
    segments = findings.daily_post_sentiment(rows, "customer_segment")
    assert findings.daily_sentiment_finding(periods, segments, unit) == (
        "Inbound posts have one day of scores (2025-03-05): mean sentiment -0.40, "
        "100.0% of 2 posts negative."
    )


def test_daily_sentiment_finding_segment_tie():
    rows = sentiment_daily_rows(
        [
            (date(2025, 3, 3), "new", 1, 1, 1, -0.5, -0.5, "a"),
            (date(2025, 3, 3), "at_risk", 2, 2, 2, -1.0, -0.5, "b"),
            (date(2025, 3, 3), "champion", 2, 2, 2, -1.0, -0.5, "c"),
        ]
    )
    periods, unit = findings.sentiment_over_time(rows)
    segments = findings.daily_post_sentiment(rows, "customer_segment")
    # All three are 100% negative: the two with 2 posts beat new, at_risk wins by name.
    finding = findings.daily_sentiment_finding(periods, segments, unit, min_segment_posts=1)
    assert finding.endswith("at_risk has the highest share of negative posts, 100.0% of 2.")


def test_negative_examples_order_and_masking():
    examples = findings.negative_examples(SENTIMENT_DAILY, limit=5)
    # Two rows at -0.7: the earlier date first. The 03-04 row has no example.
    assert list(examples["text"]) == ["slow @[handle]", "mail [email]", "broken again"]
    assert list(examples["sentiment"]) == [-0.7, -0.7, -0.6]
    assert list(examples["post_date"]) == ["2025-03-03", "2025-03-05", "2025-03-03"]
    assert list(examples.columns) == ["post_date", "customer_segment", "sentiment", "text"]
    assert len(findings.negative_examples(SENTIMENT_DAILY, limit=2)) == 2


def test_checks_table_failed_first():
    checks = [
        CheckOutcome("marts/customers", "customers_expectations", True, 4, None),
        CheckOutcome("marts/orders", "not_null_order_id", False, None, "2 null order ids"),
        CheckOutcome("marts/customers", "unique_customer_id", True, None, None),
    ]
    table = findings.checks_table(checks)
    assert list(table["check"]) == [
        "not_null_order_id",
        "customers_expectations",
        "unique_customer_id",
    ]
    assert list(table["passed"]) == ["NO", "yes", "yes"]
    assert list(table["kind"]) == [
        "dbt test or other check",
        "expectation suite",
        "dbt test or other check",
    ]
    assert table.at[0, "description"] == "2 null order ids"


def test_campaign_efficiency_roas_and_cpa():
    daily = pd.DataFrame(
        {
            "campaign": ["spring", "spring", "brand", "newsletter"],
            "attributed_revenue_last_touch": [120.0, 30.0, 40.0, 80.0],
            "attributed_conversions_last_touch": [2.0, 1.0, 0.0, 1.0],
            "spend_amount": [40.0, 10.0, 20.0, 0.0],
        }
    )

    campaigns = findings.campaign_efficiency(daily)

    # newsletter has no spend and is left out. spring: 150 revenue on 50 spend,
    # ROAS 3.0, 3 conversions so CPA 50 / 3. brand: 40 on 20, ROAS 2.0, no
    # conversions so CPA is undefined.
    assert list(campaigns["campaign"]) == ["spring", "brand"]
    assert campaigns.loc[0, "roas"] == pytest.approx(3.0)
    assert campaigns.loc[0, "cpa"] == pytest.approx(50 / 3)
    assert campaigns.loc[1, "roas"] == pytest.approx(2.0)
    assert pd.isna(campaigns.loc[1, "cpa"])


CAMPAIGN_DAYS = pd.DataFrame(
    {
        "campaign": ["spring", "spring", "brand", "retarget", "preview", "newsletter"],
        "attributed_revenue_last_touch": [120.0, 30.0, 40.0, 10.0, 0.0, 80.0],
        "attributed_conversions_last_touch": [2.0, 1.0, 1.0, 1.0, 0.0, 1.0],
        "count_new_customers": [2, 0, 1, 0, 0, 1],
        "spend_amount": [40.0, 10.0, 20.0, 5.0, 15.0, 0.0],
    }
)


def test_campaign_efficiency_adds_cac():
    campaigns = findings.campaign_efficiency(CAMPAIGN_DAYS).set_index("campaign")

    # newsletter has no spend and is left out.
    assert sorted(campaigns.index) == ["brand", "preview", "retarget", "spring"]
    # spring: 50 spend over both days, 2 new customers on the first.
    assert campaigns.at["spring", "new_customers"] == 2
    assert campaigns.at["spring", "cac"] == pytest.approx(25.0)
    assert campaigns.at["brand", "cac"] == pytest.approx(20.0)
    # retarget converts a returning customer and preview no one, so neither has a CAC.
    assert pd.isna(campaigns.at["retarget", "cac"])
    assert pd.isna(campaigns.at["preview", "cac"])


def test_campaign_cac_finding_range_and_idle_spend():
    campaigns = findings.campaign_efficiency(CAMPAIGN_DAYS)
    # brand 20 / 1 = 20.00, spring 50 / 2 = 25.00. retarget (5) and preview
    # (15) acquired no new customer: 2 of 4 campaigns, 20.00 spent.
    assert findings.campaign_cac_finding(campaigns) == (
        "brand had the lowest CAC, 20.00 per new customer (1 on 20.00 spend), and spring "
        "the highest, 25.00. 2 of 4 campaigns with spend acquired no new customer "
        "(20.00 spent)."
    )


def test_campaign_cac_finding_single_campaign():
    campaigns = findings.campaign_efficiency(CAMPAIGN_DAYS[CAMPAIGN_DAYS["campaign"] == "spring"])
    assert findings.campaign_cac_finding(campaigns) == (
        "spring had the lowest CAC, 25.00 per new customer (2 on 50.00 spend)."
    )


def test_campaign_cac_finding_without_new_customers():
    campaigns = findings.campaign_efficiency(CAMPAIGN_DAYS.assign(count_new_customers=0))
    # 40 + 10 + 20 + 5 + 15 = 90 spent by 4 campaigns.
    assert findings.campaign_cac_finding(campaigns) == (
        "None of the 4 campaigns with spend acquired a new customer (90.00 spent), so CAC "
        "by campaign is undefined."
    )


def test_campaign_cac_finding_without_spend():
    campaigns = findings.campaign_efficiency(CAMPAIGN_DAYS.assign(spend_amount=0.0))
    assert findings.campaign_cac_finding(campaigns) == (
        "No campaign has ad spend, so CAC by campaign is undefined."
    )


def test_campaign_cac_finding_tie_by_name():
    daily = pd.DataFrame(
        {
            "campaign": ["zeta", "alpha"],
            "attributed_revenue_last_touch": [10.0, 10.0],
            "attributed_conversions_last_touch": [1.0, 1.0],
            "count_new_customers": [1, 1],
            "spend_amount": [30.0, 30.0],
        }
    )
    finding = findings.campaign_cac_finding(findings.campaign_efficiency(daily))
    assert finding.startswith("alpha had the lowest CAC, 30.00")
    assert "zeta the highest, 30.00" in finding
