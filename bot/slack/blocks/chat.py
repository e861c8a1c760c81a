"""The assistant's replies (Rasa's REST format) as Slack messages: the text as plain
text, up to five choices as buttons, more as one menu. A choice's action carries the
payload the web chat would send (an intent or a code, never a sentence), unchanged, so
both channels share every conversation. The few texts of our own (a menu's placeholder,
"You chose") are in the person's language."""

from bot.slack.text import escape, plain
from storage.catalogue import text
from storage.languages import DEFAULT_LANGUAGE

CHOICE = "chat_choice"  # action_id prefix of a button; the menu is CHOICE + "_menu"
MENU = f"{CHOICE}_menu"
MAX_BUTTONS = 5
SECTION_CHARS = 2900
OPTION_VALUE_CHARS = 150


def _sections(body: str) -> list[dict]:
    chunks = [body[i : i + SECTION_CHARS] for i in range(0, len(body), SECTION_CHARS)] or [" "]
    return [{"type": "section", "text": plain(chunk)} for chunk in chunks]


def _choices(buttons: list[dict], language: str) -> dict | None:
    usable = [
        b for b in buttons if isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)
    ]
    if not usable:
        return None
    if len(usable) <= MAX_BUTTONS:
        elements = [
            {
                "type": "button",
                "text": plain(b["title"], 75),
                "action_id": f"{CHOICE}_{i}",
                "value": b["payload"][:2000],
            }
            for i, b in enumerate(usable)
        ]
    else:
        elements = [
            {
                "type": "static_select",
                "action_id": MENU,
                "placeholder": plain(text("slack_dm.choose", language), 150),
                "options": [
                    {"text": plain(b["title"], 75), "value": b["payload"][:OPTION_VALUE_CHARS]}
                    for b in usable[:100]
                ],
            }
        ]
    return {"type": "actions", "block_id": "choices", "elements": elements}


def message(reply: dict, language: str = DEFAULT_LANGUAGE) -> dict:
    """chat.postMessage arguments (text and blocks) for one reply, to someone who talks
    to the assistant in `language`."""
    body = reply.get("text") if isinstance(reply.get("text"), str) else ""
    blocks = _sections(body) if body else []
    choices = _choices(reply.get("buttons") or [], language)
    if choices:
        blocks.append(choices)
    return {"text": escape(body[:3000]) or text("slack_dm.choose", language), "blocks": blocks}


def title_of(blocks: list[dict], action_id: str, payload: str) -> str | None:
    """The title, as the person read it, of the choice with that action id and payload
    among a message's choices (a payload is a code or an intent, never for people)."""
    for block in blocks:
        if block.get("block_id") != "choices":
            continue
        for element in block.get("elements") or []:
            if element.get("action_id") != action_id:
                continue
            found = [element, *(element.get("options") or [])]
            for choice in found:
                title = (choice.get("text") or {}).get("text")
                if choice.get("value") == payload and isinstance(title, str):
                    return title
    return None


def answered(
    blocks: list[dict], chosen: str | None, language: str = DEFAULT_LANGUAGE
) -> list[dict]:
    """The message's blocks with its choices replaced by what was chosen (the choice's
    own title, as the person read it; nothing when it is not known), so the same choice
    cannot be sent twice."""
    kept = [b for b in blocks if b.get("block_id") != "choices"]
    if chosen is None:
        return kept
    note = {
        "type": "context",
        "elements": [plain(text("slack_dm.you_chose", language, choice=chosen))],
    }
    return [*kept, note]
