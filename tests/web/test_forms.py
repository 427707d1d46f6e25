"""The write forms are the payload schemas: every field, its checks, its words in both languages."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from marshmallow import fields as mfields

from ledger.domain import roles
from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.fields import DecimalString
from ledger.web import field_words, forms
from tests.conftest import token_for
from tests.web.test_pages import client_as


def test_every_type_a_party_signs_has_a_form_and_no_command_written_one_does() -> None:
    assert set(forms.ORDER) == set(ENTRY_TYPES) - {"ledger.genesis", "checkpoint.key.rotated"}
    assert forms.signable_types(frozenset({roles.LENDER})) == [
        "loan.registered", "loan.disbursed", "loan.repaid", "credits.transferred", "credits.retired", "entry.corrected",
    ]
    department = forms.signable_types(frozenset({roles.DEPARTMENT}))
    assert {"reward.program.created", "reward.disbursed", "programme.targets.set", "park.targets.set", "park.registered"} <= set(department)
    assert "loan.registered" not in department


@pytest.mark.parametrize("entry_type", forms.ORDER)
def test_a_form_has_the_schemas_fields_and_checks(entry_type: str) -> None:
    schema = ENTRY_TYPES[entry_type].schema()
    form = forms.form_for(entry_type)
    assert [f.name for f in form.fields] == list(schema.fields)
    for f in form.fields:
        declared = schema.fields[f.name]
        assert f.required == bool(declared.required), f.name
        if isinstance(declared, DecimalString):
            assert (f.widget, f.places) == ("decimal", declared.places)
        if isinstance(declared, mfields.Integer):
            assert f.widget == "integer"
        if f.pattern:
            re.compile(f.pattern)
        assert json.loads(f.data)["name"] == f.name


@pytest.mark.parametrize("entry_type", forms.ORDER)
def test_every_field_of_a_form_has_words(entry_type: str) -> None:
    form = forms.form_for(entry_type)
    assert form.description in field_words.DESCRIPTIONS, form.description
    for f in form.fields:
        assert f.name in field_words.LABELS, f.name
        assert f.description in field_words.HELP, (f.name, f.description)
        assert f.unit is None or f.unit in field_words.UNITS, f.unit
        for choice in f.choices:
            if f.name not in ("economic_zone", "roles"):
                assert choice in field_words.CHOICES, choice


def test_the_words_are_the_schemas_own_in_english(demo_app: Any) -> None:
    with demo_app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert all(str(text) == english for english, text in field_words.HELP.items())
        assert all(str(text) == english for english, text in field_words.DESCRIPTIONS.items())


@pytest.fixture(scope="module")
def lender(demo_app: Any) -> Any:
    return client_as(demo_app, token_for(demo_app, "icbc-sichuan"))


def test_the_sign_page_lists_the_partys_forms(lender: Any) -> None:
    page = lender.get("/ui/sign", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    listed = re.findall(r'data-type="([^"]+)"', page)
    assert listed == forms.signable_types(frozenset({roles.LENDER}))
    assert "绿色贷款登记" in page


def test_a_form_page_carries_the_fields_the_keys_and_the_lenders_own_loans(lender: Any, demo_app: Any) -> None:
    response = lender.get("/ui/sign/loan.disbursed")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    specs = [json.loads(html.unescape(s)) for s in re.findall(r'data-field="([^"]+)"', page)]
    assert [s["name"] for s in specs] == ["loan", "amount", "currency", "value_date"]
    assert {"name": "amount", "widget": "decimal", "required": True, "places": 2} == specs[1]
    keys = json.loads(html.unescape(re.search(r'data-keys="([^"]+)"', page).group(1)))  # type: ignore[union-attr]
    registered = lender.get("/v1/parties/icbc-sichuan").get_json()["keys"]
    assert keys == [k["key_id"] for k in registered if k.get("revoked_index") is None]
    offered = re.findall(r'<datalist id="list-loan">(.*?)</datalist>', page, re.S)[0]
    own = {loan["loan_id"] for loan in lender.get("/v1/loans?limit=1000").get_json()["items"]}
    assert set(re.findall(r'<option value="([^"]+)"', offered)) == own
    # The key's file input has no name and lies outside the entry's form: no submission can carry it.
    key_input = re.search(r'<input type="file" id="key-file"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert "name=" not in key_input
    assert page.index('id="key-file"') < page.index('<form id="entry-form"')


def test_a_verifiers_credit_form_starts_at_the_next_free_serial(demo_app: Any) -> None:
    verifier = client_as(demo_app, token_for(demo_app, "scmrv"))
    expected = verifier.get("/v1/credit-blocks/next-serial").get_json()["next_serial"]
    page = verifier.get("/ui/sign/credits.issued").get_data(as_text=True)
    assert re.search(rf'name="serial_start"[^>]*value="{expected}"', page), expected


@pytest.mark.parametrize(("url", "status"), [
    ("/ui/sign/reward.disbursed", 403),  # a lender may not pay rewards
    ("/ui/sign/ledger.genesis", 404),  # written by `greenledger init`, never by a form
    ("/ui/sign/no.such.type", 404),
])
def test_a_form_the_party_may_not_sign_is_a_clear_page(lender: Any, url: str, status: int) -> None:
    response = lender.get(url)
    assert response.status_code == status
    assert response.content_type.startswith("text/html")
