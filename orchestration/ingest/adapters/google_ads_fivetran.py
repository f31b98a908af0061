"""Google Ads ``campaign_stats`` table as Fivetran writes it, as CSV.

Options: ``campaigns`` (``campaign_history``) adds campaign names, ``accounts``
(``account_history``) adds the account currency.

Mapping to ``ad_spend`` (one row per stats row):

- ``spend_date`` from ``date``; ``campaign_id`` from ``id`` (the campaign id);
  ``platform`` ``google_ads``.
- ``spend_amount`` is ``cost_micros`` / 1,000,000 (36150000 -> 36.15).
- ``impressions`` and ``clicks`` from the columns of the same name.
- ``campaign_name`` from the latest ``campaign_history`` row per ``id`` (by
  ``updated_at``); ``currency`` from the latest ``account_history`` row whose
  ``id`` is the stats row's ``customer_id``.

Fivetran writes one stats row per campaign, day, device and ad network, so a
campaign has several rows per day here; they are summed downstream.
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

REQUIRED_COLUMNS = ("date", "id", "cost_micros")


def stage(request: StageRequest) -> None:
    records, header = read_csv_records(request, "records", REQUIRED_COLUMNS)
    campaigns = read_companion_csv(request, "campaigns", ("id", "name"))
    accounts = read_companion_csv(request, "accounts", ("id", "currency_code"))

    joins = []
    campaign_name = currency = "NULL"
    if campaigns is not None:
        table, campaign_header = campaigns
        latest = latest_rows_sql(
            f"{table} WHERE _reason IS NULL", "id", _updated_at_order(campaign_header)
        )
        joins.append(f"LEFT JOIN {latest} AS c ON c.id = s.id")
        campaign_name = "c.name"
    if accounts is not None and "customer_id" in header:
        table, account_header = accounts
        latest = latest_rows_sql(
            f"{table} WHERE _reason IS NULL", "id", _updated_at_order(account_header)
        )
        joins.append(f"LEFT JOIN {latest} AS a ON a.id = s.customer_id")
        currency = "a.currency_code"

    micros = "try_cast(trim(s.cost_micros) AS DECIMAL(38, 0))"
    join_sql = "\n".join(joins)
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        SELECT
            s._line,
            s._raw_record,
            coalesce(
                s._reason,
                CASE WHEN nullif(trim(s.cost_micros), '') IS NOT NULL AND {micros} IS NULL
                     THEN 'cost_micros: invalid number ''' || s.cost_micros || ''''
                END
            ) AS _reason,
            s.date AS spend_date,
            'google_ads' AS platform,
            s.id AS campaign_id,
            {campaign_name} AS campaign_name,
            {column_or_null(header, "impressions", table="s")} AS impressions,
            {column_or_null(header, "clicks", table="s")} AS clicks,
            CAST({micros} AS DECIMAL(38, 6)) * 0.000001 AS spend_amount,
            {currency} AS currency
        FROM {records} AS s
        {join_sql}
        ORDER BY s._line
        """
    )


def _updated_at_order(header: list[str]) -> str | None:
    return utc_timestamp_sql("updated_at") if "updated_at" in header else None


ADAPTER = Adapter(
    name="google_ads_fivetran",
    channel="ads",
    tables=("ad_spend",),
    stage=stage,
    file_options=("campaigns", "accounts"),
)
