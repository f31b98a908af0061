"""google_ads_fivetran and facebook_ads_fivetran onto raw.ad_spend."""

from datetime import date
from decimal import Decimal

from orchestration.ingest.loader import ingest_table

CAMPAIGN_STATS = (
    "_fivetran_id,customer_id,date,ad_network_type,clicks,cost_micros,device,id,impressions\n"
    "H6V7,2121450128,2021-02-01,SEARCH,49,36150000,MOBILE,9935249409,166\n"
    "zZLU,2121450128,2021-02-01,SEARCH,3,1,DESKTOP,9935249409,20\n"
    "y6SN,2121450128,2021-02-02,SEARCH,1,lots,DESKTOP,9935249409,20\n"
)
CAMPAIGN_HISTORY = (
    "id,updated_at,name,customer_id,status\n"
    "9935249409,2021-06-29T17:19:05.102,Old name,2121450128,PAUSED\n"
    "9935249409,2022-08-17T12:09:49,Brand search,2121450128,ENABLED\n"
)
ACCOUNT_HISTORY = "id,updated_at,currency_code\n2121450128,2021-06-29 17:19:05,USD\n"


def test_google_ads_cost_micros_and_names(conn, landing, fetch):
    config = landing(
        [
            {
                "path": "ads/campaign_stats.csv",
                "channel": "ads",
                "format": "google_ads_fivetran",
                "options": {
                    "campaigns": "ads/campaign_history.csv",
                    "accounts": "ads/account_history.csv",
                },
            }
        ],
        {
            "ads/campaign_stats.csv": CAMPAIGN_STATS,
            "ads/campaign_history.csv": CAMPAIGN_HISTORY,
            "ads/account_history.csv": ACCOUNT_HISTORY,
        },
    )
    result = ingest_table(conn, config, "ad_spend")

    assert result.rows_loaded == 2
    mobile, desktop = fetch("select * from raw.ad_spend order by _line")
    assert mobile["spend_amount"] == Decimal("36.15")
    assert mobile["spend_date"] == date(2021, 2, 1)
    assert mobile["platform"] == "google_ads"
    assert mobile["campaign_id"] == "9935249409"
    assert mobile["campaign_name"] == "Brand search"
    assert mobile["impressions"] == 166
    assert mobile["clicks"] == 49
    assert mobile["currency"] == "USD"
    # One micro is below DECIMAL(18,4) precision and rounds to zero.
    assert desktop["spend_amount"] == Decimal("0.0000")
    (quarantined,) = fetch("select _line, reason from raw.quarantine")
    assert quarantined == {"_line": 3, "reason": "cost_micros: invalid number 'lots'"}


BASIC_AD = (
    "ad_id,date,account_id,impressions,inline_link_clicks,spend,reach\n"
    "6215293456071,2020-12-10,1700252260223815,4233,10,76.53,608\n"
    "6215762744671,2020-12-02,1700252260223815,10701,27,144.,242\n"
    "9999,2020-12-02,1700252260223815,1,0,1.00,1\n"
)
AD_HISTORY = (
    "id,account_id,ad_set_id,campaign_id,name,updated_time\n"
    "6215293456071,1,as-1,6215293444271,v1,2020-12-31T15:28:56\n"
    "6215762744671,1,as-2,,v1,2020-12-31T15:30:04\n"
)
AD_SET_HISTORY = (
    "id,account_id,campaign_id,name,updated_time\nas-2,1,6215762731271,set,2020-12-31\n"
)
FB_CAMPAIGN_HISTORY = (
    "id,account_id,name,updated_time\n"
    "6215293444271,1,Retargeting,2021-03-22T15:26:42\n"
    "6215762731271,1,Prospecting,2020-12-02T19:30:53\n"
)


def test_facebook_spend_maps_to_campaign(conn, landing, fetch):
    config = landing(
        [
            {
                "path": "ads/basic_ad.csv",
                "channel": "ads",
                "format": "facebook_ads_fivetran",
                "options": {
                    "ads": "ads/ad_history.csv",
                    "ad_sets": "ads/ad_set_history.csv",
                    "campaigns": "ads/campaign_history.csv",
                },
            }
        ],
        {
            "ads/basic_ad.csv": BASIC_AD,
            "ads/ad_history.csv": AD_HISTORY,
            "ads/ad_set_history.csv": AD_SET_HISTORY,
            "ads/campaign_history.csv": FB_CAMPAIGN_HISTORY,
        },
    )
    result = ingest_table(conn, config, "ad_spend")

    assert result.rows_loaded == 2
    direct, via_ad_set = fetch("select * from raw.ad_spend order by _line")
    assert direct["campaign_id"] == "6215293444271"
    assert direct["campaign_name"] == "Retargeting"
    assert direct["spend_amount"] == Decimal("76.53")
    assert direct["clicks"] == 10
    assert direct["impressions"] == 4233
    assert direct["platform"] == "facebook_ads"
    assert via_ad_set["campaign_id"] == "6215762731271"
    assert via_ad_set["campaign_name"] == "Prospecting"
    assert via_ad_set["spend_amount"] == Decimal("144")
    (quarantined,) = fetch("select _line, reason from raw.quarantine")
    assert quarantined == {
        "_line": 3,
        "reason": "ad_id '9999' has no campaign in the ad history files",
    }
