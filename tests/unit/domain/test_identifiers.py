"""Unified social credit codes (GB 32100-2015) and id formats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.identifiers import USCC_ALPHABET, is_valid_uscc, uscc_check_character

# The example code of GB 32100-2015 and a published licence code; both pass only with the right weights.
KNOWN_VALID = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_published_codes_validate(code):
    assert is_valid_uscc(code)


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y44", "91350100M000100Y4", "91350100M000100Y433", "9135010OM000100Y43", "91350100m000100Y43", "ABCDEFGHIJKLMNOPQR"],
    ids=["wrong check", "short", "long", "letter O", "lowercase", "letters in region"],
)
def test_malformed_codes_are_refused(code):
    assert not is_valid_uscc(code)


@given(st.text(alphabet=USCC_ALPHABET, min_size=10, max_size=10), st.integers(0, 999999))
def test_every_generated_code_validates_and_any_other_check_character_fails(body, region):
    first17 = f"91{region:06d}{body[:9]}"
    code = first17 + uscc_check_character(first17)
    assert is_valid_uscc(code)
    for other in USCC_ALPHABET:
        if other != code[17]:
            assert not is_valid_uscc(first17 + other)


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("91350100M000100Y44", "the check character (the 18th) should be 3, not 4"),
        ("91350100M000100Y4", "is 17 characters long"),
        ("91350100m000100Y43", "character 9 ('m') cannot appear in a unified social credit code (capital letters only)"),
        ("9135010OM000100Y43", "character 8 ('O') cannot appear"),
        ("91AB0100M000100Y43", "characters 3 to 8 are the administrative division code"),
    ],
)
def test_a_wrong_code_is_told_what_is_wrong(code, said):
    from ledger.domain.identifiers import uscc_problem

    assert said in uscc_problem(code)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_a_valid_code_has_no_problem(code):
    from ledger.domain.identifiers import uscc_problem

    assert uscc_problem(code) is None


@given(st.text(alphabet=USCC_ALPHABET + "abcIOSVZ-", min_size=16, max_size=19))
def test_a_code_has_a_problem_exactly_when_it_is_invalid(code):
    from ledger.domain.identifiers import uscc_problem

    assert (uscc_problem(code) is None) == is_valid_uscc(code)
