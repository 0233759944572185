"""Filters marketers need: dates, times, numbers and money in the contact's locale, and ``default``.

The locale and timezone are the contact's own (``contact.locale``, ``contact.timezone``), falling
back to ``DEFAULT_LOCALE`` and ``DEFAULT_TIMEZONE``. A filter never fails a send: an unknown locale
or timezone falls back to the default, and a value it cannot read renders as it came.
Babel loads on first use, so a function that renders no date pays nothing at cold start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Undefined, pass_context

from nurtureflow.timezones import find_zone

if TYPE_CHECKING:
    from babel import Locale
    from jinja2.runtime import Context

DEFAULT_LOCALE = "en_US"
DEFAULT_TIMEZONE = "UTC"
DEFAULT_CURRENCY = "USD"
_NAMED_FORMATS = ("short", "medium", "long", "full")


@lru_cache(maxsize=256)
def _locale(name: str | None) -> Locale:
    from babel import Locale, UnknownLocaleError

    for candidate in (name, DEFAULT_LOCALE):
        if not isinstance(candidate, str) or not candidate.strip() or len(candidate) > 35:
            continue
        try:
            return Locale.parse(candidate.strip().replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale.parse(DEFAULT_LOCALE)


def _zone(name: str | None) -> ZoneInfo:
    return find_zone(name) or ZoneInfo(DEFAULT_TIMEZONE)


def _contact_value(context: Context, key: str) -> str | None:
    contact = context.get("contact")
    try:
        value = contact[key] if contact is not None and key in contact else None
    except (TypeError, KeyError):
        return None
    return value if isinstance(value, str) else None


def _moment(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _pattern(format: Any) -> str:
    return format if isinstance(format, str) and 0 < len(format) <= 64 else "medium"


def _in_locale(context: Context, value: Any, format: Any, kind: str) -> Any:
    from babel import dates

    moment = _moment(value)
    if moment is None:
        return value  # unreadable: shown as it came rather than failing the send
    locale = _locale(_contact_value(context, "locale"))
    zone = _zone(_contact_value(context, "timezone"))
    pattern = _pattern(format)
    try:
        if kind == "date" or not isinstance(moment, datetime):
            local_day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
            return dates.format_date(local_day, pattern, locale=locale)
        if kind == "time":
            return dates.format_time(moment, pattern, tzinfo=zone, locale=locale)
        return dates.format_datetime(moment, pattern, tzinfo=zone, locale=locale)
    except (ValueError, KeyError, AttributeError, TypeError):
        return value


@pass_context
def date_filter(context: Context, value: Any, format: str = "medium") -> Any:
    """``{{ event.occurred_at | date }}``: the day in the contact's locale and timezone."""
    return _in_locale(context, value, format, "date")


@pass_context
def datetime_filter(context: Context, value: Any, format: str = "medium") -> Any:
    """``{{ event.occurred_at | datetime("short") }}``: day and time in the contact's timezone."""
    return _in_locale(context, value, format, "datetime")


@pass_context
def time_filter(context: Context, value: Any, format: str = "short") -> Any:
    """``{{ contact.properties.webinar_at | time }}``: the time of day in the contact's timezone."""
    return _in_locale(context, value, format, "time")


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or isinstance(value, Undefined):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) < Decimal("1e15") else None


@pass_context
def money_filter(context: Context, value: Any, currency: Any = None) -> Any:
    """``{{ event.value | money(event.currency) }}``: the amount in the contact's locale."""
    from babel import numbers

    amount = _decimal(value)
    if amount is None:
        return value
    code = currency.strip().upper() if isinstance(currency, str) and currency.strip() else DEFAULT_CURRENCY
    if not (len(code) == 3 and code.isalpha()):
        code = DEFAULT_CURRENCY
    try:
        return numbers.format_currency(amount, code, locale=_locale(_contact_value(context, "locale")))
    except (ValueError, KeyError, TypeError):
        return value


@pass_context
def number_filter(context: Context, value: Any, decimals: Any = None) -> Any:
    """``{{ contact.score | number }}``: digits grouped the contact's way."""
    from babel import numbers

    amount = _decimal(value)
    if amount is None:
        return value
    if isinstance(decimals, int) and 0 <= decimals <= 10:
        amount = round(amount, decimals)
    return numbers.format_decimal(amount, locale=_locale(_contact_value(context, "locale")))


def default_filter(value: Any, fallback: Any = "", boolean: bool = True) -> Any:
    """``{{ contact.first_name | default("there") }}``: the fallback for a missing, null or empty value.

    Unlike Jinja's own, empty counts as missing by default: a contact whose first name is "" must
    read "Hi there", not "Hi ".
    """
    if isinstance(value, Undefined) or value is None:
        return fallback
    if boolean and value in ("", [], {}):
        return fallback
    return value


FILTERS: dict[str, Any] = {
    "date": date_filter,
    "datetime": datetime_filter,
    "time": time_filter,
    "money": money_filter,
    "number": number_filter,
    "default": default_filter,
    "d": default_filter,
}
