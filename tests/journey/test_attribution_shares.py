"""Channel-set shares of ``attribute`` on path counts, worked out by hand.

The path counts are those of tests/journey/test_algorithmic_asset.py, whose
docstring works out the removal effects and Shapley values: converting
paths p > e > p, e > p, e (twice) and direct, open paths p and e.
"""

import pytest

from orchestration.journey.attribution import CHANNEL_SET_SEPARATOR, attribute, channel_set_key
from orchestration.journey.shapley import ShapleyModel

CONVERTING = {("p", "e", "p"): 1, ("e", "p"): 1, ("e",): 2, ("direct",): 1}
OPEN = {("p",): 1, ("e",): 1}


def shares_by_key(result) -> dict[tuple[str, str, str], float]:
    return {
        (row.channel_set, row.channel, row.model): row.share for row in result.shares.itertuples()
    }


def test_shares_one_row_per_set_channel_model():
    result = attribute(CONVERTING, OPEN)
    key_pe = channel_set_key(frozenset({"p", "e"}))
    assert sorted(shares_by_key(result)) == sorted(
        [
            (key_pe, "e", "markov"),
            (key_pe, "p", "markov"),
            (key_pe, "e", "shapley"),
            (key_pe, "p", "shapley"),
            ("e", "e", "markov"),
            ("e", "e", "shapley"),
            ("direct", "direct", "markov"),
            ("direct", "direct", "shapley"),
        ]
    )


def test_shares_by_hand():
    shares = shares_by_key(attribute(CONVERTING, OPEN))
    key_pe = channel_set_key(frozenset({"p", "e"}))
    assert shares[(key_pe, "p", "markov")] == pytest.approx(4 / 9, abs=1e-12)
    assert shares[(key_pe, "e", "markov")] == pytest.approx(5 / 9, abs=1e-12)
    assert shares[(key_pe, "p", "shapley")] == pytest.approx(1 / 4, abs=1e-12)
    assert shares[(key_pe, "e", "shapley")] == pytest.approx(3 / 4, abs=1e-12)
    assert shares[("e", "e", "markov")] == 1.0
    assert shares[("direct", "direct", "shapley")] == 1.0


def test_removal_effects_by_hand():
    effects = attribute(CONVERTING, OPEN).removal_effects.set_index("channel")
    assert effects["removal_effect"].to_dict() == pytest.approx(
        {"direct": 1 / 5, "e": 3 / 5, "p": 12 / 25}, abs=1e-12
    )
    assert effects["removal_effect_share"].to_dict() == pytest.approx(
        {"direct": 5 / 32, "e": 15 / 32, "p": 3 / 8}, abs=1e-12
    )


def test_no_conversions_gives_empty_tables():
    result = attribute({}, OPEN)
    assert len(result.shares) == 0
    assert len(result.removal_effects) == 0


def test_channel_set_key_sorts_channels():
    assert channel_set_key(frozenset({"paid_search", "email"})) == (
        "email" + CHANNEL_SET_SEPARATOR + "paid_search"
    )


def test_channel_set_key_rejects_separator():
    with pytest.raises(ValueError, match="unit separator"):
        channel_set_key(frozenset({"email" + CHANNEL_SET_SEPARATOR + "x"}))


def test_shapley_counts_mapping_equals_repeated_sets():
    repeated = ShapleyModel([frozenset("pe"), frozenset("pe"), frozenset("e"), frozenset("e")])
    counted = ShapleyModel({frozenset("pe"): 2, frozenset("e"): 2})
    assert counted.credits(frozenset("pe")) == repeated.credits(frozenset("pe"))
    assert counted.credits(frozenset("pe")) == pytest.approx({"p": 1 / 4, "e": 3 / 4})
