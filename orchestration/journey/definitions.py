"""The journey assets and checks that the code location adds."""

from orchestration.journey.assets import journey_assets
from orchestration.journey.checks import journey_checks

__all__ = ["journey_assets", "journey_checks"]
