"""The write forms: pages that sign an entry in the browser and post it to the API's own write route.

The server renders a form from the payload schema (``ledger.web.forms``) with what helps fill it in (the
ids already in the log, the next free credit serial, the server's clock); the page's script
(``static/web/sign.js``) loads the party's private key from its file, builds and signs the envelope
there, and posts it to ``POST /v1/entries`` with the session and its form token. The private key never
leaves the browser; the server sees only the signed envelope, as from the command line.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template

from ledger.api import auth
from ledger.api.body import runtime
from ledger.crypto.canonical import format_timestamp
from ledger.domain import access
from ledger.domain.entities import Entity, Loan, Park, ParkAssessment, Party, Project, RewardProgram, Verification
from ledger.services import reads
from ledger.web import field_words, forms, vocabulary
from ledger.web.views import bp

#: How many of each kind of id a form offers to pick from (a datalist; any other id can be typed).
SUGGESTED = 1000

#: Payload field -> (projection, its id attribute, the attribute that names it, if any).
_SUGGESTIONS: dict[str, tuple[type[Entity], str, str | None]] = {
    "park": (Park, "park_id", "name"),
    "project": (Project, "project_id", "name"),
    "loan": (Loan, "loan_id", "project_id"),
    "program": (RewardProgram, "program_id", "name"),
    "verification": (Verification, "verification_id", "project_id"),
    "assessment": (ParkAssessment, "assessment_id", "park_id"),
    "operator": (Party, "party_id", "legal_name"),
    "holder": (Party, "party_id", "legal_name"),
    "to": (Party, "party_id", "legal_name"),
    "party": (Party, "party_id", "legal_name"),
}


def _suggestions(form: forms.Form, who: access.Principal) -> dict[str, list[tuple[str, str]]]:
    """Per id field of the form, the ids the log holds (a lender's own loans only), with what names them."""
    found = {}
    for f in form.fields:
        if f.name not in _SUGGESTIONS:
            continue
        kind, key, label = _SUGGESTIONS[f.name]
        filters = {"lender": who.party_id} if kind is Loan and not who.reads_everything else {}
        items = reads.list_entities(runtime(), kind, after=None, limit=SUGGESTED, **filters).items
        found[f.name] = [(getattr(item, key), str(getattr(item, label)) if label else "") for item in items]
    return found


def _problem_names() -> dict[str, str]:
    """Every problem code's name in the page's language, for the script to title the server's answers."""
    return {code: str(name) for code, name in vocabulary.PROBLEMS.items()}


@bp.route("/ui/sign")
def sign_index() -> str:
    """What the signed-in party may sign here, one form per entry type."""
    who = auth.principal()
    return render_template("web/sign_index.html", types=forms.signable_types(who.roles))


@bp.route("/ui/sign/<entry_type>")
def sign_form(entry_type: str) -> str:
    """The form of one entry type; 404 for a type without one, 403 for one the party may not sign."""
    who = auth.principal()
    if entry_type not in forms.ORDER:
        abort(404)
    if entry_type not in forms.signable_types(who.roles):
        abort(403)
    form = forms.form_for(entry_type)
    keys = [k.key_id for k in reads.keys_of(runtime(), who.party_id) if not k.revoked]
    values: dict[str, Any] = {}
    if entry_type == "credits.issued":
        values["serial_start"] = reads.next_credit_serial(runtime())
    return render_template(
        "web/sign_form.html",
        form=form,
        keys=keys,
        values=values,
        suggestions=_suggestions(form, who),
        server_time=format_timestamp(runtime().clock.now()),
        verifier_key=reads.log_info(runtime()).identity.verifier_key,
        problem_names=_problem_names(),
        words=field_words,
    )
