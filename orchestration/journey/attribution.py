"""Markov and Shapley shares of the channels in each conversion's channel set.

Both models first give each channel of a conversion's path a share, and
every touch of a channel then gets an equal part of that channel's share.
The shares depend only on the path's set of distinct channels, so this
module computes one row per channel set, channel and model from path
counts, and the asset in ``orchestration.journey.assets`` spreads them over
the touches in DuckDB.

- markov: the share of channel c in path P is RE(c) / sum of RE(d) over the
  distinct channels d of P, where RE is the removal effect over all
  converting paths and all open (non-converting) paths.
- shapley: the share is phi_c(P) / v(P), see ``orchestration.journey.shapley``.

A conversion without touches has one 'direct' row, which is the path
``direct`` for both models and gets credit 1.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from orchestration.journey.markov import PathCount, removal_effects
from orchestration.journey.shapley import ShapleyModel

# ASCII unit separator. The key of a channel set is its sorted distinct
# channels joined by it, in Python here and in the asset's SQL.
CHANNEL_SET_SEPARATOR = "\x1f"
SHARE_COLUMNS = ["channel_set", "channel", "model", "share"]
MODELS = ("markov", "shapley")


@dataclass(frozen=True)
class AlgorithmicAttribution:
    """Channel shares of both models per channel set, and each channel's Markov removal effect.

    ``shares`` has SHARE_COLUMNS, one row per channel set of a converting
    path, channel of that set and model. ``removal_effects`` has the columns
    channel, removal_effect and removal_effect_share.
    """

    shares: pd.DataFrame
    removal_effects: pd.DataFrame


def channel_set_key(channels: frozenset[str]) -> str:
    """Return the sorted channels joined by CHANNEL_SET_SEPARATOR.

    Raises ValueError for a channel that contains the separator, because
    two channel sets could then have the same key.
    """
    for channel in channels:
        if CHANNEL_SET_SEPARATOR in channel:
            raise ValueError(
                f"Invalid channel {channel!r}: it contains the ASCII unit separator (0x1F),"
                " which joins the channels of a channel set. Remove it from the channel"
                " mapping."
            )
    return CHANNEL_SET_SEPARATOR.join(sorted(channels))


def markov_shares(channel_set: frozenset[str], effects: Mapping[str, float]) -> dict[str, float]:
    """Split one conversion among `channel_set` by the channels' removal effects."""
    # Sorted, so the sum's rounding does not depend on the set's iteration order.
    effect_total = sum(effects[channel] for channel in sorted(channel_set))
    if effect_total > 0.0:
        return {channel: effects[channel] / effect_total for channel in channel_set}
    # NOTE: not reached for converting paths, whose channels all have a
    # positive removal effect. Kept so a zero total cannot divide by zero.
    return {channel: 1.0 / len(channel_set) for channel in channel_set}


def removal_effect_frame(effects: Mapping[str, float]) -> pd.DataFrame:
    """Tabulate the removal effects with each one's share of their sum."""
    frame = pd.DataFrame(
        {"channel": list(effects), "removal_effect": list(effects.values())},
        columns=["channel", "removal_effect"],
    )
    total_effect = frame["removal_effect"].sum()
    frame["removal_effect_share"] = (
        frame["removal_effect"] / total_effect if total_effect > 0 else 0.0
    )
    return frame


def attribute(
    converting_paths: Mapping[tuple[str, ...], int],
    open_paths: Mapping[tuple[str, ...], int],
) -> AlgorithmicAttribution:
    """Compute the markov and shapley share of each channel in each converting channel set.

    `converting_paths` maps each distinct channel sequence of the
    conversions (ordered by touch_position, ``('direct',)`` for a conversion
    without touches) to its number of conversions. `open_paths` maps the
    channel sequences of journeys that did not convert to their number of
    journeys.
    """
    path_counts = [
        PathCount(channels, float(count), 0.0) for channels, count in converting_paths.items()
    ]
    path_counts += [
        PathCount(channels, 0.0, float(count)) for channels, count in open_paths.items()
    ]
    effects = removal_effects(path_counts) if converting_paths else {}

    # v(S) counts every conversion, not every distinct path, so each set carries its count.
    set_counts: Counter[frozenset[str]] = Counter()
    for channels, count in converting_paths.items():
        set_counts[frozenset(channels)] += count
    shapley = ShapleyModel(set_counts)

    rows = []
    for channel_set in sorted(set_counts, key=lambda channels: sorted(channels)):
        key = channel_set_key(channel_set)
        by_model = {
            "markov": markov_shares(channel_set, effects),
            "shapley": shapley.credits(channel_set),
        }
        for model in MODELS:
            for channel, share in sorted(by_model[model].items()):
                rows.append((key, channel, model, share))
    shares = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    return AlgorithmicAttribution(shares=shares, removal_effects=removal_effect_frame(effects))
