"""Signed reconciliation reports: JSON (signed with the checkpoint key) or CSV for spreadsheets."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from werkzeug.utils import secure_filename

from ledger.api import auth
from ledger.api.body import runtime
from ledger.api.problems import problem_doc
from ledger.api.query import Blueprint
from ledger.reconciliation.reports import KINDS, SUBJECTLESS, SUBJECTS
from ledger.services.reports import SignedReport, make_report
from ledger.tabular_xlsx import XLSX_CONTENT_TYPE

blp = Blueprint("reports", __name__, url_prefix="/v1/reports", description="Reconciliation of financing and verified reductions")

SUBJECT_KINDS = [k for k in KINDS if k not in SUBJECTLESS]


class ReportQuerySchema(Schema):
    tree_size = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={"description": "report on the log's first tree_size entries (default: the latest checkpoint)"})
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv", "xlsx"]),
        metadata={"description": "csv or xlsx: the report's table for spreadsheets (a comment line or row, the header, the rows); json: the signed report"},
    )


class SignedReportSchema(Schema):
    report = fields.Dict(required=True, metadata={"description": "kind, subject, origin, tree_size, root_hash, as_of, method, figures, exceptions"})
    signature = fields.String(required=True, metadata={"format": "byte", "description": "Ed25519 by the checkpoint key over JCS(report)"})


#: ``?format=csv`` answers the same 200 with a CSV table; the doc names both bodies (a manual doc
#: replaces the response's generated one rather than adding to it).
CSV_DOC = {
    "responses": {
        "200": {
            "description": "OK",
            "content": {
                "application/json": {"schema": SignedReportSchema},
                "text/csv": {"schema": {"type": "string", "description": "the report's table after one comment line"}},
                XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary", "description": "the same table as a workbook (format=xlsx)"}},
            },
        }
    }
}


def _answer(signed: SignedReport, format: str) -> Response:
    if format == "csv":
        return Response(signed.as_csv(), content_type="text/csv; charset=utf-8")
    if format == "xlsx":
        response = Response(signed.as_xlsx(), content_type=XLSX_CONTENT_TYPE)
        name = "-".join(str(part) for part in (signed.body["kind"], signed.body["subject"], signed.body["tree_size"]) if part)
        response.headers["Content-Disposition"] = f'attachment; filename="{secure_filename(name) or "report"}.xlsx"'
        return response
    # The signed canonical bytes are already JSON: answering with them saves encoding the report again.
    return Response(signed.json_bytes(), content_type="application/json")


@blp.route("/summary")
class Summary(MethodView):
    @blp.arguments(ReportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, SignedReportSchema)
    @blp.doc(**CSV_DOC)
    @blp.alt_response(400, **problem_doc("tree_size out of range"))
    def get(self, tree_size: int | None, format: str) -> Response:
        """Programme-wide summary over all parks, with every exception"""
        return _answer(make_report(runtime(), "summary", None, tree_size=tree_size), format)


@blp.route("/programme")
class Programme(MethodView):
    @blp.arguments(ReportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, SignedReportSchema)
    @blp.doc(**CSV_DOC)
    @blp.alt_response(400, **problem_doc("tree_size out of range"))
    def get(self, tree_size: int | None, format: str) -> Response:
        """The pilot programme against its targets, per target year: output value, green industry, emissions, coal, clean energy, assessments and park rewards"""
        return _answer(make_report(runtime(), "programme", None, tree_size=tree_size), format)


PATHS = {"project": "projects", "lender": "lenders", "park": "parks", "reward-program": "reward-programs"}


def _subject_route(kind: str) -> None:
    @blp.arguments(ReportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, SignedReportSchema)
    @blp.doc(**CSV_DOC)
    @blp.alt_response(400, **problem_doc("tree_size out of range"))
    @blp.alt_response(404, **problem_doc(f"unknown-subject: no {SUBJECTS[kind][1]} of this id at this tree size{' (or a party that is no lender)' if kind == 'lender' else ''}"))
    @blp.alt_response(403, **problem_doc("The token's party may not read this report; checked first, so it never learns whether the subject exists"))
    def get(self: MethodView, subject: str, tree_size: int | None, format: str) -> Response:
        auth.require_report_access(kind, subject)
        return _answer(make_report(runtime(), kind, subject, tree_size=tree_size), format)

    get.__doc__ = f"Signed {kind} report (JSON, or ?format=csv or xlsx)"
    view = type(f"{kind.title().replace('-', '')}Report", (MethodView,), {"get": get})
    blp.route(f"/{PATHS[kind]}/<path:subject>", endpoint=f"{kind}-report")(view)


for _kind in SUBJECT_KINDS:
    _subject_route(_kind)
