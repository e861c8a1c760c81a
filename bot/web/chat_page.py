"""The web chat page, rendered once per language: its markup's texts, and those its
script shows (greeting, menu, status lines), given to the script as a JSON block."""

import json
from functools import lru_cache

from bot.web import render
from storage import catalogue

# The greeting's menu: each button sends the intent itself, never a sentence the model
# would have to classify, with the page's language as the `language` entity. Rasa reads
# such a payload without the NLU pipeline, so its language detector never sees it: the
# entity sets the conversation's language from the first press.
MENU = (
    ("proposal", "submit_proposal"),
    ("idea", "suggest_idea"),
    ("status", "check_status"),
    ("help", "help"),
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
    entity = json.dumps({"language": language}, separators=(",", ":"))
    menu = [
        {
            "title": catalogue.text(f"page.script.menu.{name}", language),
            "payload": f"/{intent}{entity}",
        }
        for name, intent in MENU
    ]
    return {**said, "menu": menu, "language": language}


@lru_cache
def chat_page(language: str) -> str:
    return render("index.html", language, script_texts=script_texts(language))
