"""Taiwanese phone numbers: accept any way staff type them, store E.164, show 09xx-xxx-xxx."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

_PHONEISH = re.compile(r"^[\d\s()+\-.#]+$")
# Most numbers typed are mobiles written 0912-345-678, 0912 345 678 or 0912345678. They are
# answered without parsing (45 µs each, most of a 100,000-row import's phone work); the
# pattern is libphonenumber's for Taiwanese mobiles, and a test holds the two paths equal.
_TW_MOBILE = re.compile(r"^0(9[0-8]\d)[\s-]?(\d{3})[\s-]?(\d{3})$")
# The same mobiles as stored, shown without parsing: a worklist prints a hundred of them.
_TW_MOBILE_E164 = re.compile(r"^\+886(9[0-8]\d)(\d{3})(\d{3})$")


def phone_normalize(raw: str) -> str | None:
    """E.164 for a valid Taiwanese (or explicitly international) number, else None."""
    raw = (raw or "").strip()
    mobile = _TW_MOBILE.match(raw)
    if mobile:
        return "+886" + "".join(mobile.groups())
    if not raw or not _PHONEISH.match(raw):
        return None
    try:
        number = phonenumbers.parse(raw, "TW")
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """0912-345-678 / (02)2345-6789 style, the way the clinic writes them."""
    if not e164:
        return ""
    mobile = _TW_MOBILE_E164.match(e164)
    if mobile:
        return "0" + "-".join(mobile.groups())
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if number.country_code != 886:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    parts = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL).split(" ")
    if parts[0].startswith("09"):
        return "-".join(parts)
    if len(parts) == 3:
        return f"({parts[0]}){parts[1]}-{parts[2]}"
    return " ".join(parts)


def phone_digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")
