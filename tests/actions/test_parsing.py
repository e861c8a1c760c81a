"""What people type, turned into clean values."""

import random
import re

import pytest

from actions.guided_form import change_target
from actions.parsing import (
    clean_text,
    find_reference,
    is_skip,
    is_unsure,
    language_requested,
    match_choice,
    match_choices,
    parse_amount,
    parse_email,
    parse_phone,
    parse_website,
    yes_or_no,
)
from actions.proposal import CATEGORIES, CITY_ASKS, MATURITY
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
        ("mi número es SC-2026-00042", "SC-2026-00042"),
        ("¿cómo va el sc 2026 42?", "SC-2026-00042"),
        ("el SC2026-00042 por favor", "SC-2026-00042"),
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


@pytest.mark.parametrize(
    "text,expected",
    [
        ("+1 (512) 555-0199", "+1 (512) 555-0199"),
        ("5125550100", "5125550100"),
        ("555-0100", "555-0100"),
        # Inside a sentence, in either language: the number only, as written.
        ("mi cel es 512 555 0100", "512 555 0100"),
        ("call me at (512) 555-0100 after 5", "(512) 555-0100"),
        ("my number is +1 512-555-0100", "+1 512-555-0100"),
        ("el 512.555.0100 por favor", "512.555.0100"),
        ("Tel: 512-555-0100.", "512-555-0100"),
        ("on 12/07/2026 call 1-512-555-0100", "1-512-555-0100"),
        ("512-555-0100 ext. 12", "512-555-0100 ext. 12"),
        ("oficina 512 555 0100, extensión 3", "512 555 0100, extensión 3"),
        ("mi celular es 55 1234 5678", "55 1234 5678"),
        ("whatsapp +52 55 1234 5678", "+52 55 1234 5678"),
        ("London office +44 20 7946 0958", "+44 20 7946 0958"),
        # No phone number: references, dates, amounts, ZIP codes, too few digits.
        ("call me maybe", None),
        ("123", None),
        ("ENT-2026-0001", None),
        ("about SC-2026-00042 please", None),
        ("ref 2026-00042", None),
        ("2026-12-07", None),
        ("el 07.12.2026 a las 10:30", None),
        ("2026-12-07 10:30", None),
        ("$40,000", None),
        ("40 mil", None),
        ("1.200.000 dólares", None),
        ("$1,200,000", None),
        ("$512 555 0100", None),
        ("78701", None),
        ("my ZIP is 78701-1234", None),
        ("+1 234", None),
    ],
)
def test_phone(text, expected):
    assert parse_phone(text) == expected


def test_website():
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


@pytest.mark.parametrize(
    ("text", "dollars"),
    [
        ("$40,000", 40_000),
        ("40k", 40_000),
        ("about 1.2 million dollars", 1_200_000),
        ("40 mil", 40_000),
        ("unos 40 mil dólares", 40_000),
        ("1,2 millones", 1_200_000),
        ("$40.000", 40_000),
        ("alrededor de 3,5 mdd", 3_500_000),
        ("2 mil millones", 2_000_000_000),
        ("$12,000 al año", 12_000),
        ("mucho dinero", None),
        ("40 mil pesos mexicanos", None),
    ],
)
def test_amounts_in_english_and_spanish(text, dollars):
    assert parse_amount(text) == dollars


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Sí", True),
        ("si", True),
        ("síí", True),
        ("SÍ, envíala", True),
        ("claro que sí", True),
        ("dale", True),
        ("de acuerdo", True),
        ("No gracias", False),
        ("nel", False),
        ("todavía no", False),
        ("ya no", None),  # a request to stop, not a no
        ("🙂", None),
    ],
)
def test_yes_and_no_in_both_languages_with_or_without_accents(text, answer):
    assert yes_or_no(text) is answer


def test_skip_and_not_sure_in_both_languages():
    assert all(is_skip(word) for word in ("Omitir", "saltar", "paso", "ninguno", "No gracias"))
    assert not is_skip("Pasó algo en la licitación")
    assert all(is_unsure(word) for word in ("No sé", "no se", "ni idea", "not_sure", "Not sure"))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Español", "es"),
        ("español por favor", "es"),
        ("¿Hablas español?", "es"),
        ("can we speak spanish?", "es"),
        ("in English please", "en"),
        ("en inglés", "en"),
        ("A Spanish-language app for riders", None),
        ("Hablo con la gente del barrio", None),
    ],
)
def test_a_short_message_naming_a_language_asks_for_it(text, language):
    assert language_requested(text) == language


def test_accents_are_read_alike_but_kept_as_written():
    assert clean_text("  Movilidad  en el Éste ") == "Movilidad en el Éste"
    assert match_choice("Energía", CATEGORIES.words()) == "energy_environment"
    assert match_choice("energia", CATEGORIES.words()) == "energy_environment"
    assert match_choice("prueba de concepto", MATURITY.words()) == "prototype"
