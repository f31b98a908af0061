"""The sections of the insights report: a finding, a Plotly figure and a table each.

Each ``build_*`` function reads the published tables it needs from
``PublishedData``. When a table or column is not published, the section carries a
note that says so, and no chart.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from orchestration.report import findings
from orchestration.report.data import PublishedData
from orchestration.report.findings import CheckOutcome

# Stages of int_touchpoints_unioned.journey_stage in journey order. 'support' is
# left out because a ticket can come at any point of the journey.
FUNNEL_STAGE_ORDER = ("awareness", "consideration", "purchase", "post_purchase")
SEGMENT_COLUMNS = ("rfm_segment", "segment", "customer_segment")
SENTIMENT_TEXT_COLUMNS = ("text", "body", "post_text", "message", "content")
SENTIMENT_AUTHOR_COLUMNS = ("author_id", "author", "handle", "author_handle", "customer_id")
SENTIMENT_SOURCE_COLUMNS = ("source", "channel", "source_channel")
CAMPAIGN_COLUMNS = ("campaign_name", "campaign", "campaign_id")
EXAMPLE_POSTS = 6
# The daily sentiment mart, preferred over any other table with a sentiment column.
SENTIMENT_DAILY_TABLE = "social_sentiment_daily"
EXAMPLE_POSTS_DAILY = 5
CHART_HEIGHT = 380
PALETTE = px.colors.qualitative.Safe + px.colors.qualitative.Pastel
# A formatted number such as 1,234, -0.25 or 54.4%, right-aligned in tables.
NUMBER_CELL = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")


@dataclass
class Section:
    title: str
    finding: str | None = None
    figures: list[go.Figure] = field(default_factory=list)
    # HTML of a table built with DataFrame.to_html, so its cells are escaped.
    table_html: str | None = None
    notes: list[str] = field(default_factory=list)


def channel_colors(channels: list[str]) -> dict[str, str]:
    """Map each channel to one color, the same in every chart of a report."""
    return {channel: PALETTE[i % len(PALETTE)] for i, channel in enumerate(sorted(channels))}


def build_channel_mix(data: PublishedData, colors: dict[str, str]) -> Section:
    section = Section("Channel mix and trend")
    daily = data.table("channel_daily_performance")
    if daily is None or daily.empty:
        section.notes.append("channel_daily_performance is not published or has no rows.")
        return section
    mix = findings.channel_mix(daily)
    weekly = findings.weekly_touches(daily)

    section.finding = (
        f"{findings.channel_mix_finding(mix)} {findings.channel_trend_finding(weekly)}"
    )

    shares = mix.melt(
        id_vars="channel",
        value_vars=["touch_share", "revenue_share"],
        var_name="measure",
        value_name="share",
    )
    shares["measure"] = shares["measure"].map(
        {"touch_share": "share of touches", "revenue_share": "share of last-touch revenue"}
    )

    mix_figure = px.bar(
        shares,
        x="channel",
        y="share",
        color="measure",
        barmode="group",
        title="Share of touches and of last-touch revenue per channel",
        category_orders={"channel": list(mix["channel"])},
    )
    mix_figure.update_yaxes(tickformat=".0%", title=None)

    trend_figure = px.area(
        weekly[weekly["is_complete"]],
        x="week_start",
        y="touches",
        color="channel",
        color_discrete_map=colors,
        title="Touches per complete week and channel",
    )
    trend_figure.update_xaxes(title="week starting")

    section.figures = [mix_figure, trend_figure]

    section.table_html = html_table(
        mix.assign(
            touch_share=mix["touch_share"].map("{:.1%}".format),
            revenue_share=mix["revenue_share"].map("{:.1%}".format),
            revenue=mix["revenue"].map("{:,.2f}".format),
        )
    )
    return section


def build_attribution(data: PublishedData) -> Section:
    section = Section("Attribution models side by side")
    candidates = [name for name in sorted(data.tables) if "attribution" in name]
    parts = []
    for name in candidates:
        frame = data.tables[name]
        if "channel" not in frame.columns:
            continue
        try:
            parts.append((name, findings.attribution_models_long(frame)))
        except ValueError as error:
            section.notes.append(f"{name} is left out: {error}.")
    if not parts:
        section.notes.append("No published attribution table has a channel and model columns.")
        return section
    # A model found in two tables is taken from the first table by name.
    seen: set[str] = set()
    frames = []
    for name, long in parts:
        new = long[~long["model"].isin(seen)]
        seen.update(new["model"].unique())
        frames.append(new)
        section.notes.append(f"Models from {name}: {', '.join(sorted(new['model'].unique()))}.")
    shares = findings.attribution_shares(pd.concat(frames, ignore_index=True))

    section.finding = findings.attribution_finding(shares)

    figure = px.bar(
        shares,
        x="channel",
        y="revenue_share",
        color="model",
        barmode="group",
        title="Share of attributed revenue per channel, by attribution model",
    )
    figure.update_yaxes(tickformat=".0%", title=None)

    section.figures = [figure]
    table = shares.pivot(index="channel", columns="model", values="revenue")
    table.columns = [f"{model} revenue" for model in table.columns]
    table = table.reset_index()

    section.table_html = html_table(
        table, money_columns=[c for c in table.columns if c != "channel"]
    )
    return section


def build_funnel(data: PublishedData) -> Section:
    section = Section("Journey stage funnel")
    counted = data.tables_with_columns(*(f"count_{stage}" for stage in FUNNEL_STAGE_ORDER))
    staged = data.tables_with_columns("journey_stage", "customer_id")
    if counted:
        stages = findings.stage_counts_funnel(data.tables[counted[0]], FUNNEL_STAGE_ORDER)
        section.notes.append(f"Customers per journey stage, summed over {counted[0]}.")
    elif staged:
        touches = data.tables[staged[0]]
        stages = findings.stage_funnel(touches, FUNNEL_STAGE_ORDER)
        section.notes.append(f"Distinct customers per journey_stage of {staged[0]}.")
    else:
        customers = data.table("customers")
        if customers is None:
            section.notes.append("Neither journey stages nor the customers mart are published.")
            return section
        stages = findings.customer_funnel(customers)
        section.notes.append(
            "No published table has a journey_stage column, so the funnel counts customers "
            "of the customers mart by touches and orders instead."
        )

    section.finding = findings.funnel_finding(stages)

    figure = go.Figure(
        go.Funnel(
            y=[stage.name for stage in stages],
            x=[stage.customers for stage in stages],
            textinfo="value+percent initial",
        )
    )
    figure.update_layout(title="Customers reaching each step")

    section.figures = [figure]
    return section


def build_paths(data: PublishedData) -> Section:
    section = Section("Most frequent conversion paths")
    paths = data.table("conversion_paths")
    if paths is None or paths.empty:
        section.notes.append("conversion_paths is not published or has no rows.")
        return section
    section.finding = findings.paths_finding(paths)
    links = findings.path_links(paths)
    nodes = sorted(set(links["source"]) | set(links["target"]), key=_node_order)
    index = {node: i for i, node in enumerate(nodes)}

    figure = go.Figure(
        go.Sankey(
            node={"label": nodes, "pad": 14, "thickness": 14},
            link={
                "source": [index[node] for node in links["source"]],
                "target": [index[node] for node in links["target"]],
                "value": list(links["conversions"]),
            },
        )
    )
    figure.update_layout(
        title="First four touches of the 25 most frequent paths, by conversions",
        height=520,
    )

    section.figures = [figure]
    top = findings.top_paths(paths, limit=10)

    section.table_html = html_table(top.assign(share=top["share"].map("{:.1%}".format)))
    return section


def build_efficiency(data: PublishedData) -> Section:
    section = Section("ROAS and CAC")
    daily = data.table("channel_daily_performance")
    if daily is None or daily.empty:
        section.notes.append("channel_daily_performance is not published or has no rows.")
        return section
    efficiency = findings.spend_efficiency(daily)

    section.finding = findings.efficiency_finding(efficiency)
    section.notes.append(
        "Revenue and new customers are last-touch attributed, as in channel_daily_performance. "
        "Channels without spend are left out."
    )

    if not efficiency.empty:
        figure = go.Figure(
            [
                go.Bar(name="ROAS", x=efficiency["channel"], y=efficiency["roas"]),
                go.Bar(name="CAC", x=efficiency["channel"], y=efficiency["cac"], yaxis="y2"),
            ]
        )
        figure.update_layout(
            title="ROAS (revenue / spend) and CAC (spend / new customer) per channel",
            barmode="group",
            # Explicit ranges with headroom keep the top tick labels inside the plot area.
            yaxis={"title": "ROAS", "range": [0, _axis_max(efficiency["roas"])]},
            yaxis2={
                "title": "CAC",
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "range": [0, _axis_max(efficiency["cac"])],
            },
            bargap=0.3,
            # A legend on the right would cover the CAC axis labels.
            legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        )
        # Grouped bars on two axes overlap unless each trace gets its own offset.
        figure.data[0].update(offsetgroup=0)
        figure.data[1].update(offsetgroup=1)
        section.figures = [figure]
        section.table_html = html_table(
            efficiency, money_columns=["revenue", "spend", "cac"], ratio_columns=["roas"]
        )

    campaign_tables = [
        (name, column)
        for name in data.tables_with_columns("spend_amount", "sum_revenue", "count_new_customers")
        for column in CAMPAIGN_COLUMNS
        if column in data.tables[name].columns
    ]
    if campaign_tables:
        name, column = campaign_tables[0]
        campaigns = findings.spend_efficiency(data.tables[name], group_column=column)
        section.notes.append(
            f"By campaign ({name}): {findings.efficiency_finding(campaigns, column)}"
        )
        section.table_html = (section.table_html or "") + html_table(
            campaigns, money_columns=["revenue", "spend", "cac"], ratio_columns=["roas"]
        )
    elif by_campaign := data.tables_with_columns(
        "campaign", "spend_amount", "attributed_revenue_last_touch"
    ):
        _add_campaign_efficiency(section, by_campaign[0], data.tables[by_campaign[0]])
    else:
        section.notes.append(
            "No published mart has spend per campaign, so ROAS by campaign is not shown."
        )
    return section


def _add_campaign_efficiency(section: Section, name: str, daily: pd.DataFrame) -> None:
    """Add ROAS per campaign, and CAC per campaign when ``daily`` counts new customers."""
    campaigns = findings.campaign_efficiency(daily)
    if campaigns.empty:
        section.notes.append(f"By campaign ({name}): no campaign has spend.")
        return
    best = campaigns.iloc[0]
    section.notes.append(
        f"By campaign ({name}): {best['campaign']} returned {best['roas']:.2f} in "
        "last-touch revenue per unit of spend, the best of "
        f"{len(campaigns)} campaigns with spend."
    )
    if "cac" not in campaigns.columns:
        section.notes.append(
            f"{name} does not count new customers per campaign, so CPA is shown instead of CAC."
        )
        section.table_html = (section.table_html or "") + html_table(
            campaigns, money_columns=["revenue", "spend", "cpa"], ratio_columns=["roas"]
        )
        return

    section.finding = (
        f"{section.finding} By campaign: {findings.campaign_cac_finding(campaigns)}"
        if section.finding
        else findings.campaign_cac_finding(campaigns)
    )
    with_cac = campaigns.dropna(subset=["cac"]).sort_values(["cac", "campaign"])
    if not with_cac.empty:
        figure = go.Figure(
            go.Bar(
                x=with_cac["cac"],
                y=with_cac["campaign"],
                orientation="h",
                text=with_cac["new_customers"].map("{:,} new".format),
                textposition="auto",
            )
        )
        figure.update_layout(
            title="CAC (spend / new customer) per campaign, campaigns with new customers",
            xaxis={"title": "CAC", "range": [0, _axis_max(with_cac["cac"])]},
            # automargin widens the left margin to fit long campaign names.
            yaxis={"autorange": "reversed", "automargin": True},
            height=max(_bar_chart_height(len(with_cac)), CHART_HEIGHT),
        )
        section.figures.append(figure)
    section.table_html = (section.table_html or "") + html_table(
        campaigns,
        money_columns=["revenue", "spend", "cpa", "cac"],
        ratio_columns=["roas"],
    )


def _bar_chart_height(bars: int) -> int:
    """Return a chart height of 28 pixels per horizontal bar plus 120 for title and axis."""
    return 120 + 28 * bars


def build_segments(data: PublishedData) -> Section:
    section = Section("Customer segments")
    customers = data.table("customers")
    located = _find_segment_column(data)
    if customers is None or located is None:
        section.notes.append(
            "The published marts have no customer segment column (such as rfm_segment), so "
            "this section is empty."
        )
        return section
    name, column = located

    frame = data.tables[name]
    if name != "customers" or "total_revenue" not in frame.columns:
        frame = frame[["customer_id", column]].merge(
            customers[["customer_id", "total_revenue"]], on="customer_id", how="left"
        )

    summary = findings.segment_summary(frame, column)

    section.finding = findings.segment_finding(summary)
    section.notes.append(f"Segments from {name}.{column}; revenue from customers.total_revenue.")

    figure = px.bar(
        summary,
        x="segment",
        y=["customer_share", "revenue_share"],
        barmode="group",
        title="Share of customers and of revenue per segment",
    )
    figure.update_yaxes(tickformat=".0%", title=None)

    section.figures = [figure]

    section.table_html = html_table(
        summary.assign(
            customer_share=summary["customer_share"].map("{:.1%}".format),
            revenue_share=summary["revenue_share"].map("{:.1%}".format),
        ),
        money_columns=["revenue", "revenue_per_customer"],
    )
    return section


def build_sentiment(data: PublishedData) -> Section:
    daily = data.table(SENTIMENT_DAILY_TABLE)
    if daily is not None:
        return _build_daily_sentiment(daily)
    section = Section("Social and support sentiment")
    located = _find_sentiment_table(data)
    if located is None:
        section.notes.append(
            "No published mart has a numeric sentiment column, so sentiment over time and "
            "example posts are not shown."
        )
        return section
    name, time_column, score_column = located

    frame = data.tables[name]
    source_column = _first_column(frame, SENTIMENT_SOURCE_COLUMNS)

    weekly = findings.weekly_sentiment(frame, time_column, score_column, source_column)

    section.finding = findings.sentiment_finding(weekly)
    section.notes.append(f"Weekly mean of {name}.{score_column} by {time_column}.")

    figure = px.line(
        weekly,
        x="week_start",
        y="mean_score",
        color="source",
        markers=True,
        title="Mean sentiment per week",
    )

    section.figures = [figure]

    text_column = _first_column(frame, SENTIMENT_TEXT_COLUMNS)
    if text_column is None:
        section.notes.append(f"{name} has no text column, so there are no example posts.")
        return section
    author_column = _first_column(frame, SENTIMENT_AUTHOR_COLUMNS)

    examples = pd.concat(
        [
            frame.nsmallest(EXAMPLE_POSTS // 2, score_column),
            frame.nlargest(EXAMPLE_POSTS // 2, score_column),
        ]
    )
    # With fewer than EXAMPLE_POSTS rows the two ends overlap.

    examples = examples[~examples.index.duplicated()]

    columns = [c for c in (time_column, source_column, author_column) if c] + [
        score_column,
        text_column,
    ]

    examples = findings.pseudonymize_examples(examples[columns], author_column, text_column)
    section.notes.append(
        "Example posts are the most negative and most positive scores. Authors are "
        "renamed person 1, person 2, ... and emails, @handles and phone numbers are masked."
    )

    section.table_html = html_table(examples, ratio_columns=[score_column])
    return section


def _build_daily_sentiment(daily: pd.DataFrame) -> Section:
    section = Section("Social sentiment over time")
    if daily.empty:
        section.notes.append(f"{SENTIMENT_DAILY_TABLE} has no rows, so there are no inbound posts.")
        return section
    periods, unit = findings.sentiment_over_time(daily)
    segments = findings.daily_post_sentiment(daily, "customer_segment")

    section.finding = findings.daily_sentiment_finding(periods, segments, unit)
    section.notes.append(
        f"From {SENTIMENT_DAILY_TABLE}: VADER compound scores of inbound social posts, -1 to 1. "
        f"A post is negative at a score of -0.05 or less. Means per {unit} are weighted by "
        "scored posts over all customer segments."
    )
    if unit == "week":
        section.notes.append(
            f"The posts span more than {findings.MAX_DAILY_SENTIMENT_SPAN_DAYS} days, so "
            "the chart and finding use ISO weeks (Monday to Sunday). The first and last "
            "weeks may be partial."
        )

    figure = go.Figure(
        [
            go.Bar(
                name="share negative",
                x=periods["period_start"],
                y=periods["share_negative"],
                yaxis="y2",
                marker_color="#e8a3a3",
                opacity=0.7,
            ),
            go.Scatter(
                name="mean sentiment",
                x=periods["period_start"],
                y=periods["mean_sentiment"],
                mode="lines+markers",
                line={"color": "#1f2a44"},
            ),
        ]
    )
    figure.update_layout(
        title=f"Mean sentiment and share of negative inbound posts per {unit}",
        yaxis={"title": "mean compound score", "range": [-1, 1], "zeroline": True},
        yaxis2={
            "title": "share negative",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1],
            "tickformat": ".0%",
            "showgrid": False,
        },
        xaxis={"type": "date", "title": "week starting" if unit == "week" else None},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
    )

    section.figures = [figure]
    table_html = html_table(
        segments.rename(columns={"customer_segment": "segment"}).assign(
            share_negative=segments["share_negative"].map("{:.1%}".format)
        ),
        ratio_columns=["mean_sentiment"],
    )

    examples = findings.negative_examples(daily, limit=EXAMPLE_POSTS_DAILY)
    if examples.empty:
        section.notes.append("No day and segment has a negative post, so there are no examples.")
    else:
        table_html += html_table(examples, ratio_columns=["sentiment"])
        section.notes.append(
            f"Examples: the most negative post of each day and segment, the {len(examples)} "
            "lowest scores shown. The mart keeps no author, and emails, @handles and phone "
            "numbers in the text are masked by pattern, so a name written out is not."
        )
    section.table_html = table_html
    return section


def build_quality(
    data: PublishedData, checks: list[CheckOutcome], checks_note: str | None
) -> Section:
    section = Section("Data quality")
    row_counts = data.row_counts

    section.finding = findings.quality_finding(checks, sum(row_counts.values()), len(row_counts))
    if checks_note:
        section.notes.append(checks_note)
    section.notes.extend(data.notes)
    tables = pd.DataFrame(
        [{"table": name, "published rows": count} for name, count in row_counts.items()]
    )
    tables_html = html_table(tables)
    if checks:
        tables_html += html_table(findings.quality_table(checks))
    section.table_html = tables_html
    return section


def _find_segment_column(data: PublishedData) -> tuple[str, str] | None:
    names = ["customers"] + [name for name in sorted(data.tables) if name != "customers"]
    for name in names:
        frame = data.tables.get(name)
        if frame is None or "customer_id" not in frame.columns:
            continue
        column = _first_column(frame, SEGMENT_COLUMNS)
        if column is None:
            column = next((c for c in frame.columns if c.endswith("_segment")), None)
        if column is not None:
            return name, column
    return None


def _find_sentiment_table(data: PublishedData) -> tuple[str, str, str] | None:
    for name in sorted(data.tables):
        # customers has one mean sentiment per customer and no post time, so it is no
        # sentiment time series.
        if name == "customers":
            continue
        frame = data.tables[name]
        scores = [
            column
            for column in frame.columns
            if "sentiment" in column and pd.api.types.is_numeric_dtype(frame[column])
        ]
        times = [column for column in frame.columns if column.endswith(("_at", "_date"))]
        if scores and times:
            return name, times[0], scores[0]
    return None


def _axis_max(values: pd.Series) -> float:
    """Return 115% of the largest value, or 1 when there is none above zero."""
    largest = values.max(skipna=True)
    return float(largest) * 1.15 if pd.notna(largest) and largest > 0 else 1.0


def _first_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in frame.columns), None)


def _node_order(node: str) -> tuple[int, str]:
    """Sort Sankey nodes by step, with 'conversion' last."""
    step, _, channel = node.partition(". ")
    return (int(step), channel) if step.isdigit() else (10**6, node)


def html_table(
    frame: pd.DataFrame,
    money_columns: list[str] | None = None,
    ratio_columns: list[str] | None = None,
) -> str:
    """Render ``frame`` as an escaped HTML table, numbers right-aligned."""
    money = set(money_columns or [])
    ratio = set(ratio_columns or [])
    cells_by_column = {
        column: [_format_cell(value, column in money, column in ratio) for value in frame[column]]
        for column in frame.columns
    }
    numeric = {
        column
        for column, cells in cells_by_column.items()
        if any(cells) and all(NUMBER_CELL.match(cell) for cell in cells if cell)
    }
    rows = []
    for i in range(len(frame)):
        cells = "".join(
            f'<td class="num">{html.escape(cells_by_column[column][i])}</td>'
            if column in numeric
            else f"<td>{html.escape(cells_by_column[column][i])}</td>"
            for column in frame.columns
        )
        rows.append(f"<tr>{cells}</tr>")
    header_cells = "".join(
        f'<th class="num">{html.escape(str(column))}</th>'
        if column in numeric
        else f"<th>{html.escape(str(column))}</th>"
        for column in frame.columns
    )
    return (
        f'<table class="data"><thead><tr>{header_cells}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _format_cell(value, is_money: bool, is_ratio: bool) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if is_money:
        return f"{value:,.2f}"
    if is_ratio:
        return f"{value:.2f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value)
