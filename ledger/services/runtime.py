"""What write and read use cases share: storage, clock, checkpoint key, limits and the log's identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import errors
from ledger.crypto.canonical import b64decode
from ledger.crypto.checkpoint import verifier_key
from ledger.crypto.signing import raw_public_key
from ledger.domain.catalog import GENESIS
from ledger.domain.entities import CHECKPOINT_KEY_NAME, LogSigningKey
from ledger.domain.types.checkpoint_keys import ROTATED
from ledger.domain.state import LedgerState
from ledger.reconciliation.exceptions import Settings
from ledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class LogIdentity:
    """The two trust anchors an auditor pins: the origin and the checkpoint public key."""

    origin: str
    checkpoint_public_key: bytes

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.origin, self.checkpoint_public_key)


@dataclass
class LedgerRuntime:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    checkpoint_key: Ed25519PrivateKey | None
    #: A streaming replica's units of work, for reads that may be a little behind (``reader``).
    replica_uow_factory: UnitOfWorkFactory | None = None
    max_clock_skew: timedelta = timedelta(minutes=5)
    #: How long before its arrival an entry may have been signed (business dates live in payloads).
    max_signed_age: timedelta = timedelta(hours=24)
    max_batch_entries: int = 1000
    #: Most entries one group-commit transaction takes.
    max_round_entries: int = 5000
    #: The group committer, created on the first write (services.entries).
    committer: Any = field(default=None, repr=False)
    #: Thresholds of the reconciliation exceptions.
    reconciliation: Settings = field(default_factory=Settings)
    #: key id -> (party id, public key) of registered keys; a key id never changes its key.
    public_keys: dict[str, tuple[str, bytes]] = field(default_factory=dict, repr=False)
    #: A web session ends after this long without a request, and this long after sign-in, whatever its use.
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    #: key id -> recorded_at of the entry that registered it (a recorded entry never changes).
    key_registered_at: dict[str, datetime] = field(default_factory=dict, repr=False)
    #: Re-reads every checkpoint key file this server holds (after a rotation elsewhere).
    load_checkpoint_keys: Callable[[], list[Ed25519PrivateKey]] | None = field(default=None, repr=False)
    #: public key -> private key of the checkpoint keys this server holds.
    checkpoint_keyring: dict[bytes, Ed25519PrivateKey] = field(default_factory=dict, repr=False)
    #: Recently authenticated API tokens (services.tokens).
    token_cache: Any = field(default=None, repr=False)
    _identity: LogIdentity | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.checkpoint_key is not None:
            self.checkpoint_keyring.setdefault(raw_public_key(self.checkpoint_key), self.checkpoint_key)
        if self.token_cache is None:
            from ledger.services.tokens import TokenCache

            self.token_cache = TokenCache()

    def reader(self, *, holding: int | None = None) -> UnitOfWorkFactory:
        """Where a read goes: the replica when there is one and it holds a tree of at least ``holding``
        entries (a size the client named: a receipt's index plus one, a proof's tree size), else the
        primary, so a reader sees what it was told was written.

        A streaming replica replays the primary's transactions whole and in order, so one snapshot of
        it is a state the primary was in: its checkpoint and the tree under it always agree.
        """
        replica = self.replica_uow_factory
        if replica is None:
            return self.uow_factory
        if holding is not None:
            with replica() as uow:
                latest = uow.log.latest_checkpoint()
            if latest is None or latest.tree_size < holding:
                return self.uow_factory
        return replica

    def identity(self, uow: UnitOfWork) -> LogIdentity:
        """The origin and checkpoint key from the genesis entry (cached: index 0 never changes).

        :raises LedgerNotInitialized: when the log is empty.
        """
        if self._identity is None:
            genesis = uow.log.get(0)
            if genesis is None:
                raise errors.LedgerNotInitialized("the log is empty; run `greenledger init` first")
            envelope = genesis.record_json()["envelope"]
            if envelope["type"] != GENESIS:  # pragma: no cover - init is the only writer of index 0
                raise errors.LedgerNotInitialized("index 0 is not a genesis entry")
            self._identity = LogIdentity(
                origin=envelope["payload"]["origin"],
                checkpoint_public_key=b64decode(envelope["payload"]["checkpoint_key"], field="checkpoint_key", length=32),
            )
        return self._identity

    @staticmethod
    def checkpoint_public_key(state: LedgerState, identity: LogIdentity) -> bytes:
        """The checkpoint key in force: the last rotation's, else the genesis entry's."""
        found = state.get(LogSigningKey, CHECKPOINT_KEY_NAME)
        return found.public_key if found is not None else identity.checkpoint_public_key

    def signing_key(self, public_key: bytes) -> Ed25519PrivateKey:
        """The private half of checkpoint key ``public_key``, from the keys this server holds; the key
        files are read again once when it is missing (a rotation made by another process).

        :raises ServiceUnavailable: when this server does not hold that key.
        """
        if public_key not in self.checkpoint_keyring and self.load_checkpoint_keys is not None:
            self.checkpoint_keyring.update({raw_public_key(k): k for k in self.load_checkpoint_keys()})
        try:
            return self.checkpoint_keyring[public_key]
        except KeyError:
            if not self.checkpoint_keyring:
                raise errors.ServiceUnavailable("this server holds no checkpoint key and cannot accept writes") from None
            raise errors.ServiceUnavailable("this server does not hold the checkpoint key in force; install its key file") from None

    def current_identity(self, uow: UnitOfWork) -> LogIdentity:
        """The origin and the checkpoint key in force (the genesis key until a rotation)."""
        genesis = self.identity(uow)
        found = uow.projections.get_many(LogSigningKey, [CHECKPOINT_KEY_NAME]).get(CHECKPOINT_KEY_NAME)
        return genesis if found is None else LogIdentity(genesis.origin, found.public_key)

    def identity_at(self, uow: UnitOfWork, tree_size: int) -> LogIdentity:
        """The origin and the checkpoint key that signs checkpoints of ``tree_size`` entries: the key
        the last rotation before that size put in force (checkpoints of a prefix are signed as the log
        was then, so an auditor's key chain covers them)."""
        genesis = self.identity(uow)
        rotations = uow.log.list(after=None, before=tree_size, limit=1_000_000, entry_type=ROTATED, signer=None)
        if not rotations:
            return genesis
        new_key = rotations[-1].record_json()["envelope"]["payload"]["new_key"]
        return LogIdentity(genesis.origin, b64decode(new_key, field="new_key", length=32))
