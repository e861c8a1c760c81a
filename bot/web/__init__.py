"""The pages people read (the web chat page, the public report), written in the
reader's language: Jinja2 templates, autoescaped, whose every text comes from the
catalogue (catalogue/<language>/page.yml, report.yml, ...), never from the markup."""

from collections.abc import Callable
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from storage import catalogue
from storage.languages import LANGUAGES, OWN_NAMES

WEB = Path(__file__).parent
# Each language named in itself, for the switch every page carries (templates/languages.html).
SWITCH = tuple((language, OWN_NAMES[language]) for language in LANGUAGES)

# Autoescaped: every value, the catalogue's texts included, is escaped as it goes in.
TEMPLATES = Environment(
    loader=ChoiceLoader([FileSystemLoader(WEB / "templates"), PackageLoader("bot.pipeline")]),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def texts_in(language: str) -> Callable[..., str]:
    """`text(key, **values)` for a template, in the page's language."""

    def text(key: str, **values: object) -> str:
        return catalogue.text(key, language, **values)

    return text


def render(template: str, language: str, **context: object) -> str:
    return TEMPLATES.get_template(template).render(
        language=language, text=texts_in(language), switch=SWITCH, **context
    )
