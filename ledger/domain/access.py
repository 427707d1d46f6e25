"""Who may read what (DESIGN §1's "reads" column), as pure rules over a principal and the projections.

Lenders' loan books are confidential. Full readers (admins, auditors, the department) read everything;
a lender reads its own loans, its own disclosure and the aggregates; a park operator its park and its
park's projects; a verifier what it verified. The registry, parks, projects, reward programmes and
their disbursements, credit blocks, proofs, checkpoints and the aggregate reports (programme summary
and progress, park and reward-programme reports) are readable by any authenticated party: they are public funds and
the public record the programme exists to show. Log records themselves carry loan details, so parties
other than full readers see only the records they signed, and those of the public registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain import roles

FULL_READERS = frozenset({roles.ADMIN, roles.AUDITOR, roles.DEPARTMENT})

#: Records of the public registry: who takes part, with which keys, and the log's own keys. Anyone
#: who verifies signatures or follows a checkpoint key rotation needs them.
PUBLIC_RECORD_TYPES = frozenset({"ledger.genesis", "party.registered", "key.added", "key.revoked", "checkpoint.key.rotated"})

#: Reports that only show aggregates over many parties.
AGGREGATE_REPORTS = frozenset({"summary", "programme", "park", "reward-program"})


@dataclass(frozen=True)
class Principal:
    """The party an API token was issued to, with the roles the log gave that party."""

    party_id: str
    roles: frozenset[str]
    token_id: str = ""

    @property
    def reads_everything(self) -> bool:
        return bool(self.roles & FULL_READERS)

    def has(self, role: str) -> bool:
        return role in self.roles


def may_read_report(principal: Principal, kind: str, subject: str | None, *, park_operator: str | None = None) -> bool:
    """Whether ``principal`` may read the ``kind`` report on ``subject``.

    :param park_operator: for a project report, the operator of the project's park (None if unknown).
    """
    if principal.reads_everything or kind in AGGREGATE_REPORTS:
        return True
    if kind == "lender":
        return subject == principal.party_id and principal.has(roles.LENDER)
    if kind == "project":
        return park_operator is not None and park_operator == principal.party_id and principal.has(roles.PARK_OPERATOR)
    return False


def may_read_record(principal: Principal, signer: str, entry_type: str) -> bool:
    """Whether ``principal`` may read a log record of ``entry_type`` signed by ``signer``."""
    return principal.reads_everything or signer == principal.party_id or entry_type in PUBLIC_RECORD_TYPES


def may_read_loan(principal: Principal, lender: str, *, park_operator: str | None) -> bool:
    """A loan: its lender, the operator of the financed project's park, and full readers."""
    if principal.reads_everything or (lender == principal.party_id and principal.has(roles.LENDER)):
        return True
    return park_operator is not None and park_operator == principal.party_id and principal.has(roles.PARK_OPERATOR)


def may_read_verification(principal: Principal, verifier: str, *, park_operator: str | None) -> bool:
    """A verified reduction: its verifier, the operator of the project's park, and full readers."""
    if principal.reads_everything or (verifier == principal.party_id and principal.has(roles.VERIFIER)):
        return True
    return park_operator is not None and park_operator == principal.party_id and principal.has(roles.PARK_OPERATOR)
