"""Build the insights report as one HTML file that opens offline.

plotly.js is embedded once in the page head (about 4.8 MB with plotly 7.1), so
the file needs no network at view time.
"""

from __future__ import annotations

import html
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import plotly.io as pio
from plotly.offline import get_plotlyjs

from orchestration.report import sections
from orchestration.report.data import PublishedData
from orchestration.report.findings import CheckOutcome
from orchestration.report.paths import report_path
from orchestration.report.sections import Section

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #f5f6f8; color: #1f2430; }
header { background: #1f2a44; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 6px 0; font-size: 24px; }
header p { margin: 0; color: #c9d1e3; font-size: 14px; }
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


def render_html(data: PublishedData, report_sections: list[Section], generated_at: str) -> str:
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
        f"<p>{html.escape(subtitle)}</p></header><main>",
    ]
    for section in report_sections:
        parts.append(_render_section(section))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_report(
    data: PublishedData, checks: list[CheckOutcome], checks_note: str | None = None
) -> ReportSummary:
    """Write ``report/index.html`` into the publish folder and return a summary.

    The file is written under a temporary name and renamed into place, so a reader
    sees the previous report or the new one, never a partial file.
    """
    report_sections = build_sections(data, checks, checks_note)
    generated_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    document = render_html(data, report_sections, generated_at)
    path = report_path(data.publish_dir)
    path.parent.mkdir(exist_ok=True)
    temp_path = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        temp_path.write_text(document, encoding="utf-8")
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)
    return ReportSummary(
        path=path,
        version=data.version,
        findings=[(s.title, s.finding or " ".join(s.notes)) for s in report_sections],
        size_bytes=path.stat().st_size,
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
