"""Rasa's log lines written without what people typed.

Replaces `rasa.utils.log_utils._anonymizer`, the structlog processor Rasa leaves for a
plugin to rewrite the fields of its log events that carry what people typed (a failed
message is logged with its text). `rasa_env.redaction.logged_without_text` replaces their
values before any log line is written. A privacy measure, not a measured one: switched off,
Rasa's logs carry texts again.
"""

from rasa_env.patches.targets import Target, replace
from rasa_env.redaction import logged_without_text

ANONYMIZER = Target(
    "rasa.utils.log_utils",
    "_anonymizer",
    "4820873159dbcd5a850fd84f9b0c7d94605d8e74bc8c26c30eef58f0acb7298c",
)
TARGETS = (ANONYMIZER,)


def apply() -> None:
    replace(ANONYMIZER, logged_without_text)
