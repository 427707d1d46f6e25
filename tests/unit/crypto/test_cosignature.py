"""C2SP tlog-cosignature v1 (pure): lines the independent implementation accepts, and policies."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.cosignature import (
    Cosigner,
    WitnessPolicy,
    check_policy,
    cosign,
    cosigner_vkey,
    merge_cosignatures,
    parse_cosigner_vkey,
)
from ledger.crypto.signing import private_key_from_seed, raw_public_key
from ledger.errors import InvalidCheckpoint
from tests.interop.cosignature_v1 import verify_line

KEY = private_key_from_seed(bytes(range(32)))
NOTE = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
BODY = NOTE.split("\n\n")[0] + "\n"


@settings(max_examples=50)
@given(timestamp=st.integers(0, 2**63 - 1), size=st.integers(0, 2**40), name=st.from_regex(r"[a-z0-9.]{1,20}/w[0-9]", fullmatch=True))
def test_a_cosignature_is_what_the_specification_describes(timestamp: int, size: int, name: str) -> None:
    body = f"example.com/log\n{size}\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    line = cosign(body, KEY, name=name, timestamp=timestamp).rstrip("\n")
    note = f"{body}\n\u2014 example.com/log AAAA\n"
    assert verify_line(note, line, name, raw_public_key(KEY)) == timestamp
    assert check_policy(merge_cosignatures(note, [line]), WitnessPolicy((Cosigner(name, raw_public_key(KEY)),), 1)) == {name: timestamp}


def test_the_timestamp_is_big_endian_posix_seconds() -> None:
    # C2SP tlog-cosignature's example line decodes to a key ID, then 00 00 00 00 64 18 50 CB (1679315147).
    example = base64.b64decode("jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==")
    line = cosign(BODY, KEY, name="witness.example.com/w1", timestamp=1679315147)
    assert base64.b64decode(line.split(" ")[2])[4:12] == example[4:12] == (1679315147).to_bytes(8, "big")


def test_a_verifier_key_reads_back_and_a_wrong_one_is_refused() -> None:
    cosigner = Cosigner("witness.example/w1", raw_public_key(KEY))
    assert parse_cosigner_vkey(cosigner_vkey(cosigner.name, cosigner.public_key)) == cosigner
    text = cosigner.vkey
    for bad in (text.replace("+", "-", 1), text[:-4] + "AAA=", "name+00000000+" + text.split("+", 2)[2], text.replace("BA", "AQ", 1)):
        with pytest.raises(InvalidCheckpoint):
            parse_cosigner_vkey(bad)


def test_a_policy_needs_a_threshold_it_can_meet_and_distinct_witnesses() -> None:
    cosigner = Cosigner("w", raw_public_key(KEY))
    for witnesses, threshold in (((cosigner,), 0), ((cosigner,), 2), ((cosigner, cosigner), 1)):
        with pytest.raises(InvalidCheckpoint):
            WitnessPolicy(witnesses, threshold)


def test_a_cosignature_on_another_checkpoint_does_not_count_for_this_one() -> None:
    other = cosign(BODY.replace("20852163", "20852164"), KEY, name="w1", timestamp=5)
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        check_policy(merge_cosignatures(NOTE, [other]), WitnessPolicy((Cosigner("w1", raw_public_key(KEY)),), 1))
