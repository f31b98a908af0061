"""Markov removal effects against hand-solved chains and the ChannelAttribution data set."""

from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest

from orchestration.journey.markov import PathCount, aggregate_paths, parse_path, removal_effects

REAL_PATHS = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "channelattribution_paths"
)
REAL_PATHS_CSV = REAL_PATHS / "Data.csv"

# The path set of the attribution pipeline test: converting paths
# p > e > o > p, e, d, d and p, and the non-converting path e.
TINY_PATHS = [
    PathCount(("p", "e", "o", "p"), 1, 0),
    PathCount(("e",), 1, 0),
    PathCount(("d",), 2, 0),
    PathCount(("p",), 1, 0),
    PathCount(("e",), 0, 1),
]


def invert(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    """Invert a square matrix of fractions by Gauss-Jordan elimination."""
    size = len(matrix)
    rows = [row[:] + [Fraction(int(i == j)) for j in range(size)] for i, row in enumerate(matrix)]
    for column in range(size):
        pivot = next(r for r in range(column, size) if rows[r][column] != 0)
        rows[column], rows[pivot] = rows[pivot], rows[column]
        scale = rows[column][column]
        rows[column] = [value / scale for value in rows[column]]
        for r in range(size):
            if r != column and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[column], strict=True)]
    return [row[size:] for row in rows]


def exact_conversion_probability(paths: list[PathCount], removed: str | None) -> Fraction:
    """P(conversion | start) from the fundamental matrix N = (I - Q)^-1, in fractions."""
    states = ["start", *sorted({c for path in paths for c in path.channels})]
    counts: dict[str, dict[str, Fraction]] = {s: defaultdict(Fraction) for s in states}
    for path in paths:
        journeys = Fraction(path.conversions + path.nulls)
        sequence = ["start", *path.channels]
        for source, target in zip(sequence, sequence[1:], strict=False):
            counts[source][target] += journeys
        counts[sequence[-1]]["conv"] += path.conversions
        counts[sequence[-1]]["null"] += path.nulls
    if removed is not None:
        counts[removed] = defaultdict(Fraction, {"null": Fraction(1)})
    q = []
    r = []
    for source in states:
        total = sum(counts[source].values())
        q.append([counts[source][target] / total for target in states])
        r.append(counts[source]["conv"] / total)
    identity_minus_q = [
        [Fraction(int(i == j)) - q[i][j] for j in range(len(states))] for i in range(len(states))
    ]
    fundamental = invert(identity_minus_q)
    return sum(fundamental[0][j] * r[j] for j in range(len(states)))


def test_tiny_chain_matches_fundamental_matrix():
    total = exact_conversion_probability(TINY_PATHS, None)
    # Worked by hand: start goes to p, e and d with 1/3 each. x_p = 1/3 x_e + 2/3,
    # x_e = 1/3 x_o + 1/3, x_o = x_p, x_d = 1, so x_p = 7/8, x_e = 5/8 and
    # x_start = (7/8 + 5/8 + 1) / 3 = 5/6.
    assert total == Fraction(5, 6)
    effects = removal_effects(TINY_PATHS)
    for channel in ("d", "e", "o", "p"):
        exact = 1 - exact_conversion_probability(TINY_PATHS, channel) / total
        assert effects[channel] == pytest.approx(float(exact), abs=1e-12), channel


def test_tiny_chain_removal_effects_by_hand():
    effects = removal_effects(TINY_PATHS)
    # Without d: start = (7/8 + 5/8) / 3 = 1/2, effect 1 - (1/2) / (5/6) = 2/5.
    assert effects["d"] == pytest.approx(2 / 5, abs=1e-12)
    # Without p: x_e = 1/3, start = (1/3 + 1) / 3 = 4/9, effect 1 - 8/15 = 7/15.
    assert effects["p"] == pytest.approx(7 / 15, abs=1e-12)
    # Without e: x_p = 2/3, start = (2/3 + 1) / 3 = 5/9, effect 1 - 2/3 = 1/3.
    assert effects["e"] == pytest.approx(1 / 3, abs=1e-12)
    # Without o: x_e = 1/3, x_p = 7/9, start = 19/27, effect 1 - 114/135 = 7/45.
    assert effects["o"] == pytest.approx(7 / 45, abs=1e-12)


def test_repeated_path_rows_are_summed():
    rows = [PathCount(("a", "b"), 1, 2), PathCount(("a", "b"), 3, 0), PathCount((), 5, 5)]
    assert aggregate_paths(rows) == [PathCount(("a", "b"), 4, 2)]


def test_no_conversion_raises():
    with pytest.raises(ValueError, match="at least one converting path"):
        removal_effects([PathCount(("a",), 0, 3)])


def read_real_paths() -> list[PathCount]:
    lines = REAL_PATHS_CSV.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "path;total_conversions;total_conversion_value;total_null"
    paths = []
    for line in lines[1:]:
        path, conversions, _value, nulls = line.split(";")
        paths.append(PathCount(parse_path(path), float(conversions), float(nulls)))
    return paths


def iterate_conversion_probability(paths: list[PathCount], removed: str | None) -> float:
    """P(conversion | start) by value iteration, independent of the numpy solve.

    Repeats x_s = sum_t P(s, t) x_t + P(s, conv) until no value moves by more
    than 1e-15. x grows monotonically from 0 to the absorption probability.
    """
    edges: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for path in paths:
        sequence = ["start", *path.channels]
        for source, target in zip(sequence, sequence[1:], strict=False):
            edges[source][target] += path.conversions + path.nulls
        edges[sequence[-1]]["conv"] += path.conversions
        edges[sequence[-1]]["null"] += path.nulls
    if removed is not None:
        edges[removed] = defaultdict(float, {"null": 1.0})
    probabilities = {
        source: {target: count / sum(targets.values()) for target, count in targets.items()}
        for source, targets in edges.items()
    }
    values = dict.fromkeys(probabilities, 0.0)
    for _ in range(100_000):
        change = 0.0
        for source, targets in probabilities.items():
            updated = sum(
                p * (1.0 if t == "conv" else 0.0 if t == "null" else values[t])
                for t, p in targets.items()
            )
            change = max(change, abs(updated - values[source]))
            values[source] = updated
        if change < 1e-15:
            break
    return values["start"]


@pytest.mark.skipif(
    not REAL_PATHS_CSV.is_file(), reason=f"ChannelAttribution path data not found at {REAL_PATHS}"
)
def test_real_paths_match_value_iteration():
    paths = read_real_paths()
    assert len(paths) == 10_000
    aggregated = aggregate_paths(paths)
    # The file repeats path strings, so fewer distinct paths than rows remain.
    assert len(aggregated) == 5_408
    assert sum(p.conversions for p in aggregated) == pytest.approx(19_785)
    assert sum(p.nulls for p in aggregated) == pytest.approx(68_602)

    effects = removal_effects(paths)
    assert len(effects) == 12
    total = iterate_conversion_probability(aggregated, None)
    for channel, effect in effects.items():
        expected = 1 - iterate_conversion_probability(aggregated, channel) / total
        assert effect == pytest.approx(expected, abs=1e-9), channel
        assert 0 < effect < 1, channel
