"""Switching the conversation's language outside a form ("Español", "in English please",
the language buttons' /switch_language{"language": "es"}). Inside a form the switch is a
digression the form handles itself (GuidedForm.switch_language), keeping every answer."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guided_form import slot_changes, switched_language
from actions.parsing import clean_text
from storage.catalogue import text


class SwitchLanguage(Action):
    """Confirms the switch in the new language, keeps it on the person's contacts, and
    offers what can be done (utter_help's menu) in it."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        said = clean_text((tracker.latest_message or {}).get("text"))
        language = await switched_language(tracker, said)
        dispatcher.utter_message(text=text("language.switched", language))
        # What can be done, with its buttons, in the domain's response for the new language.
        dispatcher.utter_message(response="utter_help")
        # Like the typed-answer actions, it handled this message: the app sets
        # question_open again before the next one while a question is still open.
        return [SlotSet("language", language), *slot_changes(tracker, {"question_open": False})]
