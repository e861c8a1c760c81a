"""The web chat page, rendered once per language: its markup's texts, and those its
script shows (greeting, menu, status lines), given to the script as a JSON block."""

from functools import lru_cache

from bot.web import render
from storage import catalogue

# The greeting's menu: each button sends the intent itself, never an English sentence
# the model would have to classify (in any language).
MENU = (
    ("proposal", "/submit_proposal"),
    ("idea", "/suggest_idea"),
    ("status", "/check_status"),
    ("help", "/help"),
)
SCRIPT_TEXTS = (
    "bot_said",
    "you_said",
    "suggested",
    "typing",
    "went_wrong",
    "too_large",
    "too_many",
    "answers_safe",
    "unreachable",
    "remembered",
    "forgotten",
    "retry",
    "greeting",
)


def script_texts(language: str) -> dict[str, object]:
    said = {name: catalogue.text(f"page.script.{name}", language) for name in SCRIPT_TEXTS}
    menu = [
        {"title": catalogue.text(f"page.script.menu.{name}", language), "payload": payload}
        for name, payload in MENU
    ]
    return {**said, "menu": menu, "language": language}


@lru_cache
def chat_page(language: str) -> str:
    return render("index.html", language, script_texts=script_texts(language))
