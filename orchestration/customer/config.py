"""Identity and customer settings read from environment variables, in one place."""

import os
from dataclasses import dataclass


def _float_from_env(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError as error:
        raise ValueError(f"{name} must be a number, got {value!r}") from error


@dataclass(frozen=True)
class IdentitySettings:
    """Identity settings. The health thresholds' defaults are starting values set by hand.

    docs/identity.md gives measured values to compare and how to tune them.
    """

    # Region assumed for phone numbers written without a country code (ISO 3166 alpha-2).
    phone_default_region: str
    # The identity health check fails when the largest customer has more identifiers.
    max_cluster_size: int
    # The identity health check fails when 1 - customers / identifiers exceeds this share.
    max_merge_rate: float
    # The identity health check fails when more identifiers are over a link limit.
    max_identifiers_over_limit: int

    @classmethod
    def from_env(cls) -> "IdentitySettings":
        return cls(
            phone_default_region=os.environ.get("RIGHTPATH_PHONE_DEFAULT_REGION", "US").upper(),
            max_cluster_size=int(_float_from_env("RIGHTPATH_IDENTITY_MAX_CLUSTER_SIZE", 50)),
            max_merge_rate=_float_from_env("RIGHTPATH_IDENTITY_MAX_MERGE_RATE", 0.9),
            max_identifiers_over_limit=int(
                _float_from_env("RIGHTPATH_IDENTITY_MAX_IDENTIFIERS_OVER_LIMIT", 100)
            ),
        )
