"""Build the insights report as one HTML file that opens offline.

plotly.js is embedded once in the page head (about 4.8 MB with plotly 7.1), so
the file needs no network at view time.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from orchestration.report import findings, sections
from orchestration.report.data import PublishedData
from orchestration.report.findings import CheckOutcome
from orchestration.report.paths import (
    DATA_QUALITY_FILE_NAME,
    DBT_DOCS_FILE_NAME,
    REPORT_DIR_NAME,
    REPORT_FILE_NAME,
    report_path,
    write_text_atomically,
)
from orchestration.report.sections import Section

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #f5f6f8; color: #1f2430; }
header { background: #1f2a44; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 6px 0; font-size: 24px; }
header p { margin: 0; color: #c9d1e3; font-size: 14px; }
header nav { margin-top: 8px; font-size: 14px; }
header nav a { color: #fff; margin-right: 18px; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 24px 40px; }
section { background: #fff; border-radius: 8px; padding: 16px 24px; margin: 16px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section h2 { margin: 0 0 8px 0; font-size: 19px; }
.finding { background: #eef4ff; border-left: 4px solid #3b6fd8; padding: 8px 12px;
           margin: 8px 0 12px; font-size: 15px; }
.note { color: #5b6475; font-size: 13px; margin: 4px 0; }
table.data { border-collapse: collapse; margin: 10px 0; font-size: 13px; }
table.data th, table.data td { border-bottom: 1px solid #e3e6ec; padding: 4px 10px;
                               text-align: left; vertical-align: top; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; }
table.data td { max-width: 520px; }
"""


@dataclass(frozen=True)
class ReportSummary:
    """What the report found, for the Dagster asset metadata."""

    path: Path
    version: int
    findings: list[tuple[str, str]]
    size_bytes: int

    def to_markdown(self) -> str:
        lines = [f"Insights report on publish version {self.version}: `{self.path}`", ""]
        for title, finding in self.findings:
            lines.append(f"- **{title}**: {finding}")
        return "\n".join(lines) + "\n"


def build_sections(
    data: PublishedData, checks: list[CheckOutcome], checks_note: str | None
) -> list[Section]:
    channels: set[str] = set()
    for frame in data.tables.values():
        if "channel" in frame.columns:
            channels.update(frame["channel"].dropna().astype(str))
    colors = sections.channel_colors(sorted(channels))
    return [
        sections.build_channel_mix(data, colors),
        sections.build_attribution(data),
        sections.build_funnel(data),
        sections.build_paths(data),
        sections.build_efficiency(data),
        sections.build_segments(data),
        sections.build_sentiment(data),
        sections.build_quality(data, checks, checks_note),
    ]


def render_html(
    data: PublishedData,
    report_sections: list[Section],
    generated_at: str,
    data_docs_href: str | None = None,
) -> str:
    manifest = data.manifest
    subtitle = (
        f"Publish version {manifest['version']}, published {manifest['published_at']}; "
        f"report generated {generated_at}. Read from {data.publish_dir / 'marts.duckdb'}."
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>rightpath insights report</title>",
        f"<style>{STYLE}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        "<header><h1>rightpath insights report</h1>",
        f"<p>{html.escape(subtitle)}</p>",
        f'<nav><a href="{DATA_QUALITY_FILE_NAME}">Data quality: every check of the run</a>'
        f"{_data_docs_link(data_docs_href)}"
        f'<a href="{DBT_DOCS_FILE_NAME}">dbt docs: models, columns and lineage</a></nav>',
        "</header><main>",
    ]
    for section in report_sections:
        parts.append(_render_section(section))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_report(
    data: PublishedData,
    checks: list[CheckOutcome],
    checks_note: str | None = None,
    data_docs_href: str | None = None,
) -> ReportSummary:
    """Write ``report/index.html`` into the publish folder and return a summary.

    The file is written under a temporary name and renamed into place, so a reader
    sees the previous report or the new one, never a partial file.
    ``data_docs_href`` links the Great Expectations data docs, relative to ``report/``.
    """
    report_sections = build_sections(data, checks, checks_note)
    generated_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    document = render_html(data, report_sections, generated_at, data_docs_href)
    path = report_path(data.publish_dir)
    write_text_atomically(path, document)
    return ReportSummary(
        path=path,
        version=data.version,
        findings=[(s.title, s.finding or " ".join(s.notes)) for s in report_sections],
        size_bytes=path.stat().st_size,
    )


def write_data_quality_page(
    data: PublishedData,
    checks: list[CheckOutcome],
    checks_note: str | None = None,
    data_docs_href: str | None = None,
) -> Path:
    """Write ``report/data_quality.html``: every check of the run and the published row counts.

    The page has no charts, so it embeds no plotly.js and stays small.
    """
    generated_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    row_counts = data.row_counts
    finding = findings.quality_finding(checks, sum(row_counts.values()), len(row_counts))
    notes = ([checks_note] if checks_note else []) + data.notes
    tables = sections.html_table(
        pd.DataFrame(
            [{"table": name, "published rows": count} for name, count in row_counts.items()],
            columns=["table", "published rows"],
        )
    )
    subtitle = f"Publish version {data.version}; page generated {generated_at}."
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>rightpath data quality</title>",
        f"<style>{STYLE}</style>",
        "</head><body>",
        "<header><h1>rightpath data quality</h1>",
        f"<p>{html.escape(subtitle)}</p>",
        f'<nav><a href="{REPORT_FILE_NAME}">Back to the insights report</a>'
        f"{_data_docs_link(data_docs_href)}</nav>",
        "</header><main><section><h2>Checks of this run</h2>",
        f'<p class="finding">{html.escape(finding)}</p>',
    ]
    if checks:
        parts.append(sections.html_table(findings.checks_table(checks)))
    parts.extend(f'<p class="note">{html.escape(note)}</p>' for note in notes)
    parts.append("</section><section><h2>Published tables</h2>")
    parts.append(tables)
    parts.append("</section></main></body></html>")
    path = data.publish_dir / REPORT_DIR_NAME / DATA_QUALITY_FILE_NAME
    write_text_atomically(path, "\n".join(parts))
    return path


def _data_docs_link(href: str | None) -> str:
    """Return the header link to the Great Expectations data docs, or nothing without them."""
    if href is None:
        return ""
    return (
        f'<a href="{html.escape(href)}">Great Expectations data docs: every expectation '
        "and its observed values (styles load from CDNs)</a>"
    )


def _render_section(section: Section) -> str:
    parts = [f"<section><h2>{html.escape(section.title)}</h2>"]
    if section.finding:
        parts.append(f'<p class="finding">{html.escape(section.finding)}</p>')
    for figure in section.figures:
        figure.update_layout(
            template="plotly_white",
            height=figure.layout.height or sections.CHART_HEIGHT,
            margin={"l": 60, "r": 80, "t": 50, "b": 40},
        )
        parts.append(
            pio.to_html(
                figure,
                include_plotlyjs=False,
                full_html=False,
                config={"displaylogo": False, "responsive": True},
            )
        )
    if section.table_html:
        parts.append(section.table_html)
    for note in section.notes:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    parts.append("</section>")
    return "\n".join(parts)
