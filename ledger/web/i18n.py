"""The pages' one i18n layer: which language a request gets (Flask-Babel), and figures, dates and money in it.

Messages are English in the code (the msgids) and Simplified Chinese in
``translations/zh_Hans_CN/LC_MESSAGES/messages.po``; the compiled ``messages.mo`` beside it is
committed, and a test fails when it is not the compilation of the ``.po`` (``pybabel compile -d
ledger/web/translations`` makes it again). The JSON API, its problem codes and field names stay English.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import Babel, get_locale, gettext

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: The cookie that remembers a visitor's choice (a plain preference: it opens nothing).
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Language:
    tag: str  # BCP 47, for <html lang> and the cookie
    locale: str  # Babel's identifier, the catalogue's folder
    name: str  # in the language itself, as a switch names it


#: English is the code's own language (no catalogue); Simplified Chinese has ``translations/zh_Hans_CN``.
LANGUAGES = (Language("zh-CN", "zh_Hans_CN", "中文"), Language("en", "en", "English"))
DEFAULT = LANGUAGES[1]
BY_TAG = {language.tag: language for language in LANGUAGES}
#: What Accept-Language's primary subtag selects: any Chinese reads the Simplified pages best.
BY_PRIMARY = {"zh": LANGUAGES[0], "en": LANGUAGES[1]}


def init_babel(app: Flask) -> None:
    """Flask-Babel on the app, choosing each request's language with ``select_locale``."""
    Babel(
        app,
        locale_selector=select_locale,
        default_locale=DEFAULT.locale,
        default_timezone="UTC",
        default_translation_directories=str(TRANSLATIONS),
    )


def chosen_language() -> Language | None:
    """The language the visitor chose with the switch (its cookie), if it names one we have."""
    return BY_TAG.get(request.cookies.get(COOKIE, ""))


def negotiated_language() -> Language:
    """The first language of Accept-Language (by quality) that the pages have, else English."""
    for value, _quality in request.accept_languages:
        primary = value.replace("_", "-").split("-", 1)[0].lower()
        if primary in BY_PRIMARY:
            return BY_PRIMARY[primary]
    return DEFAULT


def language() -> Language:
    """This request's language: the remembered choice, else the browser's, else English."""
    if not has_request_context():
        return DEFAULT
    return chosen_language() or negotiated_language()


def select_locale() -> str:
    return language().locale


def remember(response: Response, tag: str) -> Response:
    """Set the cookie that keeps ``tag`` for later visits (a year; survives sign-in and sign-out)."""
    response.set_cookie(
        COOKIE,
        tag,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


def _locale() -> Locale:
    return get_locale() or Locale.parse(DEFAULT.locale)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


DASH = "–"


def exact(value: Any) -> str:
    """A figure as the locale writes it, every digit kept ("1234.50" -> "1,234.50"); "–" for none."""
    number = _decimal(value)
    if number is None:
        return DASH if value is None or value == "" else str(value)
    places = max(0, -int(number.as_tuple().exponent))
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return babel_numbers.format_decimal(number, format=pattern, locale=_locale())


def rounded(value: Any, places: int = 0) -> str:
    """A figure rounded for reading (an axis, a chart's label), in the locale's digits."""
    number = _decimal(value)
    if number is None:
        return DASH
    pattern = "#,##0" + ("." + "#" * places if places else "")
    return babel_numbers.format_decimal(number, format=pattern, locale=_locale())


def fixed(value: Any, places: int) -> str:
    """A figure rounded half-even to exactly ``places`` decimals, in the locale's digits (a chart's printed value)."""
    number = _decimal(value)
    if number is None:
        return DASH
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return babel_numbers.format_decimal(number, format=pattern, locale=_locale())


#: From here on a headline figure is written compactly (7.52 billion, 75.15亿) with the exact figure beside it.
COMPACT_FROM = Decimal(1_000_000)


def compact(value: Any) -> str:
    """A large figure in the locale's short form ("7.52 billion", "75.15亿"); smaller ones exactly."""
    number = _decimal(value)
    if number is None:
        return exact(value)
    if abs(number) < COMPACT_FROM:
        return exact(value)
    return babel_numbers.format_compact_decimal(number, format_type="long", locale=_locale(), fraction_digits=2)


def is_compacted(value: Any) -> bool:
    number = _decimal(value)
    return number is not None and abs(number) >= COMPACT_FROM


def percent(value: Any) -> str:
    """A percentage given in percent ("-45.32" -> "-45.32%"), its places kept."""
    number = _decimal(value)
    if number is None:
        return DASH
    places = max(0, -int(number.as_tuple().exponent))
    pattern = "#,##0" + ("." + "0" * places if places else "") + "%"
    return babel_numbers.format_percent(number / 100, format=pattern, locale=_locale())


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


def moment(value: Any) -> str:
    """A point in time in the locale's medium form, in UTC, saying so."""
    when = _moment(value)
    if when is None:
        return DASH if not value else str(value)
    text = babel_dates.format_datetime(when, "medium", tzinfo=timezone.utc, locale=_locale())
    return gettext("%(time)s UTC", time=text)


def day(value: Any) -> str:
    """A date in the locale's medium form (UTC)."""
    when = _moment(value)
    if when is None:
        return DASH if not value else str(value)
    return babel_dates.format_date(when.astimezone(timezone.utc).date(), "medium", locale=_locale())


def period(start: Any, end: Any) -> str:
    """A half-open period [start, end): "2024" for a calendar year, else its first and last day."""
    first, after = _moment(start), _moment(end)
    if first is None or after is None:
        return DASH
    first, after = first.astimezone(timezone.utc), after.astimezone(timezone.utc)
    midnight = {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    if first == first.replace(month=1, day=1, **midnight) and after == first.replace(year=first.year + 1):
        return babel_dates.format_skeleton("y", first, locale=_locale())
    last: date = (after - timedelta(microseconds=1)).date()
    return babel_dates.format_interval(first.date(), last, "yMMMd", locale=_locale())


def language_of(text: str) -> str:
    """The tag of the language ``text`` is written in, as far as the pages can tell: Chinese when it
    holds any Chinese character, else English (what the services' messages are written in)."""
    return LANGUAGES[0].tag if any(unicodedata.east_asian_width(ch) in "WF" for ch in str(text)) else DEFAULT.tag
