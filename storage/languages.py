"""The languages Entryway speaks with submitters and the public, and how a language
named by a browser, Slack or a person becomes one of them.

Staff work in English (catalogue/staff/); a submitter's language is kept on their
contact (`Contact.language`) and everything sent to them later uses it.
"""

import re
from datetime import date

from babel.dates import format_date, format_skeleton

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "es")
# How each language names itself, for switches a person reads, and its name in English,
# for staff ("Submitter's language: Spanish").
OWN_NAMES = {"en": "English", "es": "Español"}
ENGLISH_NAMES = {"en": "English", "es": "Spanish"}

_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")


def supported(tag: str | None) -> str | None:
    """ "es", "es-MX", "es_419", "ES" -> "es"; a language Entryway does not speak -> None."""
    match = _TAG.match(tag or "")
    if not match:
        return None
    language = match.group(1).lower()
    return language if language in LANGUAGES else None


def language_or_default(tag: str | None) -> str:
    return supported(tag) or DEFAULT_LANGUAGE


def from_accept_language(header: str | None) -> str:
    """The supported language a browser prefers most (RFC 9110 quality values), else English."""
    best, best_quality = DEFAULT_LANGUAGE, 0.0
    for position, part in enumerate((header or "")[:1000].split(",")[:30]):
        tag, _, parameters = part.partition(";")
        language = supported(tag)
        if language is None:
            continue
        quality = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", parameters)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        # Earlier entries win ties, as browsers list them by preference.
        if quality > best_quality or (quality == best_quality and position == 0):
            best, best_quality = language, quality
    return best if best_quality > 0 else DEFAULT_LANGUAGE


def long_date(moment: date, language: str) -> str:
    """ "December 7, 2026" / "7 de diciembre de 2026": month names from CLDR (Babel), not
    from the process's C locale, which only knows English."""
    return format_date(moment, format="long", locale=language_or_default(language))


def day_and_month(moment: date, language: str) -> str:
    """ "December 7" / "7 de diciembre"."""
    return format_skeleton("MMMMd", moment, locale=language_or_default(language))
