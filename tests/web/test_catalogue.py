"""The Chinese catalogue holds every message the pages use, and the committed .mo is its compilation."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from babel.messages import checkers
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "ledger" / "web"
CATALOGUES = WEB / "translations"
ZH = CATALOGUES / "zh_Hans_CN" / "LC_MESSAGES"
#: As translations/babel.cfg says, with the marker functions the code uses besides _ and gettext.
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def _extracted() -> list[tuple[str, Any]]:
    """(file, msgid) for every message in ledger/web; a plural's msgid is (singular, plural)."""
    found = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS):
        found.append((filename, message))
    return found


def _catalogue() -> Any:
    with open(ZH / "messages.po", "rb") as po:
        return read_po(po)


def test_the_extraction_finds_the_pages_messages() -> None:
    ids = {message for _, message in _extracted()}
    assert "Near-zero-carbon pilot parks" in ids  # a template
    assert "Green loan registered" in ids  # a lazy name in vocabulary.py
    assert "checking…" in ids  # a script message
    assert ("park", "parks") in ids  # a plural
    assert len(ids) > 300


def test_every_message_has_a_chinese_translation() -> None:
    catalogue = _catalogue()
    missing = []
    for filename, message in _extracted():
        entry = catalogue.get(message[0] if isinstance(message, tuple) else message)
        strings = entry.string if entry is not None else None
        translated = strings and (all(strings) if isinstance(strings, tuple) else strings)
        if entry is None or not translated or entry.fuzzy:
            missing.append((filename, message))
    assert not missing, f"{len(missing)} messages lack a Chinese translation (see the README's 'Web pages'): {missing[:20]}"


def test_the_catalogue_holds_no_message_the_code_no_longer_uses() -> None:
    used = {message[0] if isinstance(message, tuple) else message for _, message in _extracted()}
    stale = [entry.id for entry in _catalogue() if entry.id and (entry.id[0] if isinstance(entry.id, tuple) else entry.id) not in used]
    assert not stale, f"remove these from messages.po (pybabel update drops them): {stale}"


def test_no_message_is_both_a_plain_and_a_plural_msgid() -> None:
    """gettext would find the plural entry for the plain message and return it untranslated."""
    plain = {message for _, message in _extracted() if isinstance(message, str)}
    singular = {message[0] for _, message in _extracted() if isinstance(message, tuple)}
    assert not plain & singular


def test_translations_keep_their_placeholders() -> None:
    for entry in _catalogue():
        if not entry.id:
            continue
        for check in (checkers.python_format,):
            check(_catalogue(), entry)  # raises TranslationError when a %(name)s is lost or added
        source = entry.id if isinstance(entry.id, str) else entry.id[0]
        target = entry.string if isinstance(entry.string, str) else entry.string[0]
        assert sorted(re.findall(r"\{\w+\}", source)) == sorted(re.findall(r"\{\w+\}", target)), entry.id


def _messages(catalogue: Any) -> dict[Any, Any]:
    def plain(value: Any) -> Any:
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {plain(m.id): plain(m.string) for m in catalogue if m.id}


def test_the_committed_mo_is_the_compiled_po() -> None:
    """``pybabel compile -d ledger/web/translations`` makes messages.mo again after the .po changes."""
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue())
    compiled.seek(0)
    expected = _messages(read_mo(compiled))
    with open(ZH / "messages.mo", "rb") as mo:
        committed = _messages(read_mo(mo))
    assert committed == expected, "messages.mo is out of date: run `pybabel compile -d ledger/web/translations`"


def test_the_scripts_messages_are_declared_and_used() -> None:
    """Every message the scripts (proof.js, sign.js, witnesses.js) pass to t() is one the server translates, and every
    declared one is used."""
    from ledger.web.script_messages import MESSAGES

    script = "\n".join((WEB / "static" / "web" / name).read_text(encoding="utf-8") for name in ("proof.js", "sign.js", "witnesses.js"))
    passed = set(re.findall(r'\bt\(\s*(?:kept \? )?"((?:[^"\\]|\\.)*)"', script))
    passed |= set(re.findall(r'\bt\(kept \? "[^"]*" : "((?:[^"\\]|\\.)*)"', script))
    literals = set(re.findall(r'"((?:[^"\\]|\\.)*)"', script))
    assert "checking…" in passed and "verified" in passed
    assert passed <= set(MESSAGES), passed - set(MESSAGES)
    assert set(MESSAGES) <= literals, set(MESSAGES) - literals
