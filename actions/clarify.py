"""When the assistant is unsure: ask which of the two likeliest meanings was meant, and if
the next message is unclear too, give up politely with the options instead of guessing."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import language_of
from storage.catalogue import text

# The intents offered as buttons (labelled by `clarify.choice.<intent>`); a "/intent"
# payload is taken as that intent, in any language.
CHOICES = (
    "submit_proposal",
    "suggest_idea",
    "check_status",
    "report_barrier",
    "human_handoff",
    "help",
    "out_of_scope",
    "greet",
    "goodbye",
    "thank",
)


def asked_to_clarify_last(tracker: Tracker) -> bool:
    """Whether the bot's last action before this message was a clarifying question."""
    seen_latest_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest_message:
                return False
            seen_latest_message = True
        elif (
            seen_latest_message
            and event.get("event") == "action"
            and event.get("name") != "action_listen"
        ):
            return event.get("name") == "action_clarify"
    return False


class Clarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        options = [r["name"] for r in ranking if r.get("name") in CHOICES][:2]
        if asked_to_clarify_last(tracker) or not options:
            dispatcher.utter_message(response="utter_default")
            return []
        language = language_of(tracker)
        dispatcher.utter_message(
            text=text("clarify.question", language),
            buttons=[
                {"title": text(f"clarify.choice.{name}", language), "payload": f"/{name}"}
                for name in options
            ]
            + [{"title": text("clarify.something_else", language), "payload": "/help"}],
        )
        return []
