"""The catalogues: the same keys and placeholders in every language, staff texts apart."""

import string

import pytest

from storage import catalogue
from storage.catalogue import phrases, text
from storage.languages import LANGUAGES


def placeholders(template: str | tuple[str, ...]) -> set[str]:
    if isinstance(template, tuple):
        return set()
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_the_same_keys_and_placeholders():
    english = catalogue.folder("en")
    assert english, "the English catalogue is empty"
    for language in LANGUAGES:
        other = catalogue.folder(language)
        assert sorted(set(english) - set(other)) == [], f"missing in {language}"
        assert sorted(set(other) - set(english)) == [], f"only in {language}"
        differing = [
            key for key in english if placeholders(english[key]) != placeholders(other[key])
        ]
        assert differing == [], f"placeholders differ in {language}"
        kinds = [key for key in english if type(english[key]) is not type(other[key])]
        assert kinds == [], f"a list in one language and a text in the other ({language})"


def test_staff_texts_are_not_also_person_facing_texts():
    staff = set(catalogue.folder(catalogue.STAFF))
    for language in LANGUAGES:
        assert staff & set(catalogue.folder(language)) == set()


def test_a_text_comes_in_the_language_asked_and_staff_texts_in_english():
    assert text("status.label.declined", "en") != text("status.label.declined", "es")
    assert text("card.button.assign", "es") == text("card.button.assign", "en")


def test_an_unknown_language_falls_back_to_english_and_an_unknown_key_is_an_error():
    assert text("status.label.declined", "fr") == text("status.label.declined", "en")
    with pytest.raises(KeyError):
        text("no.such.key", "es")


def test_a_key_given_twice_is_refused(tmp_path, monkeypatch):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.yml").write_text("area:\n  key: one\n")
    (tmp_path / "en" / "b.yml").write_text("area:\n  key: two\n")
    monkeypatch.setattr(catalogue, "CATALOGUE", tmp_path)
    catalogue.folder.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"area\.key"):
            catalogue.folder("en")
    finally:
        catalogue.folder.cache_clear()


def test_a_bare_yes_is_refused_rather_than_read_as_true(tmp_path, monkeypatch):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.yml").write_text("area:\n  words: [yes, sure]\n")
    monkeypatch.setattr(catalogue, "CATALOGUE", tmp_path)
    catalogue.folder.cache_clear()
    try:
        with pytest.raises(ValueError, match="quote"):
            catalogue.folder("en")
    finally:
        catalogue.folder.cache_clear()


def test_list_values_are_read_as_phrases_and_never_as_a_text(tmp_path, monkeypatch):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.yml").write_text('area:\n  words: ["yes", sure]\n  line: Hello\n')
    monkeypatch.setattr(catalogue, "CATALOGUE", tmp_path)
    catalogue.folder.cache_clear()
    try:
        assert phrases("area.words") == ("yes", "sure")
        assert phrases("area.line") == ("Hello",)
        with pytest.raises(TypeError):
            text("area.words")
    finally:
        catalogue.folder.cache_clear()
