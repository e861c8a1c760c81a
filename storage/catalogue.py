"""Every text a person reads, by dotted key and language, so a translation is files,
never a code change.

    catalogue/en/*.yml, catalogue/es/*.yml   what submitters and the public read, one
                                             file per area, the same keys in each language
    catalogue/staff/*.yml                    what City staff read (Slack, the staff CLI):
                                             English only, the staff's working language

    text("status.next_step.received", "es")
    text("notify.status_changed", "es", reference="SC-2026-00001", status="screening")
    phrases("choice.yes", "es")   # a list value: words a person may type

A key lives in exactly one file of its folder; `texts` refuses a key found twice.
"""

from functools import lru_cache
from pathlib import Path

import yaml

from storage.languages import DEFAULT_LANGUAGE, LANGUAGES

CATALOGUE = Path(__file__).resolve().parent.parent / "catalogue"
STAFF = "staff"


def _flatten(tree: dict, prefix: str, into: dict[str, str | tuple[str, ...]], source: Path) -> None:
    for key, value in tree.items():
        items = value if isinstance(value, list) else [value]
        if isinstance(key, bool) or any(isinstance(item, bool) for item in items):
            # YAML reads a bare yes/no/on/off as a boolean, which would become "True".
            raise ValueError(f"{source}: quote the yes/no/on/off under {prefix}{key}")
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", into, source)
            continue
        if name in into:
            raise ValueError(f"catalogue key {name!r} is given twice ({source} and another file)")
        into[name] = tuple(str(item) for item in value) if isinstance(value, list) else str(value)


@lru_cache
def folder(name: str) -> dict[str, str | tuple[str, ...]]:
    """Every text of one catalogue folder (`en`, `es` or `staff`), by dotted key."""
    flat: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((CATALOGUE / name).glob("*.yml")):
        _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, "", flat, path)
    return flat


def _lookup(key: str, language: str) -> str | tuple[str, ...]:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    for name in (language, STAFF, DEFAULT_LANGUAGE):
        found = folder(name).get(key)
        if found is not None:
            return found
    raise KeyError(f"no catalogue text {key!r}")


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for `key` in `language`, with `{name}` placeholders filled from `values`.
    Staff texts are found in any language; tests/storage/test_catalogue.py keeps the
    languages' keys and placeholders the same, so the English fallback is only a net."""
    template = _lookup(key, language)
    if isinstance(template, tuple):
        raise TypeError(f"catalogue key {key!r} is a list: read it with phrases()")
    return template.format(**values) if values else template


def phrases(key: str, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """A list value of the catalogue, such as the words that mean a choice."""
    found = _lookup(key, language)
    return found if isinstance(found, tuple) else (found,)
