"""core/phones.py: any Taiwanese way of writing a number in, E.164 stored, clinic style shown."""

import re
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careloop.core import phones
from careloop.core.phones import phone_digits, phone_display, phone_normalize

MOBILE_E164 = "+886912345678"
TAIPEI_E164 = "+886223456789"


@pytest.mark.parametrize(
    "raw",
    ["0912-345-678", "0912345678", "+886 912 345 678", "0912 345 678", " 0912-345-678 "],
)
def test_phone_normalize_gives_one_e164_for_every_way_of_writing_a_mobile(raw):
    # Given a mobile number typed the way front-desk staff type it
    # When it is normalised
    normalised = phone_normalize(raw)
    # Then every spelling gives the same E.164 value
    assert normalised == MOBILE_E164


@given(
    third=st.sampled_from("0123456789"),
    rest=st.text(alphabet="0123456789", min_size=7, max_size=7),
    separator=st.sampled_from(["", "-", " "]),
)
def test_phone_normalize_answers_mobiles_without_parsing_exactly_as_libphonenumber(
    third, rest, separator
):
    # Given any ten-digit number starting 09, written with or without separators
    number = f"09{third}{rest}"
    raw = separator.join([number[:4], number[4:7], number[7:]])
    # When it is normalised by the quick path, and by parsing it with the quick path switched off
    quick = phone_normalize(raw)
    with mock.patch.object(phones, "_TW_MOBILE", re.compile(r"(?!)")):
        parsed = phone_normalize(raw)
    # Then both give the same answer, valid or not
    assert quick == parsed


@given(
    third=st.sampled_from("0123456789"), rest=st.text(alphabet="0123456789", min_size=7, max_size=7)
)
def test_phone_display_shows_mobiles_without_parsing_exactly_as_libphonenumber(third, rest):
    # Given any stored number +8869x followed by eight digits, a mobile or not
    e164 = f"+8869{third}{rest}"
    # When it is displayed by the quick path, and by parsing it with the quick path switched off
    quick = phone_display(e164)
    with mock.patch.object(phones, "_TW_MOBILE_E164", re.compile(r"(?!)")):
        parsed = phone_display(e164)
    # Then both show the same
    assert quick == parsed


@pytest.mark.parametrize(
    "raw", ["(02)2345-6789", "02-2345-6789", "02 2345 6789", "+886 2 2345 6789"]
)
def test_phone_normalize_gives_one_e164_for_every_way_of_writing_a_landline(raw):
    # Given a Taipei landline with and without the brackets round the area code
    # When it is normalised
    normalised = phone_normalize(raw)
    # Then every spelling gives the same E.164 value
    assert normalised == TAIPEI_E164


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "0912abc678",
        "O912-345-678",  # a letter O instead of a zero
        "0912-34",
        "091234567",
        "5678",
        "",
        "   ",
        None,
    ],
)
def test_phone_normalize_rejects_letters_short_numbers_and_empty_input(raw):
    # Given input that is not a whole Taiwanese number
    # When it is normalised
    normalised = phone_normalize(raw)
    # Then there is no number
    assert normalised is None


def test_phone_display_writes_a_mobile_as_the_clinic_does():
    # Given a stored mobile number
    # When it is displayed
    shown = phone_display(MOBILE_E164)
    # Then it reads 09xx-xxx-xxx
    assert shown == "0912-345-678"


def test_phone_display_writes_a_landline_with_the_area_code_in_brackets():
    # Given a stored Taipei landline
    # When it is displayed
    shown = phone_display(TAIPEI_E164)
    # Then it reads (02)xxxx-xxxx
    assert shown == "(02)2345-6789"


def test_phone_display_of_nothing_is_empty():
    # Given a customer without a phone
    # When the empty value is displayed
    # Then nothing is shown
    assert phone_display("") == ""


def test_phone_display_keeps_a_foreign_number_in_international_form():
    # Given a stored number from outside Taiwan
    # When it is displayed
    shown = phone_display("+12025550123")
    # Then it keeps its country code so nobody dials it as a local number
    assert shown == "+1 202-555-0123"


def test_phone_digits_keeps_only_the_digits():
    # Given a number with punctuation
    # When its digits are taken
    # Then only the digits remain
    assert phone_digits("(02)2345-6789") == "0223456789"


# A Taiwanese mobile: 09 followed by eight digits.
mobiles = st.text(alphabet="0123456789", min_size=8, max_size=8).map(lambda rest: "09" + rest)


def _spellings(mobile: str) -> list[str]:
    national = mobile[1:]  # without the trunk 0, as after +886
    return [
        mobile,
        f"{mobile[:4]}-{mobile[4:7]}-{mobile[7:]}",
        f"{mobile[:4]} {mobile[4:7]} {mobile[7:]}",
        f"{mobile[:4]}-{mobile[4:]}",
        f"+886{national}",
        f"+886 {national[:3]} {national[3:6]} {national[6:]}",
        f"+886-{national[:3]}-{national[3:6]}-{national[6:]}",
        f"  {mobile}  ",
    ]


@given(mobile=mobiles)
def test_property_every_spelling_of_a_mobile_normalises_to_one_value(mobile):
    # Given any Taiwanese mobile number
    # When it is written with dashes, spaces or the +886 prefix and normalised
    values = {phone_normalize(spelling) for spelling in _spellings(mobile)}
    # Then all spellings give the one E.164 value for that number
    assert values == {"+886" + mobile[1:]}


@given(mobile=mobiles)
def test_property_display_then_normalise_round_trips(mobile):
    # Given any Taiwanese mobile number stored in E.164
    stored = phone_normalize(mobile)
    # When it is displayed and the displayed text typed back in
    shown = phone_display(stored)
    # Then the clinic style is 09xx-xxx-xxx and it normalises back to the stored value
    assert shown == f"{mobile[:4]}-{mobile[4:7]}-{mobile[7:]}"
    assert phone_normalize(shown) == stored
