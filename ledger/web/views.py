"""The pages: each view reads through the services (reports, reads) and hands the result to a template."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ledger import errors
from ledger.api import auth
from ledger.api.body import runtime
from ledger.api.problems import http_error_response, status_for
from ledger.api.schemas import INT_CONVERTER
from ledger.crypto.canonical import b64encode
from ledger.domain import access, roles
from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.entities import Party, RewardProgram
from ledger.services import reads
from ledger.services.reports import make_report
from ledger.services.sessions import end_session, start_session
from ledger.services.tokens import authenticate
from ledger.services.witnessing import cosigned_checkpoint
from ledger.web import apidoc, charts, explorer, i18n, params, script_messages, sources, vocabulary

#: No url_prefix: the pages live under /ui, and / (which sends a visitor there) belongs to the blueprint too,
#: so the API's gate leaves all of them to ``_require_sign_in``.
bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/ui/static")

PAGE_SIZE = 50
MAX_LISTED = 200
#: Reachable without a principal; every other page sends the visitor to sign in.
OPEN_ENDPOINTS = frozenset({"web.sign_in", "web.sign_out", "web.set_language", "web.static"})
#: Every form the pages post carries Flask-WTF's token (``csrf_token()`` in templates).
csrf = CSRFProtect()


@bp.before_request
def _check_form_token() -> None:
    """Every POST the pages take (sign-in and sign-out now, the write forms later) must carry the form
    token of this browser's session: a form on another site cannot. A CSRFError is a 400 page."""
    csrf.protect()


@bp.before_request
def _require_sign_in() -> Response | None:
    """The API's gate authenticated the bearer token or the server-side session; without one, sign in."""
    if request.endpoint in OPEN_ENDPOINTS or auth.current_principal() is not None:
        return None
    session.pop(auth.SESSION_ID, None)  # unknown, ended, idle, or its token revoked: ask for a new one
    return redirect(url_for("web.sign_in", next=_this_page()))


@bp.after_request
def _vary_by_language(response: Response) -> Response:
    """A page is in the language of the visitor's cookie or Accept-Language: caches must keep them apart."""
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _this_page() -> str:
    return request.full_path if request.query_string else request.path


def _safe_next(target: str | None) -> str:
    """Only a page of this site (``params.local_link``), else the dashboard."""
    return params.local_link(target) or url_for("web.dashboard")


def _sign_in_form(error: str | None, status: int) -> tuple[str, int]:
    return render_template("web/sign_in.html", error=error, next=_safe_next(request.values.get("next"))), status


@bp.route("/ui/sign-in", methods=["GET", "POST"])
def sign_in() -> tuple[str, int] | Response:
    """Sign in with an API token (``greenledger tokens issue PARTY_ID``): the server keeps a session
    that names the token's id; the cookie carries only the session's random id."""
    if request.method == "GET":
        return _sign_in_form(None, 200)
    token = request.form.get("token", "").strip()
    principal = authenticate(runtime(), token) if token else None
    if principal is None:
        return _sign_in_form(_("That token is unknown, expired or revoked: try again."), 401)
    end_session(runtime(), session.get(auth.SESSION_ID))
    session.clear()  # a new session id and a new form token: nothing chosen before sign-in survives it
    session[auth.SESSION_ID] = start_session(runtime(), principal)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/ui/language", methods=["POST"])
def set_language() -> Response:
    """The language switch on every page: remember the choice in a cookie and go back to the page."""
    chosen = i18n.BY_TAG.get(request.form.get("lang", ""))
    response = redirect(_safe_next(request.form.get("next")))
    return i18n.remember(response, chosen.tag) if chosen else response


@bp.route("/ui/sign-out", methods=["POST"])
def sign_out() -> Response:
    """End the server-side session: a copy of the cookie opens nothing after this."""
    end_session(runtime(), session.get(auth.SESSION_ID))
    session.clear()
    return redirect(url_for("web.sign_in"))


def can_read(kind: str, subject: str | None) -> bool:
    """Whether the signed-in party may open the ``kind`` page on ``subject`` (to link it or not)."""
    who = auth.current_principal()
    if who is None:
        return False
    if who.reads_everything or kind in access.AGGREGATE_REPORTS:
        return True
    try:
        auth.require_report_access(kind, subject)
    except errors.Forbidden:
        return False
    return True


def _tree_size() -> int | None:
    return params.optional_index("tree_size", minimum=1)


def _report(kind: str, subject: str | None) -> dict[str, Any]:
    """The signed report as the API serves it, if the signed-in party may read it (else a 403 page)."""
    auth.require_report_access(kind, subject)
    return make_report(runtime(), kind, subject, tree_size=_tree_size()).as_json()


def entry_url(index: int) -> str:
    return url_for("web.entry", index=index)


def entries_url(indices: list[int] | tuple[int, ...]) -> str:
    """One entry's page, or the explorer listing several by index."""
    indices = sorted(set(indices))
    if len(indices) == 1:
        return entry_url(indices[0])
    return url_for("web.log", indices=",".join(str(i) for i in indices))


@bp.app_template_filter("num")
def format_number(value: Any) -> str:
    """A decimal string as the page's locale writes it, unchanged in its digits ("1234.50" -> "1,234.50")."""
    return i18n.exact(value)


bp.add_app_template_filter(i18n.compact, "compact")
bp.add_app_template_filter(i18n.percent, "pct")
bp.add_app_template_filter(i18n.moment, "moment")
bp.add_app_template_filter(i18n.day, "day")
bp.add_app_template_filter(i18n.is_compacted, "compacted")
bp.add_app_template_filter(i18n.language_of, "language_of")
bp.add_app_template_filter(vocabulary.role_name, "role_name")
bp.add_app_template_filter(vocabulary.target_name, "target_name")


@bp.app_template_filter("b64")
def format_b64(value: bytes) -> str:
    return b64encode(value)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "entry_url": entry_url,
        "entries_url": entries_url,
        "can_read": can_read,
        "principal": auth.current_principal(),
        "language": i18n.language(),
        "languages": i18n.LANGUAGES,
        "this_page": _this_page(),
        "period": i18n.period,
        "entry_type_name": vocabulary.entry_type_name,
        "finding_name": vocabulary.finding_name,
        "severity_name": vocabulary.severity_name,
        "target_status_name": vocabulary.target_status_name,
        "target_name": vocabulary.target_name,
        "zone_name": vocabulary.zone_name,
        "role_name": vocabulary.role_name,
        "city_name": vocabulary.city_name,
        "currency_unit": vocabulary.currency_unit,
        "park_name": vocabulary.park_name,
        "other_park_name": vocabulary.other_park_name,
        "script_messages": script_messages.messages,
    }


def _error_page(status: int, title: str, detail: str | None, hint: str | None = None) -> tuple[str, int]:
    return render_template("web/error.html", status=status, title=title, detail=detail, hint=hint), status


@bp.errorhandler(errors.LedgerError)
def _ledger_error(exc: errors.LedgerError) -> tuple[str, int]:
    status = status_for(exc)
    return _error_page(status, vocabulary.problem_name(exc.code, exc.title), exc.detail, vocabulary.status_hint(status))


@bp.errorhandler(CSRFError)
def _form_token_error(exc: CSRFError) -> tuple[str, int]:
    """A form without this session's token: sign-in shows its form again, anything else a 400 page."""
    if request.endpoint == "web.sign_in":
        return _sign_in_form(_("The form expired or did not come from this site: sign in again."), 400)
    return _error_page(400, _("Form expired"), _("The form expired or did not come from this site: open the page again and repeat."))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[str, int]:
    status = exc.code or 500
    title, hint = vocabulary.http_status(status)
    return _error_page(status, title or exc.name, None if hint else exc.description, hint)


def unrouted_error(exc: HTTPException) -> Any:
    """A URL under /ui that matches no page (or not with this method) is answered with a page too; the
    API's paths keep their problem+json."""
    if request.path.startswith("/ui/"):
        return _http_error(exc)
    return http_error_response(exc)


@bp.route("/ui/")
def dashboard() -> str:
    """The 17 parks on one page: financing against verified reductions, intensity, exceptions."""
    summary = _report("summary", None)
    parks = summary["report"]["figures"]["parks"]
    park_reports = {p["park_id"]: _report("park", p["park_id"])["report"] for p in parks}
    open_exceptions = {park_id: len(r["exceptions"]) for park_id, r in park_reports.items()}

    def park_link(park_id: str) -> str:
        return url_for("web.park", park_id=park_id)

    names = [vocabulary.park_name(p["name"]) for p in parks]
    links = [park_link(p["park_id"]) for p in parks]
    intensity = charts.intensity_multiples(
        [(p["park_id"], name, park_reports[p["park_id"]]["figures"]["periods"]) for p, name in zip(parks, names)], park_link
    )
    baselines = {park_id: r["figures"]["park"]["baseline_intensity"] for park_id, r in park_reports.items()}
    latest = {park_id: (r["figures"]["periods"][-1] if r["figures"]["periods"] else None) for park_id, r in park_reports.items()}
    programs = sources.everything(runtime(), RewardProgram)
    lenders = [p for p in sources.everything(runtime(), Party) if roles.LENDER in p.roles and can_read("lender", p.party_id)]
    progress = _report("programme", None)["report"]["figures"]["years"]
    return render_template(
        "web/dashboard.html",
        progress=progress[-1] if progress else None,
        signed=summary,
        report=summary["report"],
        parks=parks,
        open_exceptions=open_exceptions,
        baselines=baselines,
        latest=latest,
        financing_chart=charts.park_financing(parks, names, links),
        rewards_chart=charts.park_rewards(parks, names, links),
        reductions_chart=charts.park_reductions(parks, names, links),
        intensity_chart=intensity,
        programs=programs,
        lenders=lenders,
    )


@bp.route("/ui/programme")
def programme() -> str:
    """The pilot programme against its targets: output value toward the goals, the parks' standing."""
    signed = _report("programme", None)
    return render_template("web/programme.html", signed=signed, report=signed["report"])


@bp.route("/ui/parks/<path:park_id>")
def park(park_id: str) -> str:
    signed = _report("park", park_id)
    figures = signed["report"]["figures"]
    return render_template(
        "web/park.html",
        signed=signed,
        report=signed["report"],
        figures=figures,
        sources=sources.park_sources(runtime(), park_id),
        intensity_chart=charts.park_intensity(figures["periods"], figures["park"]["baseline_intensity"], entry_url),
        # Only periods a year long set their total against the baseline year's (the report leaves the others' change empty).
        emissions_chart=charts.park_emissions(
            [p for p in figures["periods"] if p["emissions_change_percent"] is not None], figures["park"]["baseline_emissions"], entry_url
        ),
        csv_url=url_for("reports.park-report", subject=park_id, format="csv", tree_size=_tree_size()),
        json_url=url_for("reports.park-report", subject=park_id, tree_size=_tree_size()),
    )


@bp.route("/ui/projects/<path:project_id>")
def project(project_id: str) -> str:
    signed = _report("project", project_id)
    figures = signed["report"]["figures"]
    found = sources.project_sources(runtime(), project_id)
    return render_template(
        "web/project.html",
        signed=signed,
        report=signed["report"],
        figures=figures,
        sources=found,
        financing_chart=charts.project_financing(
            figures["financing"]["lenders"], lambda lender: url_for("web.lender", lender=lender) if can_read("lender", lender) else None
        ),
        vintage_chart=charts.reductions_by_vintage(figures["reductions"]["by_vintage"], lambda v: entries_url(found["vintages"].get(v, []))),
        csv_url=url_for("reports.project-report", subject=project_id, format="csv", tree_size=_tree_size()),
        json_url=url_for("reports.project-report", subject=project_id, tree_size=_tree_size()),
    )


@bp.route("/ui/lenders/")
def lenders() -> str:
    parties = [p for p in sources.everything(runtime(), Party) if roles.LENDER in p.roles and can_read("lender", p.party_id)]
    return render_template("web/lenders.html", lenders=parties)


@bp.route("/ui/lenders/<path:lender>")
def lender(lender: str) -> str:
    signed = _report("lender", lender)
    party = reads.get_entity(runtime(), Party, lender)
    figures = signed["report"]["figures"]
    return render_template(
        "web/lender.html",
        party=party,
        signed=signed,
        report=signed["report"],
        figures=figures,
        sources=sources.lender_sources(runtime(), lender),
        projects_chart=charts.lender_projects(
            figures["projects"], lambda p: url_for("web.project", project_id=p) if can_read("project", p) else None
        ),
        csv_url=url_for("reports.lender-report", subject=lender, format="csv", tree_size=_tree_size()),
        json_url=url_for("reports.lender-report", subject=lender, tree_size=_tree_size()),
    )


@bp.route("/ui/reward-programs/<path:program_id>")
def program(program_id: str) -> str:
    signed = _report("reward-program", program_id)
    figures = signed["report"]["figures"]
    entity = reads.get_entity(runtime(), RewardProgram, program_id)

    def project_link(project_id: str) -> str | None:
        return url_for("web.project", project_id=project_id) if can_read("project", project_id) else None

    if entity.kind == "park-success":
        return render_template(
            "web/park_program.html",
            signed=signed,
            report=signed["report"],
            figures=figures,
            program=entity,
            budget_chart=charts.programme_budget(figures),
            csv_url=url_for("reports.reward-program-report", subject=program_id, format="csv", tree_size=_tree_size()),
            json_url=url_for("reports.reward-program-report", subject=program_id, tree_size=_tree_size()),
        )
    return render_template(
        "web/program.html",
        signed=signed,
        report=signed["report"],
        figures=figures,
        program=entity,
        cap=entity.cap_per_project,
        budget_chart=charts.programme_budget(figures),
        paid_chart=charts.paid_per_project(figures["disbursements"], entity.cap_per_project, project_link),
        csv_url=url_for("reports.reward-program-report", subject=program_id, format="csv", tree_size=_tree_size()),
        json_url=url_for("reports.reward-program-report", subject=program_id, tree_size=_tree_size()),
    )


@bp.route("/ui/log/")
def log() -> str:
    """Entries newest first, filtered by type and signer, or exactly the entries a figure names."""
    entry_type = request.args.get("type") or None
    scope = auth.entry_signer_scope(entry_type)  # a party that is no full reader sees the records it signed
    signer = scope or request.args.get("signer") or None
    before = params.optional_index("before")
    listed = request.args.get("indices", "")
    hidden = 0
    if listed:
        items = []
        for index in params.index_list(listed, "indices", most=MAX_LISTED):
            try:
                found = reads.get_entry(runtime(), index)
            except errors.EntryNotFound:
                continue
            if access.may_read_record(auth.principal(), found.signer, found.entry_type):
                items.append(found)
            else:
                hidden += 1
        page = explorer.NewestPage(items, None)
    else:
        page = explorer.newest_entries(
            runtime(), before=before, limit=PAGE_SIZE, entry_type=entry_type, signer=signer
        )
    info = reads.log_info(runtime())
    return render_template(
        "web/log.html",
        page=page,
        rows=[(e, e.record_json()["envelope"]) for e in page.items],
        entry_types=sorted(ENTRY_TYPES, key=vocabulary.entry_type_name),
        entry_type=entry_type,
        signer=signer,
        listed=listed,
        hidden=hidden,
        scope=scope,
        tree_size=info.tree_size,
    )


@bp.route(f"/ui/log/entries/<{INT_CONVERTER}:index>")
def entry(index: int) -> str:
    stored = reads.get_entry(runtime(), index)
    auth.require_record_access(stored.signer, stored.entry_type)
    record = stored.record_json()
    info = reads.log_info(runtime())
    return render_template(
        "web/entry.html",
        entry=stored,
        record=record,
        record_json=json.dumps(record, indent=2, ensure_ascii=False),
        signature=explorer.signature_status(runtime(), stored),
        proof=explorer.proof_view(runtime(), stored),
        verifier_key=info.identity.verifier_key,
        origin=info.identity.origin,
    )


@bp.route("/ui/log/checkpoints")
def checkpoints() -> str:
    """The latest signed checkpoint, the history of those the log signed (newest first, paged), and the
    tree heads this browser has kept, checked for consistency."""
    checkpoint = reads.latest_checkpoint(runtime())
    info = reads.log_info(runtime())
    before = params.optional_index("before")
    history = reads.checkpoint_history(runtime(), before=before, limit=HISTORY_PAGE)
    return render_template(
        "web/checkpoints.html",
        checkpoint=checkpoint,
        note=cosigned_checkpoint(runtime(), checkpoint),
        history=history,
        verifier_key=info.identity.verifier_key,
        origin=info.identity.origin,
    )


#: Checkpoints per page of the history.
HISTORY_PAGE = 50


@bp.route("/ui/api")
def api_doc() -> str:
    spec = apidoc.load_spec(current_app.extensions["ledger_api"].spec.to_dict())
    return render_template("web/api.html", doc=apidoc.document(spec), markup=Markup)


@bp.route("/")
def root() -> Response:
    return redirect(url_for("web.dashboard"))
