"""Turning what people type into clean values. Pure functions, no I/O."""

import re
import unicodedata

from storage.reference import format_reference

EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
DOMAIN = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$")
SKIP_WORDS = {"skip", "none", "no", "n/a", "na", "-", "nope", "no thanks", "not applicable"}
YES = re.compile(
    r"^\s*(y|yes|yeah|yep|yup|ya|sure|ok|okay|correct|right|confirm|submit|absolutely|"
    r"definitely|of course|go ahead|please do|looks good|yes please)\b",
    re.IGNORECASE,
)
NO = re.compile(r"^\s*(n|no|nope|nah|not|don't|do not|never|negative|cancel)\b", re.IGNORECASE)
# "SC-2026-00042", "sc 2026 42", "SC2026-42", "2026-00042"
REFERENCE_IN_TEXT = re.compile(
    r"\b(?:sc[\s-]*)?((?:19|20)\d{2})[\s-]+(\d{1,7})\b|\bsc[\s-]*((?:19|20)\d{2})[\s-]*(\d{1,7})\b",
    re.IGNORECASE,
)


def clean_text(text: str | None, limit: int = 5000) -> str:
    """Trims, folds whitespace and drops control characters; keeps emoji and accents."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text[:limit]


def is_skip(text: str) -> bool:
    return clean_text(text).lower().rstrip(".!") in SKIP_WORDS


def yes_or_no(text: str, intent: str | None = None) -> bool | None:
    if YES.match(text):
        return True
    if NO.match(text):
        return False
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    return None


def parse_email(text: str) -> str | None:
    candidate = clean_text(text).strip("<>.,; ").lower()
    match = re.search(r"[^\s<>,;:]+@[^\s<>,;:]+", candidate)
    if match:
        candidate = match.group(0).strip(".")
    return candidate if len(candidate) <= 254 and EMAIL.match(candidate) else None


def parse_phone(text: str) -> str | None:
    cleaned = clean_text(text)
    if not re.fullmatch(r"[+()\d\s.\-extEXT]{7,30}", cleaned):
        return None
    digits = re.sub(r"\D", "", cleaned)
    return cleaned if 7 <= len(digits) <= 15 else None


def parse_website(text: str) -> str | None:
    cleaned = clean_text(text).strip(" <>")
    match = re.fullmatch(r"(?:(https?)://)?([^/\s?#]+)([^\s]*)", cleaned, re.IGNORECASE)
    if not match or not DOMAIN.match(match.group(2)):
        return None
    return f"{(match.group(1) or 'https').lower()}://{match.group(2).lower()}{match.group(3)}"


AMOUNT = re.compile(
    r"^\s*(?:about|around|approx(?:imately)?\.?|roughly|up to|under|~)?\s*(?:us)?\$?\s*"
    r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*"
    r"(k|thousand|m|mm|million|b|bn|billion)?\s*(?:dollars|usd|\$)?\s*(?:a year|per year|/year)?"
    r"\s*[.!]*\s*$",
    re.IGNORECASE,
)
MULTIPLIERS = {"k": 10**3, "thousand": 10**3, "m": 10**6, "mm": 10**6, "million": 10**6}
MULTIPLIERS |= {"b": 10**9, "bn": 10**9, "billion": 10**9}


def parse_amount(text: str) -> int | None:
    """Whole dollars from '$40,000', '40k', 'about 1.2 million dollars', else None."""
    match = AMOUNT.match(clean_text(text, 100))
    if not match:
        return None
    whole, fraction, unit = match.groups()
    value = float(f"{whole.replace(',', '')}.{fraction or 0}")
    value *= MULTIPLIERS.get((unit or "").lower(), 1)
    return round(value) if 0 <= value < 10**13 else None


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def match_choice(text: str, choices: dict[str, tuple[str, ...]]) -> str | None:
    """The one choice whose name or synonym appears in the text, else None."""
    folded = f" {_fold(text)} "
    found = [
        choice
        for choice, synonyms in choices.items()
        if any(f" {_fold(word)} " in folded for word in (choice, *synonyms))
    ]
    return found[0] if len(found) == 1 else None


def match_choices(text: str, choices: dict[str, tuple[str, ...]]) -> list[str]:
    """Every choice named in the text, in the choices' order."""
    folded = f" {_fold(text)} "
    return [
        choice
        for choice, synonyms in choices.items()
        if any(f" {_fold(word)} " in folded for word in (choice, *synonyms))
    ]


def find_reference(text: str) -> str | None:
    """A reference in any common spelling, as `SC-YYYY-NNNNN`, else None."""
    match = REFERENCE_IN_TEXT.search(text or "")
    if not match:
        return None
    year, number = (match.group(1), match.group(2)) if match.group(1) else match.groups()[2:]
    return format_reference(int(year), int(number))
