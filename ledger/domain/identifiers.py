"""Identifier formats: party ids, key ids and China's unified social credit code (GB 32100-2015)."""

from __future__ import annotations

import re

# Apply these with fullmatch: "$" alone also matches before a trailing newline, and "bank-a\n" is not "bank-a".
PARTY_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
KEY_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")

# GB 32100-2015 §4: 31 characters (digits and capitals without I, O, S, V, Z), weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_character(first17: str) -> str:
    """Return the 18th (check) character of a unified social credit code.

    :param first17: the first 17 characters, already in the code's alphabet.
    :returns: the check character.
    """
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` has the GB 32100-2015 shape and a correct check character."""
    return bool(USCC_PATTERN.fullmatch(code)) and uscc_check_character(code[:17]) == code[17]


def uscc_problem(code: str) -> str | None:
    """What is wrong with ``code`` as a unified social credit code, in words; None when it is valid.

    The check character catches a mistyped character, so an officer copying a licence is told which
    part is off rather than only that the code is refused.
    """
    if len(code) != 18:
        return f"is {len(code)} characters long; a unified social credit code has 18"
    for position, ch in enumerate(code, start=1):
        if ch not in USCC_ALPHABET:
            hint = " (capital letters only)" if ch.upper() in USCC_ALPHABET else " (the codes use digits and capital letters except I, O, S, V, Z)"
            return f"character {position} ({ch!r}) cannot appear in a unified social credit code{hint}"
    if not code[2:8].isdigit():
        return "characters 3 to 8 are the administrative division code, digits only"
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return f"the check character (the 18th) should be {expected}, not {code[17]}: a character is mistyped"
    return None
