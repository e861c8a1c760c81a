"""rasa_env/patches/direct_slot_copy.py: a slot's copy is what `copy.copy` makes of it."""

import copy

from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import Slot

from rasa_env.patches.direct_slot_copy import copy_slot
from tests.support.patched_rasa import DOMAIN, apply_patches

apply_patches()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert Slot.__copy__ is copy_slot


def test_every_kind_of_slot_is_copied_as_copy_copys_reduce_protocol_copies_it() -> None:
    slots = Domain.load(str(DOMAIN)).slots
    assert len({type(slot) for slot in slots}) > 2
    for slot in slots:
        slot.value = "set"
        before = slot.value
        ours = copy.copy(slot)
        rasas = copy._reconstruct(slot, None, *slot.__reduce_ex__(4))
        assert type(ours) is type(rasas) is type(slot) and ours is not slot
        assert ours.__dict__ == rasas.__dict__ == slot.__dict__
        ours.value = "other"
        assert slot.value == before
