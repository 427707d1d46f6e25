"""Checkpoint notes: exact C2SP text, verifier keys, tampering, and the Go sumdb/note vector."""

from __future__ import annotations

import base64
from collections.abc import Callable
from hashlib import sha256

import pytest

from ledger.crypto.checkpoint import (
    Checkpoint,
    note_key_hash,
    open_note,
    parse_checkpoint_body,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verifier_key,
    verify_checkpoint,
)
from ledger.crypto.signing import private_key_from_seed, raw_public_key
from ledger.errors import InvalidCheckpoint, InvalidKey

ORIGIN = "greenledger.example/sichuan"
KEY = private_key_from_seed(sha256(b"checkpoint key").digest())
OTHER_KEY = private_key_from_seed(sha256(b"another key").digest())
ROOT = sha256(b"a root").digest()
CHECKPOINT = Checkpoint(origin=ORIGIN, tree_size=42, root_hash=ROOT)
VKEY = verifier_key(ORIGIN, raw_public_key(KEY))

# golang.org/x/mod/sumdb/note, note_test.go: the PeterNeumann key pair and signed note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n"
    + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def _go_private_key() -> bytes:
    # PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ 32-byte seed)>; the base64 may hold "+".
    material = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert material[0] == 0x01
    return material[1:]


def test_body_format() -> None:
    assert CHECKPOINT.body() == f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\n"


def test_exact_note_text_computed_independently() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY)
    body = CHECKPOINT.body()
    public = raw_public_key(KEY)
    key_hash = sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    # Ed25519 is deterministic (RFC 8032), so the whole line can be rebuilt from primitives.
    signature = KEY.sign(body.encode())
    expected = body + "\n" + "\u2014 " + ORIGIN + " " + base64.b64encode(key_hash + signature).decode() + "\n"
    assert note == expected
    assert note.endswith("\n") and not note.endswith("\n\n")
    assert note.count("\n\n") == 1
    assert "\u2014 " in note and "-- " not in note


def test_round_trip() -> None:
    assert verify_checkpoint(sign_checkpoint(CHECKPOINT, KEY), VKEY) == CHECKPOINT
    empty = Checkpoint(origin=ORIGIN, tree_size=0, root_hash=sha256(b"").digest())
    assert verify_checkpoint(sign_checkpoint(empty, KEY), VKEY) == empty


def test_verifier_key_format() -> None:
    public = raw_public_key(KEY)
    key_hash = sha256(ORIGIN.encode() + b"\n" + b"\x01" + public).digest()[:4]
    assert note_key_hash(ORIGIN, public) == key_hash
    encoded = base64.b64encode(b"\x01" + public).decode()
    assert VKEY == f"{ORIGIN}+{key_hash.hex()}+{encoded}"
    assert parse_verifier_key(VKEY) == (ORIGIN, key_hash, public)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        ORIGIN,
        VKEY.replace("+", "-", 1),
        VKEY[:-4],
        f"{ORIGIN}+00000000+{VKEY.split('+', 2)[2]}",  # hash does not match
        f"{ORIGIN}+{VKEY.split('+')[1][:7]}+{VKEY.split('+', 2)[2]}",
        # Unknown algorithm byte, with the hash adjusted to it (sumdb/note's own test case).
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        # Wrong key length, with the hash adjusted to it.
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_bad_verifier_keys(bad: str) -> None:
    with pytest.raises(InvalidCheckpoint):
        parse_verifier_key(bad)


def test_verifier_key_refuses_bad_names_and_keys() -> None:
    for name in ("", "a b", "a+b"):
        with pytest.raises(InvalidKey):
            verifier_key(name, raw_public_key(KEY))
    with pytest.raises(InvalidKey):
        verifier_key(ORIGIN, b"\x00" * 31)


def _tampered(note: str, old: str, new: str) -> str:
    assert old in note
    return note.replace(old, new, 1)


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda n: _tampered(n, "\n42\n", "\n43\n"), id="size"),
        pytest.param(lambda n: _tampered(n, ORIGIN + "\n", "greenledger.example/other\n"), id="origin"),
        pytest.param(
            lambda n: _tampered(n, base64.b64encode(ROOT).decode(), base64.b64encode(sha256(b"x").digest()).decode()),
            id="root",
        ),
        pytest.param(lambda n: n[:-1], id="no final newline"),
        pytest.param(lambda n: n.replace("\n\n", "\n", 1), id="no blank line"),
        pytest.param(lambda n: n.replace("\u2014 ", "- ", 1), id="ascii dash"),
        pytest.param(lambda n: n.replace("\u2014 ", "\u2014", 1), id="no space after dash"),
        pytest.param(lambda n: n + "trailing\n", id="trailing line"),
        pytest.param(lambda n: n.replace("\n42\n", "\n042\n", 1), id="leading zero"),
        pytest.param(lambda n: n.replace("42", "4\r2", 1), id="control character"),
        pytest.param(lambda n: n[: n.rindex(" ") + 1] + "AAAA\n", id="short signature"),
    ],
)
def test_tampered_notes_are_rejected(mutate: Callable[[str], str]) -> None:
    note = sign_checkpoint(CHECKPOINT, KEY)
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(mutate(note), VKEY)


def test_flipped_signature_bit_is_rejected() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY)
    prefix, encoded = note.rstrip("\n").rsplit(" ", 1)
    blob = bytearray(base64.b64decode(encoded))
    blob[-1] ^= 1
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(f"{prefix} {base64.b64encode(bytes(blob)).decode()}\n", VKEY)


def test_wrong_key_and_wrong_name_are_rejected() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY)
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(note, verifier_key(ORIGIN, raw_public_key(OTHER_KEY)))
    # Same key material, other name: the key hash differs, so no signature matches.
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(note, verifier_key("someone.else/log", raw_public_key(KEY)))
    # Signed by the right key under a name other than the origin.
    renamed = sign_checkpoint(CHECKPOINT, KEY, name="someone.else/log")
    open_note(renamed, verifier_key("someone.else/log", raw_public_key(KEY)))
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(renamed, verifier_key("someone.else/log", raw_public_key(KEY)))


def test_other_signatures_are_ignored() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY)
    witness = sign_note(CHECKPOINT.body(), OTHER_KEY, name="witness.example")
    ours, theirs = note.split("\n\n", 1)[1], witness.split("\n\n", 1)[1]
    assert verify_checkpoint(note + theirs, VKEY) == CHECKPOINT
    assert verify_checkpoint(CHECKPOINT.body() + "\n" + theirs + ours, VKEY) == CHECKPOINT
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(witness, VKEY)


def test_parse_checkpoint_body() -> None:
    b64 = base64.b64encode(ROOT).decode()
    urlsafe = base64.urlsafe_b64encode(b"\xff" * 32).decode()
    assert parse_checkpoint_body(f"o\n0\n{b64}\n") == Checkpoint("o", 0, ROOT)
    assert parse_checkpoint_body(f"o\n18446744073709551615\n{b64}\nextension\n").tree_size == 2**64 - 1
    for bad in [
        f"o\n1\n{b64}",
        "o\n1\n",
        f"\n1\n{b64}\n",
        f"o\n-1\n{b64}\n",
        f"o\n+1\n{b64}\n",
        f"o\n01\n{b64}\n",
        f"o\n1.0\n{b64}\n",
        f"o\n18446744073709551616\n{b64}\n",
        f"o\n1\n{b64[:-1]}\n",
        f"o\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"o\n1\n{urlsafe}\n",
        f"o\n1\n{b64}\n\n",
    ]:
        with pytest.raises(InvalidCheckpoint):
            parse_checkpoint_body(bad)


def test_checkpoint_fields_are_checked() -> None:
    with pytest.raises(InvalidCheckpoint):
        Checkpoint(origin="", tree_size=1, root_hash=ROOT)
    with pytest.raises(InvalidCheckpoint):
        Checkpoint(origin=ORIGIN, tree_size=-1, root_hash=ROOT)
    with pytest.raises(InvalidCheckpoint):
        Checkpoint(origin=ORIGIN, tree_size=1, root_hash=ROOT[:16])
    with pytest.raises(InvalidCheckpoint):
        sign_checkpoint(Checkpoint(origin="has space", tree_size=1, root_hash=ROOT), KEY)


# --- compatibility with golang.org/x/mod/sumdb/note ------------------------------------------


def test_go_verifier_key_parses() -> None:
    name, key_hash, public = parse_verifier_key(GO_VKEY)
    assert (name, key_hash.hex()) == ("PeterNeumann", "c74f20a3")
    assert verifier_key(name, public) == GO_VKEY


def test_go_note_verifies() -> None:
    assert open_note(GO_NOTE, GO_VKEY) == GO_TEXT
    with pytest.raises(InvalidCheckpoint):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), GO_VKEY)


def test_signing_reproduces_the_go_note_byte_for_byte() -> None:
    key = private_key_from_seed(_go_private_key())
    assert verifier_key("PeterNeumann", raw_public_key(key)) == GO_VKEY
    assert sign_note(GO_TEXT, key, name="PeterNeumann") == GO_NOTE


def test_sign_note_rules() -> None:
    with pytest.raises(InvalidCheckpoint):
        sign_note("no final newline", KEY, name="n")
    with pytest.raises(InvalidCheckpoint):
        sign_note("tab\there\n", KEY, name="n")
    with pytest.raises(InvalidCheckpoint):
        sign_note("fine\n", KEY, name="bad name")
    with pytest.raises(InvalidCheckpoint):
        sign_note("lone \ud800 surrogate\n", KEY, name="n")
