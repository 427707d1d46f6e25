"""Read API of the programme's projections: parks, statistics, projects, loans, verifications, rewards, credits.

Each resource is a paginated list with equality filters and a detail route; the response schemas are
derived from the entity dataclasses, so what the API shows is exactly what the rules maintain.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

from urllib.parse import urlencode

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ledger import errors
from ledger.api import auth
from ledger.api.body import page_limit, runtime
from ledger.api.problems import problem_doc
from ledger.api.query import Blueprint
from ledger.api.schemas import INT_CONVERTER, MAX_BIGINT
from ledger.crypto.canonical import b64encode
from ledger.domain.entities import (
    CreditBlock,
    Entity,
    Loan,
    Park,
    ParkAssessment,
    ParkStatistics,
    ParkTargets,
    ProgrammeTargets,
    Project,
    RewardDisbursement,
    RewardProgram,
    Verification,
)
from ledger.domain import access, roles
from ledger.domain.access import Principal
from ledger.domain.fields import Base64Bytes, DecimalString, UtcTimestamp
from ledger.services import reads
from ledger.tabular_xlsx import XLSX_CONTENT_TYPE, to_xlsx

blp = Blueprint("programme", __name__, url_prefix="/v1", description="The programme as the log has made it")


def _field_for(hint: Any, places: int | None) -> fields.Field:
    nullable = typing.get_origin(hint) is not None and type(None) in typing.get_args(hint)
    if nullable:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    options: dict[str, Any] = {"required": True, "allow_none": nullable}
    if hint is Decimal:
        assert places is not None
        return DecimalString(places=places, **options)
    if hint is datetime:
        return UtcTimestamp(**options)
    if hint is bytes:
        return Base64Bytes(**options)
    if typing.get_origin(hint) is tuple:
        return fields.List(fields.Integer() if typing.get_args(hint)[0] is int else fields.String(), **options)
    simple: dict[Any, type[fields.Field]] = {str: fields.String, int: fields.Integer, bool: fields.Boolean}
    return simple[hint](**options)


def entity_schema(kind: type[Entity], **derived: fields.Field) -> type[Schema]:
    """A response schema with one field per dataclass field, plus ``derived`` read-only properties."""
    hints = typing.get_type_hints(kind)
    attrs: dict[str, Any] = {f.name: _field_for(hints[f.name], f.metadata.get("places")) for f in dataclasses.fields(kind)}
    attrs.update(derived)
    return Schema.from_dict(attrs, name=kind.__name__)


def _page_schema(item: type[Schema], key_type: type[fields.Field]) -> type[Schema]:
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next": key_type(allow_none=True, required=True, metadata={"description": "pass as `after` for the next page; null at the end"}),
        },
        name=f"{item.__name__}Page",
    )


def _query_schema(kind: type[Entity], filters: tuple[str, ...], key_type: type[fields.Field]) -> type[Schema]:
    attrs: dict[str, Any] = {
        "after": key_type(
            load_default=None,
            validate=validate.Range(min=-MAX_BIGINT - 1, max=MAX_BIGINT) if key_type is fields.Integer else None,
            metadata={"description": f"cursor: items whose {kind.KEY} sorts after this"},
        ),
        "limit": fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={"description": "page size"}),
    }
    attrs.update({name: fields.String(load_default=None, metadata={"description": f"only items with this {name}"}) for name in filters})
    attrs["format"] = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "xlsx"]),
        metadata={"description": "xlsx: the same page as a workbook, one row per item and one column per field; a Link header (rel=next) names the next page"},
    )
    return Schema.from_dict(attrs, name=f"{kind.__name__}Query")


def _list_doc(page: type[Schema]) -> dict[str, Any]:
    """``?format=xlsx`` answers the same 200 with a workbook: the doc names both bodies."""
    return {
        "responses": {
            "200": {
                "description": "OK",
                "content": {
                    "application/json": {"schema": page},
                    XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary", "description": "the page's items as one sheet (format=xlsx)"}},
                },
            }
        }
    }


def _xlsx_value(value: Any) -> Any:
    """A field's value as a workbook cell: numbers and times typed, bytes as the base64 the API shows."""
    if isinstance(value, bytes):
        return b64encode(value)
    if isinstance(value, tuple):
        return ";".join(str(v) for v in value)
    return value


def xlsx_page(kind: type[Entity], item: type[Schema], items: list[Any], next_key: Any) -> Response:
    """A list page as a workbook (its columns are the JSON item's fields, in order) with a ``Link`` to the next."""
    names = list(item().fields)
    body = to_xlsx(names, ([_xlsx_value(getattr(entity, name)) for name in names] for entity in items), title=kind.__name__)
    response = Response(body, content_type=XLSX_CONTENT_TYPE)
    stem = request.path.rstrip("/").rsplit("/", 1)[-1]
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    if next_key is not None:
        query = {**request.args.to_dict(), "after": str(next_key)}
        response.headers["Link"] = f'<{request.path}?{urlencode(query)}>; rel="next"'
    return response


class OwnedScope:
    """Read scope of a confidential kind: full readers see all; its owner (``owner_field``, in ``role``) its
    own; a park operator those about projects in its parks, asked for one project at a time."""

    def __init__(self, owner_field: str, role: str, may_read: Callable[..., bool]) -> None:
        self.owner_field = owner_field
        self.role = role
        self.may_read = may_read

    def narrow(self, who: Principal, given: dict[str, Any]) -> dict[str, Any]:
        """The list filters this principal may use: ``given``, with the owner forced where it must be."""
        if who.reads_everything:
            return given
        if who.has(self.role):
            if given.get(self.owner_field) not in (None, who.party_id):
                raise errors.Forbidden(f"you may list only your own ({self.owner_field}={who.party_id!r})", field=self.owner_field)
            return {**given, self.owner_field: who.party_id}
        if who.has(roles.PARK_OPERATOR):
            project = given.get("project_id")
            if project is None or reads.park_operator_of_project(runtime(), project) != who.party_id:
                raise errors.Forbidden("a park operator lists these one project of its own parks at a time", field="project_id")
            return given
        raise errors.Forbidden("your roles give no read access to these records")

    def check(self, who: Principal, entity: Any) -> None:
        operator = reads.park_operator_of_project(runtime(), entity.project_id) if who.has(roles.PARK_OPERATOR) else None
        if not self.may_read(who, getattr(entity, self.owner_field), park_operator=operator):
            raise errors.Forbidden("this record belongs to another party")


def resource(
    path: str, kind: type[Entity], *, filters: tuple[str, ...] = (), scope: OwnedScope | None = None, **derived: fields.Field
) -> None:
    """Register ``GET /v1/<path>`` (paginated, filtered) and ``GET /v1/<path>/<key>`` for ``kind``."""
    key_type: type[fields.Field] = fields.Integer if typing.get_type_hints(kind)[kind.KEY] is int else fields.String
    item = entity_schema(kind, **derived)
    page = _page_schema(item, key_type)
    query = _query_schema(kind, filters, key_type)
    noun = kind.__name__

    @blp.arguments(query, location="query", as_kwargs=True)
    @blp.response(200, page)
    @blp.doc(**_list_doc(page))
    def get_list(self: MethodView, after: Any, limit: int | None, format: str, **given: str | None) -> dict[str, Any] | Response:
        if scope is not None:
            given = scope.narrow(auth.principal(), given)
        result = reads.list_entities(runtime(), kind, after=after, limit=page_limit(limit), **given)
        if format == "xlsx":
            return xlsx_page(kind, item, result.items, result.next)
        return {"items": result.items, "next": result.next}

    get_list.__doc__ = f"List {noun} records, in key order, with a cursor (JSON, or ?format=xlsx)"

    @blp.response(200, item)
    @blp.alt_response(404, **problem_doc())
    def get_one(self: MethodView, key: Any) -> Entity:
        entity = reads.get_entity(runtime(), kind, key)
        if scope is not None:
            scope.check(auth.principal(), entity)
        return entity

    get_one.__doc__ = f"One {noun}, with the log indices it was built from"

    converter = INT_CONVERTER if key_type is fields.Integer else "path"  # ids may contain "/"
    blp.route(f"/{path}", endpoint=f"{path}-list")(type(f"{noun}List", (MethodView,), {"get": get_list}))
    blp.route(f"/{path}/<{converter}:key>", endpoint=f"{path}-detail")(type(f"{noun}Detail", (MethodView,), {"get": get_one}))


resource("parks", Park, filters=("operator", "economic_zone", "city"))
resource("park-statistics", ParkStatistics, filters=("park_id",))
resource(
    "projects",
    Project,
    filters=("park_id", "category"),
    total_investment=DecimalString(places=2, metadata={"description": "equity + debt"}),
)
resource(
    "loans",
    Loan,
    filters=("lender", "project_id"),
    scope=OwnedScope("lender", roles.LENDER, access.may_read_loan),
    outstanding=DecimalString(places=2, metadata={"description": "disbursed − repaid"}),
)
resource(
    "verifications",
    Verification,
    filters=("project_id", "verifier"),
    scope=OwnedScope("verifier", roles.VERIFIER, access.may_read_verification),
)
resource("programme-targets", ProgrammeTargets)
resource("park-targets", ParkTargets, filters=("park_id",))
resource("park-assessments", ParkAssessment, filters=("park_id",))
resource("reward-programs", RewardProgram, remaining=DecimalString(places=2, metadata={"description": "budget − disbursed"}))
resource("reward-disbursements", RewardDisbursement, filters=("program_id", "project_id", "park_id"))
resource(
    "credit-blocks",
    CreditBlock,
    filters=("holder", "verification_id", "status"),
    quantity=fields.Integer(metadata={"description": "serials in the block (tCO2e)"}),
)


class NextSerialSchema(Schema):
    next_serial = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "the first serial above every credit block issued so far (1 when there are none), to use as the "
            "next credits.issued's serial_start; null when a block already ends at the largest serial (2^53 - 1)"
        },
    )


# The detail route takes integer keys only, so it never claims "next-serial".
@blp.route("/credit-blocks/next-serial")
class NextSerial(MethodView):
    @blp.response(200, NextSerialSchema)
    def get(self) -> dict[str, Any]:
        """The next free credit serial: one past the highest serial any block holds"""
        return {"next_serial": reads.next_credit_serial(runtime())}


class HoldingSchema(Schema):
    vintage = fields.Integer(required=True)
    status = fields.String(required=True)
    quantity = fields.Integer(required=True)
    blocks = fields.Integer(required=True)


class HoldingsSchema(Schema):
    holder = fields.String(required=True)
    holdings = fields.List(fields.Nested(HoldingSchema), required=True)


@blp.route("/accounts/<holder>/holdings")
class Holdings(MethodView):
    @blp.response(200, HoldingsSchema)
    def get(self, holder: str) -> dict[str, Any]:
        """Credits an account holds, by vintage and status"""
        return {"holder": holder, "holdings": reads.holdings(runtime(), holder)}
