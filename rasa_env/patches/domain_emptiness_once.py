"""Whether the domain is empty, worked out once per domain.

Replaces `Domain.is_empty`, which compares the domain's whole dictionary with an empty
domain's, built anew, several times per message. Together with the intent classifier's
sentence-row scoring (nlu/row_scoring_classifier.py) it was about 9% of a Rasa server's busy time
at 20 users. A domain does not change once loaded (a new model brings a new Domain), so the
first answer is kept on the instance.
"""

from rasa.shared.core.domain import Domain

from rasa_env.patches.targets import Target, original, replace

IS_EMPTY = Target(
    "rasa.shared.core.domain",
    "Domain.is_empty",
    "884be90ef485f1d2c0f140657a47f106a7d2785b63b03e46cd699b4072e95369",
)
TARGETS = (IS_EMPTY,)
KNOWN = "_entryway_is_empty"


def is_empty(self: Domain) -> bool:
    known = self.__dict__.get(KNOWN)
    if known is None:
        known = self.__dict__[KNOWN] = original(IS_EMPTY)(self)
    return known


def apply() -> None:
    replace(IS_EMPTY, is_empty)
