"""Exact Shapley values of the channels in a conversion's path.

Characteristic function: for a set S of channels, v(S) is the number of
converting journeys (over all conversions) whose set of distinct channels is
a subset of S. v is monotone and v(empty set) = 0, so every Shapley value is
at least 0, and the values over a path's channel set P add up to v(P), which
is at least 1 because the conversion's own path counts. A conversion's
credit for channel c is phi_c(P) / v(P).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from math import factorial


class ShapleyModel:
    """Shapley values over the channel subsets of conversion paths, cached per channel set."""

    def __init__(
        self,
        converting_channel_sets: Iterable[frozenset[str]] | Mapping[frozenset[str], int],
    ):
        """Count the converting channel sets.

        Takes one channel set per conversion, or a mapping from each
        channel set to its number of conversions (``Counter`` reads a
        mapping as counts).
        """
        self._exact_counts: Counter[frozenset[str]] = Counter(converting_channel_sets)
        self._cache: dict[frozenset[str], dict[str, float]] = {}

    def coalition_values(self, channels: tuple[str, ...]) -> list[float]:
        """Return v(S) for every subset S of `channels`, indexed by bit mask."""
        size = len(channels)
        bit_of = {channel: 1 << position for position, channel in enumerate(channels)}
        values = [0.0] * (1 << size)
        for channel_set, count in self._exact_counts.items():
            if channel_set <= set(channels):
                mask = sum(bit_of[channel] for channel in channel_set)
                values[mask] += count
        # Sum over subsets (zeta transform): afterwards values[S] = sum of w(T), T subset of S.
        for position in range(size):
            bit = 1 << position
            for mask in range(1 << size):
                if mask & bit:
                    values[mask] += values[mask ^ bit]
        return values

    def shapley_values(self, channel_set: frozenset[str]) -> dict[str, float]:
        """Return phi_c for each channel c of `channel_set`, from the Shapley formula."""
        if channel_set in self._cache:
            return self._cache[channel_set]
        channels = tuple(sorted(channel_set))
        size = len(channels)
        values = self.coalition_values(channels)
        weights = [factorial(k) * factorial(size - k - 1) / factorial(size) for k in range(size)]
        result: dict[str, float] = {}
        for position, channel in enumerate(channels):
            bit = 1 << position
            total = 0.0
            for mask in range(1 << size):
                if mask & bit:
                    continue
                total += weights[mask.bit_count()] * (values[mask | bit] - values[mask])
            result[channel] = total
        self._cache[channel_set] = result
        return result

    def credits(self, channel_set: frozenset[str]) -> dict[str, float]:
        """Return each channel's share of one conversion: phi_c / v(channel_set)."""
        values = self.shapley_values(channel_set)
        total = sum(values.values())
        if total <= 0.0:
            # Only reachable for a channel set no converting path has; split equally.
            return {channel: 1.0 / len(channel_set) for channel in channel_set}
        return {channel: value / total for channel, value in values.items()}
