"""The Dagster UI in headless Chromium: the asset graph, a backfill, and a successful run.

``dagster dev`` serves the project's definitions on a free port of 127.0.0.1
with a temporary DAGSTER_HOME and the tiny landing set of tests/pipeline.
Playwright drives the system Chromium (/usr/bin/chromium), because
downloading Playwright's own browser is not possible on every machine. The
test launches a backfill of two daily partitions of the ``ads`` group
(``raw/ad_spend`` and its checks), which keeps the run short; the daemon that
``dagster dev`` starts runs it as one run. The whole pipeline's runs are
tested in process in tests/pipeline. Screenshots go to the test's temporary
folder.
"""

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance
from playwright.sync_api import Page, expect, sync_playwright

from tests.pipeline.support import (
    MART_TABLE_NAMES,
    TINY_LANDING_FILES,
    TINY_LANDING_SOURCES,
    write_landing,
)

from .dagster_dev import REPOSITORY_ROOT, dagster_dev

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHANNEL_GROUPS = ("web", "email", "social", "support", "orders", "ads")
MART_GROUPS = ("channel", "customer", "journey")
LAUNCH_GROUP = "ads"
# Rows of the tiny set's Google Ads stats file per spend day: one on 03-03, two on 03-04.
AD_SPEND_ROWS_BY_DAY = {date(2025, 3, 3): 1, date(2025, 3, 4): 2}
# The backfill's partitions, in the launch dialog's range syntax.
BACKFILL_DAYS = ("2025-03-03", "2025-03-04")
BACKFILL_RANGE = f"[{BACKFILL_DAYS[0]}...{BACKFILL_DAYS[1]}]"
UI_TIMEOUT_MS = 90_000
RUN_TIMEOUT_MS = 300_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing; `make test` installs it"
)


@pytest.fixture
def ui_url(tmp_path: Path) -> Iterator[str]:
    landing_config = write_landing(tmp_path / "landing", TINY_LANDING_FILES, TINY_LANDING_SOURCES)
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPOSITORY_ROOT / "dagster_home" / "dagster.yaml", dagster_home)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {
        "DAGSTER_HOME": str(dagster_home),
        "RIGHTPATH_DATA_DIR": str(data_dir),
        "RIGHTPATH_WAREHOUSE_PATH": str(data_dir / "warehouse.duckdb"),
        "RIGHTPATH_PUBLISH_DIR": str(data_dir / "published"),
        "RIGHTPATH_LANDING": str(landing_config),
    }
    with dagster_dev(tmp_path, env) as url:
        yield url


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium_profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1600, "height": 1200},
        )
        try:
            browser_page = context.new_page()
            browser_page.set_default_timeout(UI_TIMEOUT_MS)
            # A fresh profile gets a "Join the Dagster community" dialog at a
            # moment of the UI's choosing, so it is dismissed whenever it shows.
            browser_page.add_locator_handler(
                browser_page.get_by_text("Join the Dagster community"),
                lambda: browser_page.get_by_role("button", name="Skip").click(),
            )
            yield browser_page
        finally:
            context.close()


def sidebar_group_row(page: Page, group: str):
    return page.locator("[data-index]", has=page.locator(f'[title="{group}"]'))


def expand_sidebar_group(page: Page, group: str) -> None:
    row = sidebar_group_row(page, group)
    row.locator('button:has([aria-label="arrow_drop_down"])').first.click()


def materialize_group(page: Page, group: str) -> None:
    """Launch a run of every asset of `group` from the group's menu in the sidebar."""
    row = sidebar_group_row(page, group)
    row.hover()
    row.locator('button:has([aria-label="more_horiz"])').first.click()
    page.get_by_role("menuitem").filter(has_text=re.compile(r"^Materialize assets")).click()


def choose_partitions(page: Page, partition_range: str) -> None:
    """Type `partition_range` into the launch dialog and launch the backfill."""
    dialog = page.get_by_role("dialog")
    # The dialog offers only the last 90 days until "Show all partitions" is clicked.
    dialog.get_by_text("Show all partitions").click()
    selection = dialog.get_by_role("textbox").first
    selection.fill(partition_range)
    selection.press("Enter")
    expect(dialog.get_by_text("2 partitions", exact=True)).to_be_visible()
    expect(dialog.get_by_text("Backfills all partitions in a single run.")).to_be_visible()
    dialog.get_by_role("button", name="Launch backfill").click()
    expect(dialog).to_be_hidden()


def wait_for_run_status(page: Page, run_link) -> str:
    """Wait for the run or backfill of `run_link` to finish and return its final status."""
    # The runs list is a virtualized table whose rows carry data-index.
    row = page.locator("[data-index]", has=run_link)
    final_status = row.get_by_text(re.compile(r"^(Success|Failure|Canceled)$"))
    expect(final_status).to_be_visible(timeout=RUN_TIMEOUT_MS)
    return final_status.inner_text()


def test_backfill_from_ui(ui_url: str, page: Page, tmp_path: Path):
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    try:
        page.goto(f"{ui_url}/automation")
        for name in ("nightly_schedule", "landing_sensor", "run_failure_alert_sensor"):
            expect(page.get_by_text(name, exact=True).first).to_be_visible()
        page.screenshot(path=screenshots / "automation.png")

        page.goto(f"{ui_url}/asset-groups")
        for group in CHANNEL_GROUPS + MART_GROUPS:
            expect(page.locator(f'[title="{group}"]').first).to_be_visible()
        for group in MART_GROUPS:
            expand_sidebar_group(page, group)
        for table in MART_TABLE_NAMES:
            expect(page.locator(f'[title="{table}"]').first).to_be_visible()
        page.screenshot(path=screenshots / "asset_graph.png")

        materialize_group(page, LAUNCH_GROUP)
        choose_partitions(page, BACKFILL_RANGE)

        page.goto(f"{ui_url}/runs")
        backfill_link = page.locator('a[href^="/runs/b/"]').filter(has_text=re.compile(r"^\w{8}$"))
        expect(backfill_link).to_have_count(1)
        status = wait_for_run_status(page, backfill_link)
        page.screenshot(path=screenshots / "runs.png")
        assert status == "Success"

        # The backfill ran as one run over both days.
        page.get_by_text("Show runs within backfills").click()
        run_link = page.locator('a[href^="/runs/"]:not([href^="/runs/b/"])').filter(
            has_text=re.compile(r"^\w{8}$")
        )
        expect(run_link).to_have_count(1)
        run_id = run_link.get_attribute("href").removeprefix("/runs/")
        page.goto(f"{ui_url}/runs/{run_id}")
        expect(page.get_by_text("RUN_SUCCESS").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        page.screenshot(path=screenshots / "run.png")
    except Exception:
        page.screenshot(path=screenshots / "failure.png")
        raise

    data_dir = tmp_path / "data"
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as warehouse:
        rows = warehouse.execute(
            "select _partition_date, count(*) from raw.ad_spend group by 1 order by 1"
        ).fetchall()
    assert dict(rows) == AD_SPEND_ROWS_BY_DAY
    assert not (data_dir / "runs" / run_id / "alerts.jsonl").exists()
    with DagsterInstance.from_config(str(tmp_path / "dagster_home")) as instance:
        materialized = instance.get_materialized_partitions(AssetKey(["raw", "ad_spend"]))
    assert materialized == set(BACKFILL_DAYS)
