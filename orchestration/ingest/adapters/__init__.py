"""Format adapters, one module per landing-file format, and the registry of them.

``ADAPTERS`` maps each format name used in ``landing.yml`` to its adapter,
which records the channel and the raw tables the format writes.
"""

from orchestration.ingest.adapters import (
    customerio_webhook,
    facebook_ads_fivetran,
    google_ads_fivetran,
    iterable_webhook,
    mailjet_webhook,
    olist_csv,
    segment_jsonl,
    shopify_orders_csv,
    snowplow_csv,
    twcs_csv,
    zendesk_fivetran,
)
from orchestration.ingest.adapters.base import Adapter, AdapterError, StageRequest

ADAPTERS: dict[str, Adapter] = {
    module.ADAPTER.name: module.ADAPTER
    for module in (
        segment_jsonl,
        snowplow_csv,
        iterable_webhook,
        customerio_webhook,
        mailjet_webhook,
        twcs_csv,
        zendesk_fivetran,
        shopify_orders_csv,
        olist_csv,
        google_ads_fivetran,
        facebook_ads_fivetran,
    )
}


def tables_for_format(format_name: str) -> tuple[str, ...]:
    """Return the raw tables that format `format_name` writes."""
    return ADAPTERS[format_name].tables


__all__ = ["ADAPTERS", "Adapter", "AdapterError", "StageRequest", "tables_for_format"]
