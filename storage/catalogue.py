"""User-facing texts that are not chat responses (those live in domain.yml): what
submitters are told of a decision, and what staff see in Slack and the CLI. They live in
catalogue/<language>.yml, so a translation is a new file, never a code change.

    text("status.next_step.received")
    text("notify.status_changed", reference="SC-2026-00001", status="screening")
"""

from functools import lru_cache
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).resolve().parent.parent / "catalogue"
DEFAULT_LANGUAGE = "en"


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@lru_cache
def texts(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Every text of one language, by dotted key."""
    path = CATALOGUE / f"{language}.yml"
    if language != DEFAULT_LANGUAGE and not path.exists():
        return {}
    return _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for `key`, with `{name}` placeholders filled from `values`. A language
    that lacks the key falls back to the default one; a key missing there is a bug."""
    template = texts(language).get(key) or texts(DEFAULT_LANGUAGE)[key]
    return template.format(**values) if values else template
