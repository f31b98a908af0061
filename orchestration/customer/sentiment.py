"""The asset that scores inbound social posts with VADER."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

SENTIMENT_TABLE = "social_post_sentiment"


def write_post_sentiment(conn) -> int:
    """Replace ``intermediate.social_post_sentiment`` with one VADER score per inbound post."""
    posts = conn.execute(
        "select post_id, coalesce(post_text, '') from staging.stg_social__posts where is_inbound"
    ).fetchall()
    analyzer = SentimentIntensityAnalyzer()
    rows = [(post_id, analyzer.polarity_scores(text)["compound"]) for post_id, text in posts]
    conn.execute("create schema if not exists intermediate")
    conn.execute(
        f"create or replace table intermediate.{SENTIMENT_TABLE} "
        "(post_id varchar, sentiment_compound double)"
    )
    if rows:
        conn.executemany(f"insert into intermediate.{SENTIMENT_TABLE} values (?, ?)", rows)
    return len(rows)


@asset(
    key=AssetKey(["intermediate", SENTIMENT_TABLE]),
    deps=[AssetKey(["staging", "stg_social__posts"])],
    group_name="customer",
    kinds={"python", "duckdb"},
    description="VADER compound score (-1 to 1) of every inbound social post.",
)
def social_post_sentiment(context: AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        count_posts = write_post_sentiment(conn)
    context.log.info(f"Scored {count_posts} inbound social posts")
    return MaterializeResult(metadata={"dagster/row_count": count_posts})
