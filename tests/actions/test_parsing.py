"""What people type, turned into clean values."""

import random
import re

import pytest

from actions.guided_form import change_target
from actions.parsing import (
    clean_text,
    find_reference,
    match_choice,
    match_choices,
    parse_email,
    parse_phone,
    parse_website,
    yes_or_no,
)
from actions.proposal import CATEGORIES, CITY_ASKS
from storage.reference import parse_reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SC-2026-00042", "SC-2026-00042"),
        ("sc-2026-00042", "SC-2026-00042"),
        ("status of SC 2026 42 please", "SC-2026-00042"),
        ("2026-00042", "SC-2026-00042"),
        ("SC2026-7", "SC-2026-00007"),
        ("my number is 42", None),
        ("", None),
    ],
)
def test_references_in_any_common_spelling(text, expected):
    assert find_reference(text) == expected


def test_strict_reference_parsing_for_the_api():
    assert parse_reference("sc-2026-00042") == "SC-2026-00042"
    assert parse_reference("SC-2026-42") is None
    assert parse_reference("SC-2026-00042x") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ann@Example.ORG", "ann@example.org"),
        ("my email is ann.lee+city@example.co.uk.", "ann.lee+city@example.co.uk"),
        ("ann@", None),
        ("ann@example", None),
        ("<script>@x.com", None),
        ("two@a.com three@b.com", "two@a.com"),
    ],
)
def test_email(text, expected):
    assert parse_email(text) == expected


def test_phone_and_website():
    assert parse_phone("+1 (512) 555-0199") == "+1 (512) 555-0199"
    assert parse_phone("call me maybe") is None
    assert parse_phone("123") is None
    assert parse_website("Acme.example/about") == "https://acme.example/about"
    assert parse_website("http://acme.example") == "http://acme.example"
    assert parse_website("javascript:alert(1)") is None
    assert parse_website("not a site") is None


def test_choices_accept_names_and_synonyms_but_not_ambiguity():
    categories, asks = CATEGORIES.words(), CITY_ASKS.words()
    assert match_choice("it's about traffic", categories) == "mobility"
    assert match_choice("digital services & connectivity", categories) == "digital_services"
    assert match_choice("water and energy", categories) is None
    assert match_choices("a pilot site and some funding", asks) == ["pilot_site", "funding"]


def test_yes_no_and_text_cleaning():
    assert yes_or_no("Yes, submit") is True
    assert yes_or_no("nope") is False
    assert yes_or_no("hmm", "affirm") is True
    assert yes_or_no("hmm") is None
    assert clean_text("  a\x00b \t c\n\n\n\nd  ") == "ab c\n\nd"
    assert clean_text("🚦 café") == "🚦 café"
    assert len(clean_text("x" * 9000)) == 5000


# The pattern "change ..." requests were read with until it was made linear: a lazy target
# followed by `\s*[.!?]*$` tried every split of a long run of spaces or punctuation (135 ms
# on 5,000 characters). It stays here as the specification change_target must keep.
QUADRATIC_CHANGE = re.compile(
    r"^\s*(?:(?:i\s*(?:want|would like|'d like|need)|can i|could i|let me|please)\s+(?:to\s+)?)?"
    r"(?:change|edit|correct|update|fix|amend|modify)\b\s*(?:my|the|our)?\s*(?P<target>.*?)\s*[.!?]*$",
    re.IGNORECASE,
)
TRICKY_PIECES = [" ", "  ", ".", "!", "?", "\n", "\t", "\u00a0", "a", "my", "My", "the", "our"]
TRICKY_PIECES += ["THE", "change", "Fix", "email", "please", "i want to", "changes", "x"]


def as_the_quadratic_pattern_read_it(text: str) -> str | None:
    match = QUADRATIC_CHANGE.match(text)
    return match.group("target") if match else None


def test_change_requests_are_read_as_before_on_tricky_inputs():
    chance = random.Random(17)
    for _ in range(20_000):
        text = "".join(chance.choice(TRICKY_PIECES) for _ in range(chance.randint(0, 9)))
        if chance.random() < 0.6:
            text = chance.choice(["change", "Please change", "i want to fix", " edit "]) + text
        assert change_target(text) == as_the_quadratic_pattern_read_it(text), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "change x" + "." * 4990 + "y",
        "change my" + "!" * 4991,
        "fix the" + " " * 4992 + "?",
        "edit " + ". " * 2497 + "z",
        "change" + "\n" * 4994,
        "correct it" + "?!." * 1663,
    ],
)
def test_a_5000_character_adversarial_change_request_is_read_as_before(text):
    assert len(text) <= 5000
    assert change_target(text) == as_the_quadratic_pattern_read_it(text)
