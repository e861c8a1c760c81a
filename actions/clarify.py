"""When the assistant is unsure: ask which of the two likeliest meanings was meant, and if
the next message is unclear too, give up politely with the options instead of guessing."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# What each intent offers, as a button; a "/intent" payload is taken as that intent.
CHOICES = {
    "submit_proposal": "Submit a proposal",
    "suggest_idea": "Share an idea",
    "check_status": "Check a submission's status",
    "report_barrier": "Report a procurement barrier",
    "human_handoff": "Talk to a person",
    "help": "See what I can do",
    "out_of_scope": "A City service (3-1-1)",
    "greet": "Just saying hello",
    "goodbye": "Say goodbye",
    "thank": "Say thanks",
}


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
        dispatcher.utter_message(
            text="I'm not sure I understood. Did you mean one of these?",
            buttons=[{"title": CHOICES[name], "payload": f"/{name}"} for name in options]
            + [{"title": "Something else", "payload": "/help"}],
        )
        return []
