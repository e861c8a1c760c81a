"""rasa_env/patches/domain_emptiness_once.py: Rasa's answer, worked out once per domain."""

from rasa.shared.core.domain import Domain

from rasa_env.patches import domain_emptiness_once
from rasa_env.patches.domain_emptiness_once import IS_EMPTY, KNOWN, is_empty
from rasa_env.patches.targets import original
from tests.support.patched_rasa import DOMAIN, apply_patches

apply_patches()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert Domain.is_empty is is_empty


def test_the_answer_is_rasas_for_an_empty_and_a_full_domain() -> None:
    for domain in (Domain.empty(), Domain.load(str(DOMAIN)), Domain.from_dict({})):
        assert domain.is_empty() == original(IS_EMPTY)(domain)
    assert Domain.empty().is_empty()
    assert not Domain.load(str(DOMAIN)).is_empty()


def test_each_domain_is_compared_with_an_empty_one_once(monkeypatch) -> None:
    full, empty = Domain.load(str(DOMAIN)), Domain.empty()
    for domain in (full, empty):
        domain.__dict__.pop(KNOWN, None)  # what loading the domain asked already
    calls = []

    def counted(domain: Domain) -> bool:
        calls.append(domain)
        return original(IS_EMPTY)(domain)

    monkeypatch.setattr(domain_emptiness_once, "original", lambda target: counted)
    assert [full.is_empty() for _ in range(3)] == [False] * 3
    assert [empty.is_empty() for _ in range(3)] == [True] * 3
    assert calls == [full, empty]
