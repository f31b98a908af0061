"""Shapley values of channel subsets, worked out by hand."""

from itertools import permutations

import pytest

from orchestration.journey.shapley import ShapleyModel

# Converting channel sets of the attribution pipeline test: {p, e, o} once,
# {e} once, {d} twice and {p} once.
CONVERTING_SETS = [
    frozenset({"p", "e", "o"}),
    frozenset({"e"}),
    frozenset({"d"}),
    frozenset({"d"}),
    frozenset({"p"}),
]


def test_coalition_values_count_subsets():
    model = ShapleyModel(CONVERTING_SETS)
    # Bits in sorted order: e = 1, o = 2, p = 4. v counts converting sets inside S.
    values = model.coalition_values(("e", "o", "p"))
    assert values == [0, 1, 0, 1, 1, 2, 1, 3]


def test_three_channel_path_by_hand():
    model = ShapleyModel(CONVERTING_SETS)
    # Dividends: w({e}) = 1, w({p}) = 1, w({e, o, p}) = 1, so phi_e = 1 + 1/3,
    # phi_p = 1 + 1/3 and phi_o = 1/3, which add up to v({e, o, p}) = 3.
    values = model.shapley_values(frozenset({"e", "o", "p"}))
    assert values["e"] == pytest.approx(4 / 3)
    assert values["p"] == pytest.approx(4 / 3)
    assert values["o"] == pytest.approx(1 / 3)
    credits = model.credits(frozenset({"e", "o", "p"}))
    assert credits == pytest.approx({"e": 4 / 9, "p": 4 / 9, "o": 1 / 9})


def test_single_channel_gets_everything():
    model = ShapleyModel(CONVERTING_SETS)
    assert model.credits(frozenset({"d"})) == {"d": 1.0}


def test_matches_permutation_definition():
    sets = [frozenset("ab"), frozenset("abc"), frozenset("c"), frozenset("bd"), frozenset("a")]
    model = ShapleyModel(sets)
    players = ("a", "b", "c", "d")

    def value(coalition: set[str]) -> int:
        return sum(1 for s in sets if s <= coalition)

    # Average marginal contribution over all 24 orders of the players.
    orders = list(permutations(players))
    expected = dict.fromkeys(players, 0.0)
    for order in orders:
        coalition: set[str] = set()
        for player in order:
            before = value(coalition)
            coalition.add(player)
            expected[player] += (value(coalition) - before) / len(orders)
    assert model.shapley_values(frozenset(players)) == pytest.approx(expected)
