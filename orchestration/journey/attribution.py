"""Markov and Shapley credits of each conversion's touches.

Both models first give each channel of a conversion's path a share, and
every touch of a channel then gets an equal part of that channel's share.

- markov: the share of channel c in path P is RE(c) / sum of RE(d) over the
  distinct channels d of P, where RE is the removal effect over all
  converting paths and all open (non-converting) paths.
- shapley: the share is phi_c(P) / v(P), see ``orchestration.journey.shapley``.

A conversion without touches has one 'direct' row, which is the path
``direct`` for both models and gets credit 1.
"""

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from orchestration.journey.markov import PathCount, parse_path, removal_effects
from orchestration.journey.shapley import ShapleyModel

TOUCH_COLUMNS = [
    "conversion_id",
    "touchpoint_id",
    "touch_position",
    "count_touches",
    "channel",
    "sub_channel",
    "touched_at",
]
CREDIT_COLUMNS = [
    "conversion_id",
    "model",
    "touchpoint_id",
    "touch_position",
    "count_touches",
    "channel",
    "sub_channel",
    "touched_at",
    "credit",
]


@dataclass(frozen=True)
class AlgorithmicAttribution:
    """Touch credits of both models and the Markov removal effect of each channel."""

    credits: pd.DataFrame
    removal_effects: pd.DataFrame


def channel_paths(touches: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Return each conversion's channels ordered by touch_position."""
    ordered = touches.sort_values(["conversion_id", "touch_position"])
    return {
        conversion_id: tuple(group["channel"])
        for conversion_id, group in ordered.groupby("conversion_id", sort=True)
    }


def share_touches(touches: pd.DataFrame, channel_shares: dict[str, float]) -> list[float]:
    """Split each channel's share equally among the path's touches of that channel."""
    multiplicity = Counter(touches["channel"])
    return [channel_shares[channel] / multiplicity[channel] for channel in touches["channel"]]


def attribute(touches: pd.DataFrame, open_paths: list[str]) -> AlgorithmicAttribution:
    """Compute markov and shapley credits for every row of `touches`.

    `touches` has TOUCH_COLUMNS with one row per conversion and path touch,
    and one 'direct' row for a conversion without touches. `open_paths` are
    the channel paths of journeys that did not convert, as ``' > '`` strings.
    """
    paths = channel_paths(touches)
    path_counts = [PathCount(channels, 1.0, 0.0) for channels in paths.values()]
    path_counts += [PathCount(parse_path(path), 0.0, 1.0) for path in open_paths]
    effects = removal_effects(path_counts) if paths else {}
    shapley = ShapleyModel(frozenset(channels) for channels in paths.values())

    frames = []
    for _, group in touches.groupby("conversion_id", sort=True):
        group = group.sort_values("touch_position")
        distinct = frozenset(group["channel"])
        effect_total = sum(effects[channel] for channel in distinct)
        if effect_total > 0.0:
            markov_shares = {channel: effects[channel] / effect_total for channel in distinct}
        else:
            # NOTE: not reached for converting paths, whose channels all have a
            # positive removal effect. Kept so a zero total cannot divide by zero.
            markov_shares = {channel: 1.0 / len(distinct) for channel in distinct}
        shapley_shares = shapley.credits(distinct)
        for model, shares in (("markov", markov_shares), ("shapley", shapley_shares)):
            frame = group[TOUCH_COLUMNS].copy()
            frame["model"] = model
            frame["credit"] = share_touches(group, shares)
            frames.append(frame[CREDIT_COLUMNS])

    credits = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({column: [] for column in CREDIT_COLUMNS})
    )
    effect_frame = pd.DataFrame(
        {"channel": list(effects), "removal_effect": list(effects.values())},
        columns=["channel", "removal_effect"],
    )
    total_effect = effect_frame["removal_effect"].sum()
    effect_frame["removal_effect_share"] = (
        effect_frame["removal_effect"] / total_effect if total_effect > 0 else 0.0
    )
    return AlgorithmicAttribution(credits=credits, removal_effects=effect_frame)
