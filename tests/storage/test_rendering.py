"""Stored codes worded for each reader (storage/rendering.py), and the open-data
dictionary's codes with their English and Spanish labels, read from the real catalogue
and from a catalogue a form adds its choices to."""

import pytest

from storage import catalogue, rendering, submissions
from storage.db import session_scope
from storage.languages import LANGUAGES
from storage.models import Kind, Status, StatusChange
from tests.support.submissions import submit


@pytest.fixture
def catalogue_with_choices(tmp_path, monkeypatch):
    """The real catalogue, with a form's choice labels as the forms' areas write them."""
    for language in LANGUAGES:
        folder = tmp_path / language
        folder.mkdir()
        for source in (catalogue.CATALOGUE / language).glob("*.yml"):
            (folder / source.name).write_text(source.read_text(encoding="utf-8"), "utf-8")
    (tmp_path / "en" / "proposal.yml").write_text(
        "proposal:\n  choice:\n    category:\n      mobility: Mobility\n      water: Water\n",
        "utf-8",
    )
    (tmp_path / "es" / "proposal.yml").write_text(
        "proposal:\n  choice:\n    category:\n      mobility: Movilidad\n      water: Agua\n",
        "utf-8",
    )
    (tmp_path / "staff").mkdir()
    monkeypatch.setattr(catalogue, "CATALOGUE", tmp_path)
    catalogue.folder.cache_clear()
    yield
    catalogue.folder.cache_clear()


def test_every_coded_column_lists_every_code_in_both_languages(catalogue_with_choices):
    columns = rendering.coded_columns()
    assert set(columns["status"]) == {s.value for s in Status}
    assert set(columns["next_step"]) == {s.value for s in Status}
    assert set(columns["kind"]) == {k.value for k in Kind}
    # A proposal's category and a procurement feedback's step share the column.
    assert columns["category"]["mobility"] == {"en": "Mobility", "es": "Movilidad"}
    assert columns["category"]["water"] == {"en": "Water", "es": "Agua"}
    assert columns["category"]["insurance_bonding"]["en"] == "Insurance and bonding"
    assert columns["status"]["needs_info"] == {
        "en": "waiting for information from the submitter",
        "es": "esperando información de quien hizo el envío",
    }
    for codes in columns.values():
        for labels in codes.values():
            assert set(labels) == set(LANGUAGES)
            assert labels["en"] and labels["es"] and labels["es"] != labels["en"]


def test_a_new_submission_stores_codes_and_reads_in_either_language(database_url):
    reference = submit(database_url)
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        [received] = submissions.status_history(session, submission.id)
        assert submission.next_step == "received"
        assert (received.reason_code, received.public_reason) == ("submitted", None)
        assert rendering.reason_text(received, "en") == "Submitted through Entryway chat."
        assert rendering.reason_text(received, "es") == "Enviado por el chat de Entryway."
        assert rendering.next_step_text(submission.next_step, "es").startswith(
            "La oficina de innovación de la Ciudad"
        )
        # Until staff have screened it, the public reads a neutral title in their language.
        assert submissions.public_view(submission).title == "Proposal awaiting screening"
        assert submissions.public_view(submission, "es").title == (
            "Propuesta pendiente de revisión"
        )
        public = submissions.get_public_submission(session, reference, "es")
        assert public.title == "Propuesta pendiente de revisión"


def test_staff_words_are_never_translated():
    written = StatusChange(submission_id=1, to_status=Status.declined, actor="slack:U1")
    written.public_reason = "Parks already plans shade here."
    assert rendering.reason_text(written, "es") == "Parks already plans shade here."
    assert (
        rendering.reason_text(
            StatusChange(submission_id=1, to_status=Status.pilot, actor="x"), "es"
        )
        == ""
    )
