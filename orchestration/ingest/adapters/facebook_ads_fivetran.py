"""Facebook Ads ``basic_ad`` report table as Fivetran writes it, as CSV.

``basic_ad`` has spend per ad per day. Option ``ads`` (``ad_history``,
required) maps each ad to its campaign, through ``ad_sets``
(``ad_set_history``) when the ad row has no ``campaign_id``; ``campaigns``
(``campaign_history``) adds campaign names. Each history file contributes
its latest row per ``id`` by ``updated_time``.

Mapping to ``ad_spend``, one row per ad per day (summed per campaign downstream):

- ``spend_date`` from ``date``; ``platform`` is ``facebook_ads``;
  ``campaign_id`` and ``campaign_name`` as above.
- ``impressions``; ``clicks`` from ``inline_link_clicks``, else ``clicks``;
  ``spend_amount`` from ``spend``.
- The report carries no currency, so ``currency`` is NULL.
- An ad missing from ``ad_history`` has no campaign and is quarantined.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    StageRequest,
    column_or_null,
    latest_rows_sql,
    read_companion_csv,
    read_csv_records,
    utc_timestamp_sql,
)

REQUIRED_COLUMNS = ("ad_id", "date", "spend")


def stage(request: StageRequest) -> None:
    records, header = read_csv_records(request, "records", REQUIRED_COLUMNS)
    ads = read_companion_csv(request, "ads", ("id",))
    ad_sets = read_companion_csv(request, "ad_sets", ("id", "campaign_id"))
    campaigns = read_companion_csv(request, "campaigns", ("id", "name"))
    if ads is None:  # The landing config requires the option, so this is a guard.
        raise ValueError(f"{request.entry.label}: option 'ads' is required")

    ads_table, ads_header = ads
    joins = [f"LEFT JOIN {_latest(ads_table, ads_header)} AS ad ON ad.id = s.ad_id"]
    campaign_sources = []
    if "campaign_id" in ads_header:
        campaign_sources.append("ad.campaign_id")
    if ad_sets is not None and "ad_set_id" in ads_header:
        joins.append(f"LEFT JOIN {_latest(*ad_sets)} AS ad_set ON ad_set.id = ad.ad_set_id")
        campaign_sources.append("ad_set.campaign_id")
    campaign_id = f"coalesce({', '.join(campaign_sources)})" if campaign_sources else "NULL"
    campaign_name = "NULL"
    if campaigns is not None:
        joins.append(f"LEFT JOIN {_latest(*campaigns)} AS campaign ON campaign.id = {campaign_id}")
        campaign_name = "campaign.name"

    join_sql = "\n".join(joins)
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        SELECT
            s._line,
            s._raw_record,
            coalesce(
                s._reason,
                CASE WHEN {campaign_id} IS NULL AND s.ad_id IS NOT NULL
                     THEN 'ad_id ''' || s.ad_id || ''' has no campaign in the ad history files'
                END
            ) AS _reason,
            s.date AS spend_date,
            'facebook_ads' AS platform,
            {campaign_id} AS campaign_id,
            {campaign_name} AS campaign_name,
            {column_or_null(header, "impressions", table="s")} AS impressions,
            {column_or_null(header, "inline_link_clicks", "clicks", table="s")} AS clicks,
            s.spend AS spend_amount,
            NULL AS currency
        FROM {records} AS s
        {join_sql}
        ORDER BY s._line
        """
    )


def _latest(table: str, header: list[str]) -> str:
    order_by = utc_timestamp_sql("updated_time") if "updated_time" in header else None
    return latest_rows_sql(f"{table} WHERE _reason IS NULL", "id", order_by)


ADAPTER = Adapter(
    name="facebook_ads_fivetran",
    channel="ads",
    tables=("ad_spend",),
    stage=stage,
    file_options=("ads", "ad_sets", "campaigns"),
    required_options=("ads",),
)
