"""Turning what people type into clean values. Pure functions, no I/O."""

import re
import unicodedata
from functools import lru_cache

from storage.reference import format_reference

EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
DOMAIN = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$")
# Every pattern below reads `plain(text)`: lower case, accents stripped, no ¿ ¡, so "Sí",
# "si" and "síí" are read alike, and English and Spanish are both understood whatever the
# conversation's language (people mix them, and a button may be pressed after a switch).
SKIP_WORDS = {"skip", "none", "no", "n/a", "na", "-", "nope", "no thanks", "not applicable"}
SKIP_WORDS |= {"omitir", "omite", "saltar", "salta", "saltalo", "saltala", "paso", "siguiente"}
SKIP_WORDS |= {"ninguno", "ninguna", "nada", "no gracias", "no aplica", "prefiero no decir"}
YES = re.compile(
    r"^\s*(y|yes+|yeah|yep|yup|ya(?! no)|sure|ok|okay|correct|right|confirm|submit|absolutely|"
    r"definitely|of course|go ahead|please do|looks good|yes please|"
    r"si+|s|claro|dale|va|sale|vale|okey|oki|por supuesto|correcto|de acuerdo|perfecto|listo|"
    r"andale|simon|confirmo|enviar|envialo|mandalo|esta bien|todo bien|asi esta bien|adelante)\b",
    re.IGNORECASE,
)
NO = re.compile(
    r"^\s*(n|no+|nope|nah|not|don't|do not|never|negative|cancel|"
    r"nel|nop|para nada|todavia no|aun no|mejor no|ahorita no|ahora no|cancelar|nunca)\b",
    re.IGNORECASE,
)
# "Not sure" in both languages, or the code a "Not sure" button sends.
NOT_SURE = "not_sure"
UNSURE_WORDS = {NOT_SURE, "not sure", "unsure", "don't know", "dont know", "no idea", "unknown"}
UNSURE_WORDS |= {"tbd", "?", "no se", "no lo se", "ni idea", "no estoy seguro"}
UNSURE_WORDS |= {"no estoy segura", "quien sabe", "todavia no se", "aun no se", "por definir"}
# "SC-2026-00042", "sc 2026 42", "SC2026-42", "2026-00042", "el sc 2026 42"
REFERENCE_IN_TEXT = re.compile(
    r"\b(?:sc[\s-]*)?((?:19|20)\d{2})[\s-]+(\d{1,7})\b|\bsc[\s-]*((?:19|20)\d{2})[\s-]*(\d{1,7})\b",
    re.IGNORECASE,
)
# A message that asks for a language by name: "Español", "in English please", "¿hablas
# español?", "en ingles por favor". Only the whole (short) message: an answer that merely
# mentions Spanish ("a Spanish-language app") is still an answer.
LANGUAGE_REQUEST = re.compile(
    r"^\s*(?:(?:can|could) (?:you|we) |(?:do )?you |please |por favor |puedes |podemos |"
    r"(?:yo )?(?:quiero|prefiero) |(?:tu )?(?:hablas|habla|hablan) |"
    r"(?:i )?(?:want|prefer|speak)(?: to)? |let's |lets |switch to |change to |cambiar a |"
    r"cambia a )?(?:(?:speak|talk|continue|write|hablar|seguir|continuar|escribir) )?"
    r"(?:in |en )?(?P<name>english|ingles|spanish|espanol|castellano)"
    r"(?: please| por favor| pls| porfa)?\s*[.!?]*\s*$",
    re.IGNORECASE,
)
LANGUAGE_REQUEST_LONGEST = 80
LANGUAGE_NAMES = {"english": "en", "ingles": "en", "spanish": "es", "espanol": "es"}
LANGUAGE_NAMES["castellano"] = "es"


# A phone number inside a sentence, in the shapes people write them here, rather than any
# run of digits, so that what else a sentence holds is not taken for one: a reference
# ("SC-2026-00042", "ENT-2026-0001": preceded by a letter and a hyphen, and grouped 4-5 or
# 4-4), a date ("2026-12-07", "07.12.2026": grouped 4-2-2 or 2-2-4), an amount ("$40,000",
# "1.200.000": a comma is no separator, and an exchange never starts with 0 or 1), a ZIP
# code ("78701", "78701-1234": grouped 5 or 5-4).
# - North American (NANP): an optional 1, area code and exchange starting 2-9, line:
#   "(512) 555-0100", "512.555.0100", "1-512-555-0100", "5125550100";
# - Mexican without the country code, 2-4-4: "55 1234 5678";
# - a local 3-4 number: "555-0100";
# - with a "+", any country: "+52 55 1234 5678", "+44 20 7946 0958" (8 to 15 digits, E.164);
# each with an optional extension: "ext. 12", "x12", "extensión 12".
_SEPARATOR = r"(?:[ \t]*[.\-][ \t]*|[ \t]+)?"
PHONE = re.compile(
    rf"""(?<![\w$€+.,/\-])(?<![A-Za-z]-)
    (?:
        (?P<international>\+\d{{1,3}}(?:{_SEPARATOR}\(?\d{{1,5}}\)?){{1,6}})
        | (?:1{_SEPARATOR})?(?:\([2-9]\d\d\)|[2-9]\d\d){_SEPARATOR}[2-9]\d\d{_SEPARATOR}\d{{4}}
        | [1-9]\d{_SEPARATOR}\d{{4}}{_SEPARATOR}\d{{4}}
        | [2-9]\d\d[ \t]*[.\-][ \t]*\d{{4}}
    )
    (?:[ \t]*,?[ \t]*(?:ext|extensi[oó]n|x)\.?[ \t]*\d{{1,6}})?
    (?![\w/$€]|[.,:\-]\d)""",
    re.IGNORECASE | re.VERBOSE,
)
# A phone number comes early in an answer: the search need not read a whole essay.
PHONE_SEARCHED = 500


def clean_text(text: str | None, limit: int = 5000) -> str:
    """Trims, folds whitespace and drops control characters; keeps emoji and accents
    (the person's words are stored as written)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text[:limit]


# The marks Latin letters take (acute, tilde, diaeresis...), apart once decomposed (NFD).
COMBINING_MARKS = re.compile("[\u0300-\u036f]+")


def unaccented(text: str) -> str:
    """The text with its letters' marks and ¿ ¡ taken off, nothing else changed ("¿Sí?" ->
    "Si?"): "ñ" reads as "n" and "ü" as "u", and a mark typed twice goes as well."""
    if text.isascii():
        return text
    bare = COMBINING_MARKS.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", bare).replace("¿", "").replace("¡", "")


def plain(text: str | None) -> str:
    """What the patterns read: unaccented, lower case, spaces folded ("¿Sí?" -> "si?")."""
    return re.sub(r"\s+", " ", unaccented(clean_text(text))).strip().lower()


def is_skip(text: str) -> bool:
    return plain(text).rstrip(".!") in SKIP_WORDS


def is_unsure(text: str) -> bool:
    """'Not sure', 'no sé', 'ni idea', or the code of a "Not sure" button."""
    return plain(text).strip(" .!") in UNSURE_WORDS


def yes_or_no(text: str, intent: str | None = None) -> bool | None:
    said = plain(text)
    if YES.match(said):
        return True
    if NO.match(said):
        return False
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    return None


def language_requested(text: str) -> str | None:
    """The language a short message asks for by name ("Español" -> "es"), else None."""
    if len(text) > LANGUAGE_REQUEST_LONGEST:
        return None
    match = LANGUAGE_REQUEST.match(plain(text))
    return LANGUAGE_NAMES[match.group("name").lower()] if match else None


def parse_email(text: str) -> str | None:
    candidate = clean_text(text).strip("<>.,; ").lower()
    match = re.search(r"[^\s<>,;:]+@[^\s<>,;:]+", candidate)
    if match:
        candidate = match.group(0).strip(".")
    return candidate if len(candidate) <= 254 and EMAIL.match(candidate) else None


def parse_phone(text: str) -> str | None:
    """The first phone number in the text, as written ("mi cel es 512 555 0100" ->
    "512 555 0100"), else None. A reference, a date, an amount or a ZIP code is no phone
    number: see PHONE."""
    for match in PHONE.finditer(clean_text(text, PHONE_SEARCHED)):
        number = match.group(0).strip()
        if match.group("international") is None or 8 <= len(re.sub(r"\D", "", number)) <= 15:
            return number
    return None


def parse_website(text: str) -> str | None:
    cleaned = clean_text(text).strip(" <>")
    match = re.fullmatch(r"(?:(https?)://)?([^/\s?#]+)([^\s]*)", cleaned, re.IGNORECASE)
    if not match or not DOMAIN.match(match.group(2)):
        return None
    return f"{(match.group(1) or 'https').lower()}://{match.group(2).lower()}{match.group(3)}"


AMOUNT = re.compile(
    r"^\s*(?:about|around|approx(?:imately)?\.?|roughly|up to|under|~|unos|como|alrededor de|"
    r"aproximadamente|aprox\.?|mas o menos|hasta|menos de|cerca de)?\s*(?:us)?\$?\s*"
    r"(\d{1,3}(?:[,.]\d{3})+|\d+)(?:[.,](\d{1,2}|\d{4,}))?\s*"
    r"(k|thousand|m|mm|million|b|bn|billion|mil millones|mil|millon|millones|mdd)?\s*"
    r"(?:(?:de )?(?:dollars|usd|dolares|dls|\$))?\s*"
    r"(?:a year|per year|/year|al ano|por ano|anuales|anual)?\s*[.!]*\s*$",
    re.IGNORECASE,
)
MULTIPLIERS = {"k": 10**3, "thousand": 10**3, "m": 10**6, "mm": 10**6, "million": 10**6}
MULTIPLIERS |= {"b": 10**9, "bn": 10**9, "billion": 10**9}
MULTIPLIERS |= {"mil": 10**3, "millon": 10**6, "millones": 10**6, "mdd": 10**6}
MULTIPLIERS["mil millones"] = 10**9


# A measured value as people type it, in either language: "4.5", "4,5", "1,200.5",
# "1.200,5", "-2", with words after it ("4.5 vehicles", "40 %"). A separator followed by
# groups of three digits groups thousands, as parse_amount reads them; otherwise it starts
# the decimals.
MEASURE = re.compile(r"^\s*([+-]?)(\d{1,3}(?:([,.])\d{3})(?:\3\d{3})*|\d+)(?:[.,](\d+))?(\D*)$")
LONGEST_MEASURE = 100


def parse_measure(text: str) -> float | None:
    """A measured value (a metric's baseline, target or reading), else None."""
    match = MEASURE.match(text) if len(text) <= LONGEST_MEASURE else None
    if match is None or any(character.isdigit() for character in match.group(5)):
        return None
    sign, whole, separator, fraction, _ = match.groups()
    if separator and whole.startswith("0") and fraction is None:
        whole, fraction = whole.split(separator, 1)  # "0.125" is a decimal, not a thousands
    digits = re.sub(r"[,.]", "", whole)
    return float(f"{sign}{digits}.{fraction or 0}")


def parse_amount(text: str) -> int | None:
    """Whole dollars from '$40,000', '40k', 'about 1.2 million dollars', '40 mil',
    '1,2 millones', '$40.000', else None. A separator followed by groups of three digits
    groups thousands (English "40,000", Spanish "40.000"); followed by one or two digits
    it starts the decimals (English "1.2", Spanish "1,2")."""
    match = AMOUNT.match(plain(text)[:100])
    if not match:
        return None
    whole, fraction, unit = match.groups()
    value = float(f"{re.sub(r'[,.]', '', whole)}.{fraction or 0}")
    value *= MULTIPLIERS.get((unit or "").lower(), 1)
    return round(value) if 0 <= value < 10**13 else None


def _fold(text: str) -> str:
    """Words only, without accents: "Energía & ambiente" -> "energia ambiente"."""
    return re.sub(r"[^a-z0-9]+", " ", plain(text)).strip()


# The names of choices and questions are few and read at every answer: folded once.
_fold_name = lru_cache(maxsize=4096)(_fold)


def _named(text: str, choices: dict[str, tuple[str, ...]]) -> list[str]:
    """The choices named in the text, in the choices' order. A name inside a longer name
    another choice matched does not count: "proof of concept" names a prototype, not an
    idea ("concept"); "ingresos compartidos" a revenue share, not a cost share."""
    folded = f" {_fold(text)} "
    matched = {
        choice: [
            name
            for name in (f" {_fold_name(word)} " for word in (choice, *synonyms))
            if name in folded
        ]
        for choice, synonyms in choices.items()
    }
    every = [name for names in matched.values() for name in names]
    return [
        choice
        for choice, names in matched.items()
        if any(not any(name != other and name in other for other in every) for name in names)
    ]


def match_choice(text: str, choices: dict[str, tuple[str, ...]]) -> str | None:
    """The one choice whose name or synonym appears in the text, else None."""
    found = _named(text, choices)
    return found[0] if len(found) == 1 else None


def match_choices(text: str, choices: dict[str, tuple[str, ...]]) -> list[str]:
    """Every choice named in the text, in the choices' order."""
    return _named(text, choices)


def find_reference(text: str) -> str | None:
    """A reference in any common spelling, as `SC-YYYY-NNNNN`, else None."""
    match = REFERENCE_IN_TEXT.search(text or "")
    if not match:
        return None
    year, number = (match.group(1), match.group(2)) if match.group(1) else match.groups()[2:]
    return format_reference(int(year), int(number))
