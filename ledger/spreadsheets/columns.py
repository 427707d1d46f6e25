"""The columns of each entry type's sheet: its payload fields, in schema order, with Chinese aliases.

A sheet has one row per entry and a header row naming each column by its payload field
(``principal``) or an alias (``本金``). What a cell may hold comes from the field's marshmallow class in
the entry type's schema, the one the server checks (``ledger.domain.catalog``), so the importer never
keeps a second copy of the formats. Pure: no file, no network.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Mapping

from marshmallow import fields, validate

from ledger import errors
from ledger.domain.catalog import ENTRY_TYPES, GENESIS, entry_type
from ledger.domain.fields import Base64Bytes, DecimalString, UtcTimestamp
from ledger.domain.types.checkpoint_keys import ROTATED
from ledger.domain.types.corrections import CORRECTED

TEXT = "text"
DECIMAL = "decimal"
INTEGER = "integer"
BOOLEAN = "boolean"
TIMESTAMP = "timestamp"
BYTES = "bytes"
TEXT_LIST = "text-list"
INTEGER_LIST = "integer-list"

#: Types a sheet cannot carry: written by a server command, or whose payload nests another payload.
NOT_IMPORTED: Mapping[str, str] = {
    GENESIS: "the genesis entry is written only by `greenledger init`",
    ROTATED: "the checkpoint key rotates only by `greenledger checkpoint-key rotate` on the server",
    CORRECTED: "a correction carries a whole payload of another type; sign it with `greenledger sign`",
}

#: The programme is in yuan (``ledger.domain.payloads.CURRENCIES``): a sheet without a currency column
#: means CNY, which is written into every payload it signs.
DEFAULT_CURRENCY = "CNY"

#: Header aliases by payload field: what bank exports and officials' sheets call the column. Amounts
#: are in yuan (元); a column in 万元 is not an alias of anything, so it never passes for yuan.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "loan": ("贷款编号", "贷款号", "借据号"),
    "project": ("项目编号",),
    "principal": ("本金", "本金(元)", "贷款本金", "贷款金额", "合同金额"),
    "currency": ("币种", "货币"),
    "annual_rate_percent": ("年利率", "年利率(%)", "利率"),
    "term_months": ("期限(月)", "期限", "贷款期限(月)"),
    "exceeds_investment": ("超出总投资",),
    "amount": ("金额", "金额(元)"),
    "value_date": ("起息日", "日期", "交易日期"),
    "park": ("园区", "园区编号"),
    "name": ("名称",),
    "city": ("城市", "市州"),
    "economic_zone": ("经济区",),
    "leading_industries": ("主导产业",),
    "operator": ("运营方", "园区运营方"),
    "baseline_year": ("基准年",),
    "baseline_emissions": ("基准排放", "基准排放量", "基准排放(tCO2e)"),
    "baseline_output_value": ("基准产值", "基准产值(元)"),
    "period_start": ("期间开始", "开始日期"),
    "period_end": ("期间结束", "结束日期"),
    "output_value": ("产值", "工业产值", "产值(元)"),
    "energy_use_tce": ("能耗", "综合能耗", "综合能耗(吨标准煤)"),
    "total_emissions": ("排放总量", "总排放", "排放总量(tCO2e)"),
    "owner": ("业主", "项目业主"),
    "category": ("目录编码", "绿色产业目录"),
    "equity": ("资本金", "股本"),
    "debt": ("债务", "债务融资"),
    "expected_annual_reduction": ("预计年减排量",),
    "verification": ("核查编号",),
    "project_emissions": ("项目排放", "项目排放量"),
    "leakage": ("泄漏", "泄漏量"),
    "reduction": ("减排量",),
    "methodology": ("方法学",),
    "report_sha256": ("报告哈希", "报告SHA256"),
    "vintage": ("年份", "减排年份"),
    "program": ("奖励计划", "计划编号"),
    "budget": ("预算", "预算(元)"),
    "yuan_per_tco2e": ("每吨奖励", "元/吨"),
    "cap_per_project": ("单项目上限",),
    "disbursement": ("拨付编号",),
    "verifications": ("核查编号列表",),
    "serial_start": ("起始序号",),
    "serial_end": ("结束序号",),
    "holder": ("持有方",),
    "to": ("受让方",),
    "beneficiary": ("受益方",),
    "reason": ("原因", "理由"),
    "party": ("机构编号",),
    "legal_name": ("机构名称", "法定名称"),
    "unified_social_credit_code": ("统一社会信用代码", "信用代码"),
    "roles": ("角色",),
    "public_key": ("公钥",),
    "key_id": ("密钥编号",),
    "green_output_value": ("绿色低碳产业产值", "绿色产业产值"),
    "coal_consumption_tce": ("煤炭消费量", "煤炭消费量(吨标准煤)", "耗煤量"),
    "clean_energy_tce": ("清洁能源消费量", "清洁能源消费量(吨标准煤)"),
    "target_year": ("目标年份", "目标年"),
    "decided_at": ("决定日期", "印发日期"),
    "intensity_reduction_percent": ("强度下降率", "碳排放强度下降率(%)"),
    "emissions_cap": ("排放总量上限",),
    "coal_cap_tce": ("煤炭消费上限",),
    "min_clean_energy_share_percent": ("清洁能源占比下限", "清洁能源占比下限(%)"),
    "kind": ("类型", "奖励类型"),
    "award_per_park": ("每园区奖励",),
    "assessment": ("评估编号",),
    "statistics": ("统计条目",),
    "outcome": ("结论", "评估结论"),
    "intensity": ("碳排放强度",),
    "clean_energy_share_percent": ("清洁能源占比", "清洁能源占比(%)"),
}

#: Aliases that mean a different field for one type than ALIASES says.
TYPE_ALIASES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "park.registered": {"name": ("园区名称",)},
    "project.registered": {"name": ("项目名称",), "park": ("所属园区",)},
    "reward.program.created": {"name": ("计划名称",)},
    "loan.disbursed": {"amount": ("发放金额", "放款金额"), "value_date": ("发放日", "放款日期")},
    "loan.repaid": {"amount": ("还款金额",), "value_date": ("还款日", "还款日期")},
    "reward.disbursed": {"amount": ("拨付金额", "奖励金额")},
}

#: Words a cell may use for an allowed value (after NFKC and case folding).
VALUE_ALIASES: Mapping[str, Mapping[str, str]] = {
    "currency": {"cny": "CNY", "rmb": "CNY", "人民币": "CNY", "元": "CNY"},
    "economic_zone": {
        "成都平原经济区": "chengdu_plain",
        "成都平原": "chengdu_plain",
        "川东北经济区": "northeast_sichuan",
        "川东北": "northeast_sichuan",
        "川南经济区": "south_sichuan",
        "川南": "south_sichuan",
        "攀西经济区": "panxi",
        "攀西": "panxi",
        "川西北生态示范区": "northwest_sichuan",
        "川西北": "northwest_sichuan",
    },
    "roles": {
        "管理员": "admin",
        "审计": "auditor",
        "主管部门": "department",
        "贷款行": "lender",
        "银行": "lender",
        "核查机构": "verifier",
        "园区运营方": "park_operator",
    },
}


@dataclass(frozen=True)
class Column:
    """One payload field as a sheet holds it."""

    field: str
    kind: str
    required: bool
    #: Fractional digits of a decimal; the exact byte length of base64 bytes.
    places: int | None = None
    length: int | None = None
    aliases: tuple[str, ...] = ()
    #: Allowed values (OneOf) and the words that stand for them.
    choices: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] | None = None

    def describe(self) -> str:
        return f"{self.field} ({'/'.join(self.aliases)})" if self.aliases else self.field


def normalize_header(text: str) -> str:
    """What two headers must share to name the same column: NFKC (full-width brackets and letters),
    case folded, without spaces, underscores, hyphens or a byte-order mark."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if not c.isspace() and c not in "_-\ufeff\u200b")


def normalize_value(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _choices(field: fields.Field) -> tuple[str, ...]:
    for validator in getattr(field, "validators", ()):
        if isinstance(validator, validate.OneOf):
            return tuple(str(c) for c in validator.choices)
    return ()


def _column(name: str, field: fields.Field, type_name: str) -> Column:
    aliases = (*TYPE_ALIASES.get(type_name, {}).get(name, ()), *ALIASES.get(name, ()))
    common = {"field": name, "required": field.required, "aliases": aliases}
    if isinstance(field, DecimalString):
        return Column(kind=DECIMAL, places=field.places, **common)
    if isinstance(field, UtcTimestamp):
        return Column(kind=TIMESTAMP, **common)
    if isinstance(field, Base64Bytes):
        return Column(kind=BYTES, length=field.length, **common)
    if isinstance(field, fields.Boolean):
        return Column(kind=BOOLEAN, **common)
    if isinstance(field, fields.Integer):
        return Column(kind=INTEGER, **common)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Integer):
        return Column(kind=INTEGER_LIST, **common)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.String):
        return Column(kind=TEXT_LIST, choices=_choices(field.inner), value_aliases=VALUE_ALIASES.get(name), **common)
    if isinstance(field, fields.String):
        return Column(kind=TEXT, choices=_choices(field), value_aliases=VALUE_ALIASES.get(name), **common)
    raise errors.InvalidInput(f"{type_name}'s field {name} ({type(field).__name__}) has no spreadsheet form", field="type")


def importable_types() -> list[str]:
    return sorted(name for name in ENTRY_TYPES if name not in NOT_IMPORTED)


def columns_of(type_name: str) -> tuple[Column, ...]:
    """The columns of ``type_name``'s sheet, in the order its schema declares the fields.

    :raises UnknownEntryType: for a name outside the vocabulary.
    :raises InvalidInput: for a type no sheet carries (``NOT_IMPORTED``).
    """
    kind = entry_type(type_name)
    if type_name in NOT_IMPORTED:
        raise errors.InvalidInput(
            f"{type_name} is not imported from spreadsheets: {NOT_IMPORTED[type_name]}; these are: {', '.join(importable_types())}",
            field="type",
        )
    return tuple(_column(name, field, type_name) for name, field in kind.schema().fields.items())


def header_names(type_name: str) -> dict[str, Column]:
    """normalized header -> column, for every field name and alias of ``type_name``."""
    found: dict[str, Column] = {}
    for column in columns_of(type_name):
        for name in (column.field, *column.aliases):
            found.setdefault(normalize_header(name), column)
    return found
