"""Human names, in the page's language, for the codes the log and the API use (which stay as they are).

One mapping per kind of code. A new entry type, problem code or exception code needs one line here
(and its Chinese in the catalogue); ``tests/web/test_vocabulary.py`` fails until it has both.
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from ledger.web import i18n

#: Every entry type of ``ledger.domain.catalog.ENTRY_TYPES``, as the pages name it.
ENTRY_TYPES: dict[str, LazyString] = {
    "ledger.genesis": _l("Ledger genesis"),
    "party.registered": _l("Party registered"),
    "key.added": _l("Signing key added"),
    "key.revoked": _l("Signing key revoked"),
    "checkpoint.key.rotated": _l("Checkpoint key rotated"),
    "park.registered": _l("Park registered"),
    "park.statistics.reported": _l("Park statistics reported"),
    "programme.targets.set": _l("Programme targets set"),
    "park.targets.set": _l("Park targets set"),
    "park.assessed": _l("Park assessed"),
    "project.registered": _l("Project registered"),
    "loan.registered": _l("Green loan registered"),
    "loan.disbursed": _l("Loan disbursed"),
    "loan.repaid": _l("Loan repaid"),
    "reduction.verified": _l("Emission reduction verified"),
    "reward.program.created": _l("Reward programme created"),
    "reward.disbursed": _l("Reward disbursed"),
    "credits.issued": _l("Carbon credits issued"),
    "credits.transferred": _l("Carbon credits transferred"),
    "credits.retired": _l("Carbon credits retired"),
    "credits.cancelled": _l("Carbon credits cancelled"),
    "entry.corrected": _l("Entry corrected"),
}

#: Problem codes (``LedgerError.code`` and the rule slugs of ``RuleViolation``), as a page names them.
PROBLEMS: dict[str, LazyString] = {
    "ledger-error": _l("Ledger error"),
    "invalid-input": _l("Invalid input"),
    "malformed-json": _l("Malformed JSON"),
    "invalid-decimal": _l("Invalid decimal string"),
    "invalid-timestamp": _l("Invalid timestamp"),
    "invalid-base64": _l("Invalid base64"),
    "non-canonical-value": _l("Value has no canonical encoding"),
    "unknown-query-parameter": _l("Unknown query parameter"),
    "repeated-query-parameter": _l("Repeated query parameter"),
    "unknown-entry-type": _l("Unknown entry type"),
    "batch-too-large": _l("Batch too large"),
    "invalid-signature": _l("Invalid signature"),
    "invalid-key": _l("Invalid key"),
    "unknown-key": _l("Unknown signing key"),
    "key-revoked": _l("Signing key revoked"),
    "signed-in-future": _l("Signed too far in the future"),
    "signed-too-old": _l("Signed too far in the past"),
    "signed-before-key-registration": _l("Signed before the signing key was registered"),
    "rule-violation": _l("Rule violation"),
    "role-not-allowed": _l("Signer lacks the required role"),
    "duplicate-id": _l("Identifier already registered"),
    "unknown-reference": _l("Referenced identifier does not exist"),
    "nonce-conflict": _l("Nonce already used with other content"),
    "ledger-not-initialized": _l("Ledger has no genesis entry"),
    "ledger-already-initialized": _l("Ledger already has a genesis entry"),
    "unauthenticated": _l("Authentication required"),
    "forbidden": _l("Forbidden"),
    "token-party-mismatch": _l("Token and signer are different parties"),
    "form-token-invalid": _l("Form token missing or invalid"),
    "entry-not-found": _l("Entry not found"),
    "not-found": _l("Not found"),
    "unknown-subject": _l("Unknown report subject"),
    "tree-size-out-of-range": _l("Tree size out of range"),
    "proof-mismatch": _l("Proof does not verify"),
    "invalid-checkpoint": _l("Invalid checkpoint"),
    "too-many-requests": _l("Too many requests"),
    "service-unavailable": _l("Service temporarily unavailable"),
    "verification-failed": _l("Verification failed"),
    "unreadable-spreadsheet": _l("Unreadable spreadsheet"),
    # The rules' own slugs (``RuleViolation(..., rule=...)`` in ledger/domain).
    "bad-rotation-signature": _l("Key rotation signature does not verify"),
    "correction-changes-identity": _l("A correction may not change the identifier"),
    "credits-exceed-reduction": _l("Credits exceed the verified reduction"),
    "currency-mismatch": _l("Currency does not match"),
    "disbursed-exceeds-principal": _l("Disbursed amount exceeds the principal"),
    "empty-period": _l("Empty period"),
    "entry-not-correctable": _l("This entry type cannot be corrected"),
    "genesis-not-first": _l("Genesis must be the first entry"),
    "genesis-only-at-init": _l("Genesis only at initialization"),
    "issued-vintage-fixed": _l("The vintage of issued credits cannot change"),
    "key-already-revoked": _l("Key already revoked"),
    "loans-exceed-investment": _l("Loans exceed the total investment"),
    "no-checkpoint-key": _l("No checkpoint key"),
    "no-investment": _l("Project has no investment"),
    "overlapping-monitoring-period": _l("Monitoring periods overlap"),
    "overlapping-serials": _l("Serial numbers overlap"),
    "overlapping-statistics-period": _l("Statistics periods overlap"),
    "party-lacks-role": _l("Party lacks the required role"),
    "principal-below-disbursed": _l("Principal below the amount disbursed"),
    "range-spans-blocks": _l("Serial range spans several blocks"),
    "reduction-already-rewarded": _l("Reduction already rewarded"),
    "reduction-arithmetic": _l("Reduction does not add up"),
    "reduction-not-positive": _l("Reduction is not positive"),
    "repaid-exceeds-disbursed": _l("Repaid amount exceeds the amount disbursed"),
    "reward-exceeds-budget": _l("Reward exceeds the programme's budget"),
    "reward-exceeds-project-cap": _l("Reward exceeds the cap per project"),
    "reward-exceeds-reductions": _l("Reward exceeds the verified reductions"),
    "reward-for-other-project": _l("Reward for another project's reduction"),
    "rewarded-reduction-fixed": _l("A rewarded reduction cannot change"),
    "same-checkpoint-key": _l("The new checkpoint key is the old one"),
    "self-revocation": _l("A key cannot revoke itself"),
    "transfer-to-self": _l("Transfer to the holder itself"),
    "vintage-outside-period": _l("Vintage outside the monitoring period"),
    "assessment-before-year-end": _l("The year is not over yet"),
    "assessment-figures-mismatch": _l("Figures differ from what the statistics give"),
    "assessment-of-other-year": _l("Assessment of another year"),
    "assessment-outcome-mismatch": _l("Outcome differs from what the figures and targets give"),
    "assessment-rewarded": _l("A rewarded success cannot be withdrawn"),
    "green-output-above-output": _l("Green output exceeds the total output"),
    "clean-energy-above-energy-use": _l("Clean energy exceeds the energy use"),
    "no-targets-for-year": _l("No targets for that year"),
    "park-already-assessed": _l("Park already assessed for that year"),
    "park-already-rewarded": _l("Park already rewarded by this programme"),
    "park-not-successful": _l("Park not assessed successful"),
    "reward-exceeds-park-award": _l("Reward exceeds the award per park"),
    "reward-for-other-park": _l("Reward for another park's assessment"),
    "statistics-assessed": _l("An assessment rests on these statistics"),
    "statistics-do-not-cover-year": _l("Statistics do not cover the calendar year"),
    "target-year-not-after-baseline": _l("Target year not after the baseline year"),
    "targets-after-target-year": _l("The target year is over"),
    "targets-decided-after-signing": _l("Targets decided after the entry was signed"),
    "targets-decided-after-target-year": _l("Targets decided after the target year"),
    "park-baseline-in-use": _l("Targets rest on the park's baseline"),
}

#: The reconciliation's exception codes (``Finding.code``) and severities.
FINDINGS: dict[str, LazyString] = {
    "attribution-over-100-percent": _l("Attribution over 100%"),
    "credits-beyond-verified-reduction": _l("Credits beyond the verified reduction"),
    "financing-without-verified-reduction": _l("Financing without a verified reduction"),
    "loans-beyond-total-investment": _l("Loans beyond the total investment"),
    "reward-beyond-verified-reduction": _l("Reward beyond the verified reduction"),
    "reward-without-verified-reduction": _l("Reward without a verified reduction"),
    "statistics-missing": _l("Statistics missing"),
    "park-target-missed": _l("Park missed a target"),
    "statistics-incomplete-for-target-year": _l("Statistics incomplete for the target year"),
    "assessment-contradicts-statistics": _l("Assessment contradicts the statistics"),
    "reward-to-park-not-successful": _l("Reward to a park not assessed successful"),
    "targets-set-after-target-year": _l("Targets recorded after their year"),
}
SEVERITIES: dict[str, LazyString] = {"error": _l("error"), "warning": _l("warning"), "information": _l("information")}

#: A park's standing in a target year (``ledger.reconciliation.targets``).
TARGET_STATUSES: dict[str, LazyString] = {
    "no-targets": _l("no targets set"),
    "in-progress": _l("year in progress"),
    "statistics-incomplete": _l("statistics incomplete"),
    "not-assessed": _l("not assessed yet"),
    "assessed-successful": _l("assessed successful"),
    "assessed-not-successful": _l("assessed not successful"),
}
#: The targets a park can miss (``ledger.domain.assessment.TARGET_NAMES``).
TARGETS: dict[str, LazyString] = {
    "intensity-reduction": _l("intensity reduction"),
    "emissions-cap": _l("emissions cap"),
    "coal-cap": _l("coal cap"),
    "clean-energy-share": _l("clean-energy share"),
}

#: Sichuan's economic zones (``ledger.domain.types.parks.ECONOMIC_ZONES``).
ZONES: dict[str, LazyString] = {
    "chengdu_plain": _l("Chengdu Plain"),
    "northeast_sichuan": _l("Northeast Sichuan"),
    "south_sichuan": _l("South Sichuan"),
    "panxi": _l("Panxi"),
    "northwest_sichuan": _l("Northwest Sichuan"),
}

#: The roles of ``ledger.domain.roles``.
ROLES: dict[str, LazyString] = {
    "admin": _l("admin"),
    "lender": _l("lender"),
    "department": _l("department"),
    "park_operator": _l("park operator"),
    "verifier": _l("verifier"),
    "auditor": _l("auditor"),
    "assessor": _l("assessor (expert library)"),
}

#: Sichuan's 21 prefecture-level divisions as the parks' registrations write them (a park's city is free
#: text; one the table does not know is shown as registered).
CITIES: dict[str, LazyString] = {
    "Chengdu": _l("Chengdu"),
    "Zigong": _l("Zigong"),
    "Panzhihua": _l("Panzhihua"),
    "Luzhou": _l("Luzhou"),
    "Deyang": _l("Deyang"),
    "Mianyang": _l("Mianyang"),
    "Guangyuan": _l("Guangyuan"),
    "Suining": _l("Suining"),
    "Neijiang": _l("Neijiang"),
    "Leshan": _l("Leshan"),
    "Nanchong": _l("Nanchong"),
    "Meishan": _l("Meishan"),
    "Yibin": _l("Yibin"),
    "Guang'an": _l("Guang'an"),
    "Dazhou": _l("Dazhou"),
    "Ya'an": _l("Ya'an"),
    "Bazhong": _l("Bazhong"),
    "Ziyang": _l("Ziyang"),
    "Aba": _l("Aba"),
    "Garzê": _l("Garzê"),
    "Liangshan": _l("Liangshan"),
}

#: Currencies a page writes as a word after a figure; any other is shown as its ISO 4217 code.
CURRENCIES: dict[str, LazyString] = {"CNY": _l("yuan")}


def _named(table: dict[str, LazyString], code: Any) -> str | None:
    found = table.get(str(code)) if code is not None else None
    return str(found) if found is not None else None


def entry_type_name(code: str) -> str:
    """The entry type's human name; a type this table does not know yet is shown as its code."""
    return _named(ENTRY_TYPES, code) or str(code)


def problem_name(code: str, fallback: str | None = None) -> str:
    return _named(PROBLEMS, code) or fallback or gettext("Error")


def finding_name(code: str) -> str:
    return _named(FINDINGS, code) or str(code)


def severity_name(code: str) -> str:
    return _named(SEVERITIES, code) or str(code)


def target_status_name(code: str) -> str:
    return _named(TARGET_STATUSES, code) or str(code)


def target_name(code: str) -> str:
    return _named(TARGETS, code) or str(code)


def zone_name(code: str) -> str:
    return _named(ZONES, code) or str(code).replace("_", " ")


def role_name(code: str) -> str:
    return _named(ROLES, code) or str(code)


def city_name(name: str) -> str:
    return _named(CITIES, name) or str(name)


def currency_unit(code: str) -> str:
    return _named(CURRENCIES, code) or str(code)


def _local_park_names() -> dict[str, str]:
    """The Chinese names of the programme's parks, by their registered (English) names.

    ``park.registered`` has one ``name``; until it has a field for the park's Chinese name, the pages
    take it from the demo programme's list (``ledger.demo.PARKS``), matched by the registered name
    so a park registered under another name is never given a wrong one.
    """
    from ledger.demo import PARKS

    return {park.name: park.name_zh for park in PARKS}


LOCAL_PARK_NAMES = _local_park_names()


def park_name(registered: str) -> str:
    """A park's name on this page: its own Chinese name on a Chinese page where one is known."""
    if i18n.language().tag == "zh-CN":
        return LOCAL_PARK_NAMES.get(registered, registered)
    return registered


def other_park_name(registered: str) -> str | None:
    """The park's name in the page's other language, to show beside it (None when there is none)."""
    local = LOCAL_PARK_NAMES.get(registered)
    if local is None:
        return None
    return registered if i18n.language().tag == "zh-CN" else local


#: What a page says for an HTTP status: its name, and a sentence on what to do.
HTTP_STATUSES: dict[int, tuple[LazyString, LazyString]] = {
    400: (_l("Bad request"), _l("A value in the address or the form is not valid: correct it and try again.")),
    401: (_l("Sign-in needed"), _l("Sign in with an API token to see this page.")),
    403: (_l("Forbidden"), _l("The signed-in party may not see this page.")),
    404: (_l("Not found"), _l("The log holds no such page, record or subject (at this tree size).")),
    405: (_l("Method not allowed"), _l("This page does not take that kind of request.")),
    409: (_l("Conflict"), _l("The request conflicts with what the log already holds.")),
    413: (_l("Request too large"), _l("The request is larger than the server accepts.")),
    422: (_l("Invalid input"), _l("A value in the address or the form is not valid: correct it and try again.")),
    429: (_l("Too many requests"), _l("Too many requests in a short time: wait a moment and try again.")),
    503: (_l("Service temporarily unavailable"), _l("The server cannot answer just now: try again in a moment.")),
}


def http_status(status: int) -> tuple[str | None, str | None]:
    """A status's name and hint in the page's language, (None, None) for one the table lacks."""
    found = HTTP_STATUSES.get(status)
    return (str(found[0]), str(found[1])) if found else (None, None)


def status_hint(status: int) -> str | None:
    return http_status(status)[1]
