"""Ed25519 signing: RFC 8032 vectors, key ids, PEM key files and signed envelopes."""

from __future__ import annotations

import copy
import stat
from hashlib import sha256
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1
from cryptography.hazmat.primitives.asymmetric.ec import generate_private_key as ec_key

from ledger.crypto.canonical import b64decode, b64encode, canonical_json
from ledger.crypto.signing import (
    generate_private_key,
    key_id,
    load_private_key_pem,
    private_key_from_seed,
    private_key_to_pem,
    public_key_from_pem,
    public_key_from_raw,
    raw_public_key,
    read_private_key_file,
    sign_envelope,
    verify_envelope,
    verify_signature,
    write_private_key_file,
)
from ledger.errors import InvalidKey, InvalidSignature, NonCanonicalValue

# RFC 8032 §7.1, Ed25519 TEST 1, TEST 2 and TEST 3: (secret key, public key, message, signature).
RFC8032_VECTORS = [
    pytest.param(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        id="TEST 1",
    ),
    pytest.param(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        id="TEST 2",
    ),
    pytest.param(
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        id="TEST 3",
    ),
]

# Fixed test keys: signatures are deterministic, so failures reproduce.
ALICE = private_key_from_seed(bytes(range(32)))
MALLORY = private_key_from_seed(bytes(range(1, 33)))
ENVELOPE: dict[str, object] = {
    "v": 1,
    "type": "loan.disbursed",
    "signer": "bank-of-chengdu",
    "key": key_id(raw_public_key(ALICE)),
    "signed_at": "2026-11-24T10:00:00Z",
    "nonce": "n-0001",
    "payload": {"loan_id": "L-1", "amount": "1250.00", "currency": "CNY", "tranches": [1, 2]},
}


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032_VECTORS)
def test_rfc8032_vectors(secret: str, public: str, message: str, signature: str) -> None:
    key = private_key_from_seed(bytes.fromhex(secret))
    assert raw_public_key(key).hex() == public
    assert raw_public_key(key.public_key()).hex() == public
    assert key.sign(bytes.fromhex(message)).hex() == signature
    verify_signature(bytes.fromhex(message), bytes.fromhex(signature), bytes.fromhex(public))


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032_VECTORS)
def test_rfc8032_any_flipped_bit_is_rejected(secret: str, public: str, message: str, signature: str) -> None:
    sig = bytes.fromhex(signature)
    for bit in (0, 7, 255, 256, 511):
        tampered = bytearray(sig)
        tampered[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(InvalidSignature):
            verify_signature(bytes.fromhex(message), bytes(tampered), bytes.fromhex(public))
    with pytest.raises(InvalidSignature):
        verify_signature(bytes.fromhex(message) + b"\x00", sig, bytes.fromhex(public))
    with pytest.raises(InvalidSignature):
        verify_signature(bytes.fromhex(message), sig[:63], bytes.fromhex(public))


def test_key_id_is_the_first_16_bytes_of_sha256() -> None:
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    kid = key_id(public)
    assert kid == sha256(public).hexdigest()[:32]
    assert len(kid) == 32 and kid == kid.lower()
    with pytest.raises(InvalidKey):
        key_id(public[:31])


def test_key_material_checks() -> None:
    with pytest.raises(InvalidKey):
        private_key_from_seed(b"\x00" * 31)
    with pytest.raises(InvalidKey):
        public_key_from_raw(b"\x00" * 33)
    assert raw_public_key(public_key_from_raw(raw_public_key(ALICE))) == raw_public_key(ALICE)
    assert raw_public_key(generate_private_key()) != raw_public_key(generate_private_key())


# --- PEM ---------------------------------------------------------------------------------------


def test_pem_round_trip_plain() -> None:
    pem = private_key_to_pem(ALICE)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert raw_public_key(load_private_key_pem(pem)) == raw_public_key(ALICE)


def test_pem_round_trip_encrypted() -> None:
    pem = private_key_to_pem(ALICE, b"correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert raw_public_key(load_private_key_pem(pem, b"correct horse")) == raw_public_key(ALICE)
    for wrong in (b"wrong horse", None):
        with pytest.raises(InvalidKey):
            load_private_key_pem(pem, wrong)


def test_openssl_style_pem_is_read() -> None:
    # What `openssl genpkey -algorithm ed25519` writes for RFC 8032 TEST 1's secret key:
    # the PKCS#8 prefix 302e020100300506032b657004220420 followed by the 32-byte seed.
    der = bytes.fromhex("302e020100300506032b657004220420") + bytes.fromhex(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    )
    pem = b"-----BEGIN PRIVATE KEY-----\n" + b64encode(der).encode() + b"\n-----END PRIVATE KEY-----\n"
    key = load_private_key_pem(pem)
    assert raw_public_key(key).hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert private_key_to_pem(key) == pem


def test_unusable_pem_is_invalid_key() -> None:
    not_ed25519 = ec_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for data, passphrase in [
        (b"garbage", None),
        (b"", None),
        (not_ed25519, None),
        (private_key_to_pem(ALICE), b"superfluous"),
    ]:
        with pytest.raises(InvalidKey):
            load_private_key_pem(data, passphrase)
    with pytest.raises(InvalidKey):
        private_key_to_pem(ALICE, b"")


def test_a_public_key_is_read_from_a_public_or_a_private_pem() -> None:
    public_pem = ALICE.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert public_key_from_pem(public_pem) == raw_public_key(ALICE)
    assert public_key_from_pem(private_key_to_pem(ALICE)) == raw_public_key(ALICE)
    with pytest.raises(InvalidKey, match="encrypted; give its public key instead"):
        public_key_from_pem(private_key_to_pem(ALICE, b"secret"))
    ec_public = ec_key(SECP256R1()).public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for data in (ec_public, b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", b"garbage"):
        with pytest.raises(InvalidKey):
            public_key_from_pem(data)


def test_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.pem"
    write_private_key_file(path, ALICE, b"secret")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert raw_public_key(read_private_key_file(path, b"secret")) == raw_public_key(ALICE)
    before = path.read_bytes()
    with pytest.raises(InvalidKey):
        write_private_key_file(path, MALLORY)
    assert path.read_bytes() == before


def test_key_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidKey):
        read_private_key_file(tmp_path / "missing.pem")
    with pytest.raises(InvalidKey):
        write_private_key_file(tmp_path / "no-such-dir" / "k.pem", ALICE)
    plain = tmp_path / "plain.pem"
    write_private_key_file(plain, ALICE)
    assert stat.S_IMODE(plain.stat().st_mode) == 0o600
    assert raw_public_key(read_private_key_file(plain)) == raw_public_key(ALICE)


# --- envelopes ---------------------------------------------------------------------------------


def test_sign_envelope_shape_and_bytes() -> None:
    signed = sign_envelope(ENVELOPE, ALICE)
    assert set(signed) == {"envelope", "signature"}
    assert signed["envelope"] == ENVELOPE and signed["envelope"] is not ENVELOPE
    signature = b64decode(signed["signature"], field="signature", length=64)
    # Independent check: the signature is plain Ed25519 over the JCS bytes.
    ALICE.public_key().verify(signature, canonical_json(ENVELOPE))
    verify_envelope(ENVELOPE, signed["signature"], raw_public_key(ALICE))


def test_member_order_does_not_affect_the_signature() -> None:
    signed = sign_envelope(ENVELOPE, ALICE)
    shuffled = dict(reversed(list(ENVELOPE.items())))
    verify_envelope(shuffled, signed["signature"], raw_public_key(ALICE))


def _tamperings() -> list[tuple[str, object]]:
    return [
        ("v", 2),
        ("type", "loan.repaid"),
        ("signer", "someone-else"),
        ("signed_at", "2026-11-24T10:00:01Z"),
        ("nonce", "n-0002"),
        ("payload.loan_id", "L-2"),
        ("payload.amount", "1250.0"),
        ("payload.amount", "1251.00"),
        ("payload.currency", "USD"),
        ("payload.tranches", [2, 1]),
        ("payload.extra", "added"),
    ]


@pytest.mark.parametrize(("where", "value"), _tamperings())
def test_any_tampered_field_is_rejected(where: str, value: object) -> None:
    signed = sign_envelope(ENVELOPE, ALICE)
    tampered = copy.deepcopy(ENVELOPE)
    target: dict[str, object] = tampered
    *parents, last = where.split(".")
    for part in parents:
        child = target[part]
        assert isinstance(child, dict)
        target = child
    target[last] = value
    with pytest.raises(InvalidSignature) as caught:
        verify_envelope(tampered, signed["signature"], raw_public_key(ALICE))
    assert caught.value.field == "signature"


def test_removed_field_and_wrong_key_are_rejected() -> None:
    signed = sign_envelope(ENVELOPE, ALICE)
    without_nonce = {k: v for k, v in ENVELOPE.items() if k != "nonce"}
    with pytest.raises(InvalidSignature):
        verify_envelope(without_nonce, signed["signature"], raw_public_key(ALICE))
    with pytest.raises(InvalidSignature):
        verify_envelope(ENVELOPE, signed["signature"], raw_public_key(MALLORY))


@pytest.mark.parametrize(
    "signature",
    [None, 42, "", "not base64!", b64encode(b"\x00" * 63), b64encode(b"\x00" * 65), b64encode(b"\x00" * 64)],
)
def test_malformed_signatures_are_invalid_signature(signature: object) -> None:
    with pytest.raises(InvalidSignature) as caught:
        verify_envelope(ENVELOPE, signature, raw_public_key(ALICE))
    assert caught.value.field == "signature"


def test_envelope_with_a_float_cannot_be_signed_or_verified() -> None:
    bad = {**ENVELOPE, "payload": {"amount": 12.5}}
    with pytest.raises(NonCanonicalValue) as caught:
        sign_envelope(bad, ALICE)
    assert caught.value.field == "envelope.payload.amount"
    with pytest.raises(NonCanonicalValue):
        verify_envelope(bad, b64encode(b"\x00" * 64), raw_public_key(ALICE))


def _signed_triple(message: bytes = b"an envelope's canonical bytes") -> tuple[bytes, bytes, bytes]:
    key = private_key_from_seed(bytes(range(32)))
    return message, key.sign(message), raw_public_key(key)


def test_verified_signatures_answer_the_same_bytes_from_memory(monkeypatch):
    import ledger.crypto.signing as signing

    calls: list[bytes] = []
    real = signing.verify_signature
    monkeypatch.setattr(signing, "verify_signature", lambda m, s, k: (calls.append(m), real(m, s, k))[1])
    verified = signing.VerifiedSignatures(limit=10)
    message, signature, public_key = _signed_triple()
    verified.verify(message, signature, public_key)
    verified.verify(message, signature, public_key)
    assert len(calls) == 1 and len(verified) == 1


@pytest.mark.parametrize("change", ["message", "signature", "key"])
def test_a_remembered_signature_vouches_for_its_own_bytes_only(change):
    from ledger.crypto.signing import VerifiedSignatures

    verified = VerifiedSignatures()
    message, signature, public_key = _signed_triple()
    verified.verify(message, signature, public_key)
    other_key = raw_public_key(private_key_from_seed(bytes(32)))
    changed = {
        "message": (message + b" ", signature, public_key),
        "signature": (message, signature[:-1] + bytes([signature[-1] ^ 1]), public_key),
        "key": (message, signature, other_key),
    }[change]
    with pytest.raises(InvalidSignature):
        verified.verify(*changed)
    with pytest.raises(InvalidSignature):  # a failure is not remembered either: refused again
        verified.verify(*changed)
    assert len(verified) == 1


def test_wrong_sizes_are_refused_even_when_their_bytes_run_together_into_a_remembered_triple():
    from ledger.crypto.signing import VerifiedSignatures

    verified = VerifiedSignatures()
    message, signature, public_key = _signed_triple()
    verified.verify(message, signature, public_key)
    # the same 32 + 64 + n bytes, cut elsewhere: a 31-byte key, its last byte moved into the signature
    with pytest.raises(InvalidKey):
        verified.verify(signature[63:] + message, public_key[31:] + signature[:63], public_key[:31])


def test_verified_signatures_forget_the_oldest_past_their_limit():
    from ledger.crypto.signing import VerifiedSignatures

    verified = VerifiedSignatures(limit=3)
    triples = [_signed_triple(b"message %d" % n) for n in range(5)]
    for triple in triples:
        verified.verify(*triple)
    assert len(verified) == 3
    digests = list(verified._digests)
    assert digests == [VerifiedSignatures._digest(*t) for t in triples[2:]]
    with pytest.raises(ValueError):
        VerifiedSignatures(limit=0)
