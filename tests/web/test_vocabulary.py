"""Every code the pages show has a human name in both languages: entry types, problem codes, exceptions.

These tests fail when a new entry type, rule or reconciliation exception arrives without its name in
``ledger/web/vocabulary.py`` (one line) and its Chinese in the catalogue.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from flask_babel import force_locale

from ledger import errors
from ledger.domain.catalog import ENTRY_TYPES
from ledger.web import i18n, vocabulary

LEDGER = Path(__file__).resolve().parents[2] / "ledger"
#: Names that read the same in Chinese (units and acronyms).
SAME_IN_BOTH: set[str] = set()


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    """A bare app with the pages' Babel: the catalogue as the pages load it, no database."""
    app = Flask("vocabulary-test")
    i18n.init_babel(app)
    with app.test_request_context("/"):
        yield app


def _names(table: dict[str, Any], locale: str) -> dict[str, str]:
    with force_locale(locale):
        return {code: str(name) for code, name in table.items()}


def _in_both_languages(table: dict[str, Any]) -> None:
    english, chinese = _names(table, "en"), _names(table, "zh_Hans_CN")
    for code in table:
        assert english[code], code
        assert chinese[code] != english[code] or english[code] in SAME_IN_BOTH, f"{code!r} has no Chinese name: {english[code]!r}"
        assert re.search(r"[\u4e00-\u9fff]", chinese[code]), (code, chinese[code])


def _all_subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_entry_type_in_the_registry_has_a_name(app: Flask) -> None:
    assert set(ENTRY_TYPES) <= set(vocabulary.ENTRY_TYPES), set(ENTRY_TYPES) - set(vocabulary.ENTRY_TYPES)
    _in_both_languages(vocabulary.ENTRY_TYPES)


def _import_everything() -> None:
    """Every module of ``ledger``, so each LedgerError subclass is defined whatever ran before."""
    import ledger

    for found in pkgutil.walk_packages(ledger.__path__, "ledger."):
        if not found.name.endswith("__main__"):
            importlib.import_module(found.name)


def test_every_problem_code_has_a_name(app: Flask) -> None:
    _import_everything()
    codes = {errors.LedgerError.code} | {cls.code for cls in _all_subclasses(errors.LedgerError)}
    rules = set()
    for path in (LEDGER / "domain").rglob("*.py"):
        rules |= set(re.findall(r'rule="([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    assert rules, "the rules' slugs are no longer found as rule=\"...\" in ledger/domain"
    missing = (codes | rules) - set(vocabulary.PROBLEMS)
    assert not missing, f"add these problem codes to ledger/web/vocabulary.py PROBLEMS: {sorted(missing)}"
    _in_both_languages(vocabulary.PROBLEMS)


def test_every_reconciliation_exception_code_has_a_name(app: Flask) -> None:
    codes = set()
    for path in (LEDGER / "reconciliation").rglob("*.py"):
        codes |= set(re.findall(r'Finding\(\s*"([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    assert codes, "the exception codes are no longer found as Finding(\"...\" in ledger/reconciliation"
    missing = codes - set(vocabulary.FINDINGS)
    assert not missing, f"add these exception codes to ledger/web/vocabulary.py FINDINGS: {sorted(missing)}"
    _in_both_languages(vocabulary.FINDINGS)
    _in_both_languages(vocabulary.SEVERITIES)


def test_every_zone_role_and_city_has_a_name(app: Flask) -> None:
    from ledger.demo import PARKS
    from ledger.domain import roles
    from ledger.domain.types.parks import ECONOMIC_ZONES

    assert set(ECONOMIC_ZONES) == set(vocabulary.ZONES)
    assert set(roles.ROLES) == set(vocabulary.ROLES)
    assert {park.city for park in PARKS} <= set(vocabulary.CITIES)
    for table in (vocabulary.ZONES, vocabulary.ROLES, vocabulary.CITIES, vocabulary.CURRENCIES):
        _in_both_languages(table)


def test_an_unknown_code_is_shown_as_it_is(app: Flask) -> None:
    assert vocabulary.entry_type_name("park.target.set") == "park.target.set"
    assert vocabulary.finding_name("target-missed") == "target-missed"
    assert vocabulary.problem_name("some-new-rule", "Fallback title") == "Fallback title"


def test_demo_parks_have_their_chinese_names_on_chinese_pages(demo_app: Any, auditor_token: str) -> None:
    from ledger.demo import PARKS

    assert all(re.search(r"[\u4e00-\u9fff]", park.name_zh) for park in PARKS)
    client = demo_app.test_client()
    headers = {"Authorization": f"Bearer {auditor_token}", "Accept-Language": "zh-CN"}
    html = client.get("/ui/parks/tianfu-hq", headers=headers).get_data(as_text=True)
    assert "天府总部商务区" in html and "Tianfu Headquarters Business District" in html  # its own name, the other beside it
    html = client.get("/ui/parks/yibin-sanjiang-east", headers={**headers, "Accept-Language": "en"}).get_data(as_text=True)
    assert "Yibin Sanjiang New District East Industrial Park" in html and "宜宾三江新区东部产业园" in html
