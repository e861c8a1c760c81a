"""The migration that turns the English Entryway wrote into the database into codes and
facts (7b3d2f1a8c05), on real SQLite and real PostgreSQL: rows written the old way, by
the schema before it, come out as codes that read as they did in English, and in
Spanish for a Spanish contact; back down, the English is written again."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import select

from storage import rendering
from storage.db import get_engine, session_scope
from storage.migrate import alembic_config
from storage.models import StatusChange, Submission, SubmitterMessage
from storage.workflow.submitter_news import worded
from tests.support.submissions import submit

BEFORE = "6a2c1e9f0b17"
REFERENCE = "SC-2026-00007"
SCREENING_REASON = "A City reviewer has started screening your submission."
OLD_NEWS = (
    f'Update on {REFERENCE} ("Shade "sails" for parks"): it is now in screening.\n'
    f"{SCREENING_REASON}\n"
    "Next step: A City reviewer is checking the submission for completeness and fit. "
    "Next decision expected by 07 December 2026."
)
OLD_QUESTION_NEWS = (
    f'Update on {REFERENCE} ("Shade "sails" for parks"): it is now waiting for information '
    "from you.\nWhich parks, exactly?\nNext step: The City has asked the submitter for more "
    "information; review resumes once it arrives. Next decision expected by 21 December 2026."
)
OLD_REMINDER = (
    f"Reminder about {REFERENCE}: City staff are still waiting for your answer to\n"
    '"Which parks, exactly?". Please answer by 21 December 2026; review continues once it '
    "arrives."
)
ANSWER_BUTTON = {
    "title": "Answer the City's question",
    "payload": f'/provide_info{{"reference":"{REFERENCE}"}}',
}
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _write_old_rows(url: str, language: str) -> None:
    """A submission as the code before the migration stored it: English next step,
    Entryway's reasons in English beside one a person wrote, English inbox texts."""
    engine = get_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine, only=["contact", "submission", "statuschange", "submittermessage"])
    contact, submission, change, message = (
        tables.tables[name]
        for name in ("contact", "submission", "statuschange", "submittermessage")
    )
    with engine.begin() as connection:
        contact_id = connection.execute(
            contact.insert().values(
                sender_id="web-old", channel="web", language=language, created_at=NOW
            )
        ).inserted_primary_key[0]
        submission_id = connection.execute(
            submission.insert().values(
                reference=REFERENCE,
                year=2026,
                sequence=7,
                kind="idea",
                title='Shade "sails" for parks',
                status="needs_info",
                submitted_at=NOW,
                updated_at=NOW,
                next_step="The City has asked the submitter for more information; review "
                "resumes once it arrives.",
                next_decision_by=date(2026, 12, 21),
                contact_id=contact_id,
                status_token_hash="0" * 64,
                flags=[],
                status_since=NOW,
            )
        ).inserted_primary_key[0]
        reasons = [
            ("received", "Submitted through Entryway chat."),
            ("screening", SCREENING_REASON),
            ("needs_info", "Which parks, exactly?"),
        ]
        change_ids = [
            connection.execute(
                change.insert().values(
                    submission_id=submission_id,
                    at=NOW,
                    actor="entryway",
                    to_status=to_status,
                    public_reason=reason,
                )
            ).inserted_primary_key[0]
            for to_status, reason in reasons
        ]
        for key, change_id, said, buttons in (
            ("status:2", change_ids[1], OLD_NEWS, []),
            ("status:3", change_ids[2], OLD_QUESTION_NEWS, [ANSWER_BUTTON]),
            ("reminder:1", None, OLD_REMINDER, [ANSWER_BUTTON]),
            ("note:1", None, "A note written some other way.", []),
        ):
            connection.execute(
                message.insert().values(
                    submission_id=submission_id,
                    key=key,
                    status_change_id=change_id,
                    sender_id="web-old",
                    text=said,
                    buttons=buttons,
                    created_at=NOW,
                )
            )


def test_old_english_rows_become_codes_that_read_in_each_language(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, BEFORE)
    _write_old_rows(database_url, language="es")
    command.upgrade(config, "head")

    with session_scope(database_url) as session:
        submission = session.exec(select(Submission)).one()
        assert submission.next_step == "needs_info"
        changes = session.exec(select(StatusChange).order_by(StatusChange.id)).all()
        assert [(c.reason_code, c.public_reason) for c in changes] == [
            ("submitted", None),
            ("advanced_to.screening", None),
            (None, "Which parks, exactly?"),  # a person's words stay as written
        ]
        assert rendering.reason_text(changes[1], "en") == SCREENING_REASON
        assert rendering.reason_text(changes[1], "es") == (
            "Una persona de la Ciudad empezó la revisión inicial de tu envío."
        )
        messages = session.exec(select(SubmitterMessage).order_by(SubmitterMessage.id)).all()
        assert [m.news for m in messages] == [
            "status_changed",
            "status_changed",
            "answer_reminder",
            "as_written",
        ]
        assert messages[0].facts == {
            "reference": REFERENCE,
            "title": 'Shade "sails" for parks',
            "status": "screening",
            "reason_code": "advanced_to.screening",
            "reason": None,
            "next_step": "screening",
            "next_decision": "2026-12-07",
            "answer": False,
        }
        english = [worded(m, "en") for m in messages]
        # The same English, but for the date, now written as people in Austin write it.
        assert english[0].text == OLD_NEWS.replace("07 December 2026", "December 7, 2026")
        assert english[2].text == OLD_REMINDER.replace("21 December 2026", "December 21, 2026")
        assert english[3].text == "A note written some other way."
        assert [bool(w.buttons) for w in english] == [False, True, True, False]
        assert english[1].buttons == [ANSWER_BUTTON]
        spanish = [worded(m, "es") for m in messages]
        assert spanish[0].text.startswith(f'Novedades sobre {REFERENCE} ("Shade "sails"')
        assert "Estado actual: en revisión inicial." in spanish[0].text
        assert "a más tardar el 7 de diciembre de 2026." in spanish[0].text
        assert "Which parks, exactly?" in spanish[1].text  # staff's words, as written
        assert "Por favor responde antes del 21 de diciembre de 2026" in spanish[2].text
        assert spanish[1].buttons[0]["title"] == "Responder a la pregunta de la Ciudad"

    command.downgrade(config, BEFORE)
    engine = get_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT next_step FROM submission")).scalar_one() == (
            "The City has asked the submitter for more information; review resumes once it arrives."
        )
        reasons = connection.execute(
            sa.text("SELECT public_reason FROM statuschange ORDER BY id")
        ).scalars()
        assert list(reasons) == [
            "Submitted through Entryway chat.",
            SCREENING_REASON,
            "Which parks, exactly?",
        ]
        texts = connection.execute(sa.text("SELECT text FROM submittermessage ORDER BY id"))
        assert list(texts.scalars()) == [
            OLD_NEWS.replace("07 December 2026", "December 7, 2026"),
            OLD_QUESTION_NEWS.replace("21 December 2026", "December 21, 2026"),
            OLD_REMINDER.replace("21 December 2026", "December 21, 2026"),
            "A note written some other way.",
        ]
    command.upgrade(config, "head")


def test_the_status_history_stays_append_only_after_the_migration(database_url):
    """The migration lifts the history's triggers only while it writes the codes."""
    submit(database_url)
    with (
        get_engine(database_url).connect() as connection,
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
    ):
        connection.execute(sa.text("UPDATE statuschange SET public_reason = 'rewritten'"))
