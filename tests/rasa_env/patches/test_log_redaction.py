"""rasa_env/patches/log_redaction.py: Rasa's log processor replaces what people typed.
(What Rasa's logs then hold end to end: tests/end_to_end/test_privacy.py.)"""

from rasa.utils import log_utils

from rasa_env.patches.log_redaction import ANONYMIZER
from rasa_env.patches.targets import original
from rasa_env.redaction import REDACTED, logged_without_text
from tests.support.patched_rasa import apply_patches

apply_patches()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert log_utils._anonymizer is logged_without_text


def test_texts_are_replaced_where_rasas_own_processor_leaves_them() -> None:
    def event() -> dict:
        return {"event": "http.parse.text", "text": "my e-mail is a@b.example", "count": 2}

    assert original(ANONYMIZER)(None, "info", event()) == event()
    assert log_utils._anonymizer(None, "info", event()) == {
        "event": "http.parse.text",
        "text": REDACTED,
        "count": 2,
    }
