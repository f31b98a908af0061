"""First-order Markov chain attribution with removal effects.

Each path is a sequence of channels with a count of journeys that converted
and a count that did not (null). The chain has the transient states
``start`` and one per channel, and the absorbing states ``conversion`` and
``null``. Every journey adds one transition ``start -> first channel``, one
per pair of consecutive channels and one from its last channel to
``conversion`` or ``null``. Transition probabilities are the transition
counts divided by the counts leaving each state.

The conversion probability is the absorption probability in ``conversion``
from ``start``, solved exactly from the fundamental matrix
``N = (I - Q)^-1`` as ``B = N R``. The removal effect of a channel is the
relative drop of that probability when every transition into the channel
goes to ``null`` instead.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

START = "(start)"


@dataclass(frozen=True)
class PathCount:
    """Journeys that followed one channel sequence, by outcome."""

    channels: tuple[str, ...]
    conversions: float
    nulls: float


def parse_path(path: str, separator: str = " > ") -> tuple[str, ...]:
    """Split a path string such as ``'email > paid_search'`` into channels."""
    return tuple(channel.strip() for channel in path.split(separator) if channel.strip())


def aggregate_paths(paths: Iterable[PathCount]) -> list[PathCount]:
    """Sum the conversions and nulls of paths with the same channel sequence.

    Paths without channels are left out, because they have no transition.
    """
    totals: dict[tuple[str, ...], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for path in paths:
        if not path.channels:
            continue
        totals[path.channels][0] += path.conversions
        totals[path.channels][1] += path.nulls
    return [
        PathCount(channels=channels, conversions=counts[0], nulls=counts[1])
        for channels, counts in sorted(totals.items())
    ]


@dataclass(frozen=True)
class TransitionCounts:
    """Transition counts among the transient states and into the absorbing states."""

    states: tuple[str, ...]
    # counts[i, j]: transitions from transient state i to transient state j.
    transient: np.ndarray
    # conversions[i] and nulls[i]: transitions from state i into the absorbing states.
    conversions: np.ndarray
    nulls: np.ndarray


def count_transitions(paths: Sequence[PathCount]) -> TransitionCounts:
    """Count the chain's transitions over all journeys of `paths`."""
    channels = sorted({channel for path in paths for channel in path.channels})
    states = (START, *channels)
    index = {state: position for position, state in enumerate(states)}
    size = len(states)
    transient = np.zeros((size, size))
    conversions = np.zeros(size)
    nulls = np.zeros(size)
    for path in paths:
        journeys = path.conversions + path.nulls
        previous = index[START]
        for channel in path.channels:
            current = index[channel]
            transient[previous, current] += journeys
            previous = current
        conversions[previous] += path.conversions
        nulls[previous] += path.nulls
    return TransitionCounts(states, transient, conversions, nulls)


def conversion_probability(counts: TransitionCounts, removed: str | None = None) -> float:
    """Return the probability of absorption in ``conversion`` from ``start``.

    With `removed`, transitions into that channel go to ``null``: its row
    becomes a certain move to ``null``.
    """
    transient = counts.transient.copy()
    conversions = counts.conversions.copy()
    nulls = counts.nulls.copy()
    if removed is not None:
        position = counts.states.index(removed)
        transient[position, :] = 0.0
        conversions[position] = 0.0
        nulls[position] = 1.0
    leaving = transient.sum(axis=1) + conversions + nulls
    # A state that no journey leaves (only possible for START without paths)
    # keeps probability 0 of conversion.
    safe_leaving = np.where(leaving > 0, leaving, 1.0)
    q = transient / safe_leaving[:, None]
    r = conversions / safe_leaving
    # B = (I - Q)^-1 R, solved without forming the inverse.
    absorption = np.linalg.solve(np.eye(len(counts.states)) - q, r)
    return float(absorption[0])


def removal_effects(paths: Iterable[PathCount]) -> dict[str, float]:
    """Return each channel's removal effect, 1 - P(conversion without it) / P(conversion).

    Raises ValueError when no journey converts, because the effect is then undefined.
    """
    aggregated = aggregate_paths(paths)
    counts = count_transitions(aggregated)
    total = conversion_probability(counts)
    if total <= 0.0:
        raise ValueError("Markov removal effects need at least one converting path, got none")
    return {
        channel: 1.0 - conversion_probability(counts, removed=channel) / total
        for channel in counts.states[1:]
    }
