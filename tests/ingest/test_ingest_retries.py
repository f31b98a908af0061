"""Retries of the raw ingest assets, run by Dagster in process.

The transient failure is an ``OSError`` raised by the landing resource on its
first read only, as a flaky network mount would. The landing set is the two
Google Ads spend rows of 2025-03-03 and 2025-03-04 for one campaign.
"""

from pathlib import Path

import yaml
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.assets import LandingResource, raw_assets
from orchestration.ingest.landing import LandingConfig
from orchestration.partitions import PartitioningResource

AD_SPEND_KEY = AssetKey(["raw", "ad_spend"])
STATS_CSV = """\
customer_id,date,id,device,ad_network_type,impressions,clicks,cost_micros
1234567890,2025-03-03,111,DESKTOP,SEARCH,1500,60,60000000
1234567890,2025-03-04,111,DESKTOP,SEARCH,1000,40,36150000
"""
CAMPAIGNS_CSV = "id,updated_at,name,customer_id\n111,2025-03-01 00:00:00,Spring search,1234567890\n"
ACCOUNTS_CSV = "id,updated_at,currency_code,descriptive_name\n1234567890,2025-01-01,USD,Shop\n"


class FirstReadFailsLandingResource(LandingResource):
    """A landing resource whose first read of the config raises ``OSError`` (EIO)."""

    # File that counts reads, because a configurable resource is immutable.
    reads_file: str

    def load_config(self) -> LandingConfig:
        reads_path = Path(self.reads_file)
        reads = int(reads_path.read_text()) if reads_path.exists() else 0
        reads_path.write_text(str(reads + 1))
        if reads == 0:
            raise OSError(5, "Input/output error", self.config_path)
        return super().load_config()


def write_ads_landing(folder: Path) -> Path:
    (folder / "ads").mkdir(parents=True)
    (folder / "ads" / "stats.csv").write_text(STATS_CSV)
    (folder / "ads" / "campaigns.csv").write_text(CAMPAIGNS_CSV)
    (folder / "ads" / "accounts.csv").write_text(ACCOUNTS_CSV)
    source = {
        "path": "ads/stats.csv",
        "channel": "ads",
        "format": "google_ads_fivetran",
        "options": {"campaigns": "ads/campaigns.csv", "accounts": "ads/accounts.csv"},
    }
    config_path = folder / "landing.yml"
    config_path.write_text(yaml.safe_dump({"sources": [source]}))
    return config_path


def materialize_ad_spend(
    tmp_path: Path, landing: LandingResource, instance: DagsterInstance
) -> ExecuteInProcessResult:
    ad_spend_asset = next(asset for asset in raw_assets if AD_SPEND_KEY in asset.keys)
    return materialize(
        [ad_spend_asset],
        resources={
            "duckdb": DuckDBResource(database=str(tmp_path / "warehouse.duckdb")),
            "landing": landing,
            "partitioning": PartitioningResource(timezone="UTC", lookback_days=3),
        },
        instance=instance,
        raise_on_error=False,
    )


def log_messages(instance: DagsterInstance, result: ExecuteInProcessResult) -> list[str]:
    return [entry.user_message for entry in instance.all_logs(result.run_id)]


def test_transient_error_is_retried(tmp_path):
    config_path = write_ads_landing(tmp_path / "landing")
    reads_file = tmp_path / "reads"
    landing = FirstReadFailsLandingResource(
        config_path=str(config_path), reads_file=str(reads_file)
    )
    instance = DagsterInstance.ephemeral()

    result = materialize_ad_spend(tmp_path, landing, instance)

    assert result.success
    assert reads_file.read_text() == "2"
    retries = [
        event
        for event in result.all_events
        if event.event_type == DagsterEventType.STEP_UP_FOR_RETRY
    ]
    assert len(retries) == 1
    messages = log_messages(instance, result)
    expected = (
        "raw/ad_spend: attempt 1 of 3 failed: OSError: [Errno 5] Input/output error: "
        f"'{config_path}'; retrying in 5 s"
    )
    assert expected in messages
    materializations = result.asset_materializations_for_node("raw__ad_spend")
    assert len(materializations) == 1
    assert materializations[0].metadata["rows_loaded"].value == 2


def test_invalid_config_is_not_retried(tmp_path):
    config_path = tmp_path / "landing.yml"
    config_path.write_text("sources: [")
    instance = DagsterInstance.ephemeral()

    result = materialize_ad_spend(tmp_path, LandingResource(config_path=str(config_path)), instance)

    assert not result.success
    event_types = [event.event_type for event in result.all_events]
    assert DagsterEventType.STEP_UP_FOR_RETRY not in event_types
    assert event_types.count(DagsterEventType.STEP_FAILURE) == 1
    messages = log_messages(instance, result)
    prefix = "raw/ad_spend: invalid landing config, not retried: "
    assert any(message.startswith(prefix) and "invalid YAML" in message for message in messages)
