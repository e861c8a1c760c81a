"""A slot copied directly, not through `copy.copy`'s generic reduce protocol.

Adds `Slot.__copy__`, which Rasa's Slot lacks: every tracker Rasa builds copies every slot of
the domain with `copy.copy`, several trackers per message (6.7% of a Rasa server's busy
time under `make bench`). A slot's copy is what `copy.copy` makes of it, a new instance
sharing its attributes' values, made directly. The target's hash is that of the Slot class,
whose attributes the copy must carry (a `__copy__` or `__reduce__` of Rasa's own would
change it too).
"""

from rasa.shared.core.slots import Slot

from rasa_env.patches.targets import Target, replace

COPY = Target(
    "rasa.shared.core.slots",
    "Slot.__copy__",
    "0a694d68aef367326f0d4714f862136245b05509efc5b037ab8c60fb3341e47e",
    source_of="Slot",
)
TARGETS = (COPY,)


def copy_slot(self: Slot) -> Slot:
    copied = self.__class__.__new__(self.__class__)
    copied.__dict__.update(self.__dict__)
    return copied


def apply() -> None:
    replace(COPY, copy_slot)
