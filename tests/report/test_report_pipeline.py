"""social_sentiment_daily and the report's companion pages from a whole pipeline run.

The run uses the tiny landing set of tests/pipeline with three more tweets.
VADER's compound score is s / sqrt(s^2 + 15) for a text whose only lexicon
word has valence s: "hate" (-2.7) gives -0.5719 and "love" (3.2) gives 0.6369.
Tweet 101 has no lexicon word, so it scores 0.0.
"""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.pipeline.support import (
    TINY_LANDING_FILES,
    TINY_LANDING_SOURCES,
    TWCS_CSV,
    PipelineRun,
    fetch_dicts,
    run_pipeline,
    settings_for,
    write_landing,
)

# 103 is Alice's second post on 03-05, with a phone number in the text. 104 is
# from ZedTweets, a handle seen nowhere else, so its customer has no orders and
# is a 'prospect'. 105 is the brand's reply, which is not inbound.
EXTRA_TWEETS = """\
103,AliceTweets,True,Wed Mar 05 18:00:00 +0000 2025,"@BrandSupport I hate it, call +1 555 0100",,
104,ZedTweets,True,Thu Mar 06 09:00:00 +0000 2025,@BrandSupport love the new app,105,
105,BrandSupport,False,Thu Mar 06 09:30:00 +0000 2025,@ZedTweets Thanks!,,104
"""


@pytest.fixture(scope="module")
def sentiment_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    work_dir = tmp_path_factory.mktemp("sentiment_run")
    files = {**TINY_LANDING_FILES, "social/twcs.csv": TWCS_CSV + EXTRA_TWEETS}
    landing_config = write_landing(work_dir / "landing", files, TINY_LANDING_SOURCES)
    settings = settings_for(work_dir, landing_config)
    return PipelineRun(work_dir=work_dir, settings=settings, result=run_pipeline(settings))


@pytest.fixture(scope="module")
def warehouse(sentiment_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    sentiment_run.require_success()
    connection = sentiment_run.connect_warehouse()
    yield connection
    connection.close()


def test_sentiment_daily_rows(warehouse: duckdb.DuckDBPyConnection):
    rows = fetch_dicts(
        warehouse,
        "select * from marts.social_sentiment_daily order by post_date, customer_segment",
    )
    alice_segment = fetch_dicts(
        warehouse,
        "select rfm_segment from marts.customers where primary_handle = 'alicetweets'",
    )[0]["rfm_segment"]
    assert len(rows) == 2
    alice, zed = rows

    # 03-05: tweets 101 (0.0) and 103 (-0.5719) of Alice.
    assert str(alice["post_date"]) == "2025-03-05"
    assert alice["customer_segment"] == alice_segment
    assert alice["count_inbound_posts"] == 2
    assert alice["count_scored_posts"] == 2
    assert alice["count_negative_posts"] == 1
    assert alice["count_positive_posts"] == 0
    assert alice["sum_sentiment_compound"] == pytest.approx(-0.5719)
    assert alice["mean_sentiment_compound"] == pytest.approx(-0.28595)
    assert alice["share_negative"] == pytest.approx(0.5)
    assert alice["example_post_id"] == "103"
    assert alice["example_sentiment_compound"] == pytest.approx(-0.5719)
    assert alice["example_post_text"] == "@[handle] I hate it, call [phone]"

    # 03-06: tweet 104 (0.6369) of Zed; the brand's reply 105 is not counted.
    assert str(zed["post_date"]) == "2025-03-06"
    assert zed["customer_segment"] == "prospect"
    assert zed["count_inbound_posts"] == 1
    assert zed["count_positive_posts"] == 1
    assert zed["mean_sentiment_compound"] == pytest.approx(0.6369)
    assert zed["share_negative"] == 0.0
    assert zed["example_post_id"] is None
    assert zed["example_post_text"] is None


def test_sentiment_daily_tests_ran(sentiment_run: PipelineRun):
    sentiment_run.require_success()
    checks = {
        name: evaluation.passed
        for (key, name), evaluation in sentiment_run.check_evaluations().items()
        if key.path == ["marts", "social_sentiment_daily"]
    }
    assert checks["unique_social_sentiment_daily_social_sentiment_daily_id"] is True
    assert all(checks.values()), checks


def test_companion_pages_written(sentiment_run: PipelineRun):
    sentiment_run.require_success()
    report_dir = Path(sentiment_run.settings.publish_dir) / "report"
    quality_page = (report_dir / "data_quality.html").read_text(encoding="utf-8")
    # The real Great Expectations suite of the customers mart is listed by name.
    assert "customers_expectations" in quality_page
    assert "NO</td>" not in quality_page
    docs_page = (report_dir / "dbt_docs.html").read_text(encoding="utf-8")
    assert "model.rightpath.social_sentiment_daily" in docs_page
    assert "were not generated" not in docs_page
