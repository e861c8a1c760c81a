"""The data migration that turns the idea's and the procurement feedback's stored English
labels and composed titles into codes and catalogue keys, run by the real Alembic scripts
on a database that holds submissions and a draft from before, and back."""

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from storage.migrate import alembic_config

BEFORE, AFTER = "7b3d2f1a8c05", "8c4e2a1b9d07"
SUBMISSION = (
    "INSERT INTO submission (id, reference, year, sequence, kind, title, category,"
    " status, submitted_at, updated_at, next_step, status_token_hash, flags,"
    " status_since, snoozes, title_public, version) VALUES (:id, :reference, 2026, :id,"
    " :kind, :title, :category, 'received', '2026-12-01', '2026-12-01', 'received', 'h',"
    " '[]', '2026-12-01', 0, 0, 1)"
)
OLD_ANSWERS = {
    (1, "idea_location"): "Citywide",
    (1, "idea_publish"): "No",
    (1, "idea_text"): "Bancas con sombra en Montopolis",
    (2, "barrier_step"): "Insurance and bonding",
    (2, "barrier_impact"): "Extra cost, Could not bid",
    (2, "barrier_what"): "Insurance of $10M for a 5-person company",
}
NEW_ANSWERS = {
    (1, "idea_location"): "citywide",
    (1, "idea_publish"): "no",
    (1, "idea_text"): "Bancas con sombra en Montopolis",
    (2, "barrier_step"): "insurance_bonding",
    (2, "barrier_impact"): "extra_cost, could_not_bid",
    (2, "barrier_what"): "Insurance of $10M for a 5-person company",
}
OLD_TITLES = ["Resident idea (not published)", "Procurement barrier: Insurance and bonding"]
NEW_TITLES = ["idea.title.not_published", "feedback.title.insurance_bonding"]


def stored(engine) -> tuple[list[str], dict, str]:
    with engine.connect() as connection:
        titles = list(
            connection.execute(text("SELECT title FROM submission ORDER BY id")).scalars()
        )
        answers = {
            (row.submission_id, row.field): row.value
            for row in connection.execute(text("SELECT * FROM submissionanswer"))
        }
        draft = connection.execute(text("SELECT answers FROM draft")).scalar()
    return titles, answers, draft


def test_idea_and_feedback_labels_become_codes_and_come_back_down(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, BEFORE)
    engine = create_engine(url)
    with engine.begin() as connection:
        for id_, kind, title, category in (
            (1, "idea", OLD_TITLES[0], None),
            (2, "feedback", OLD_TITLES[1], "insurance_bonding"),
        ):
            connection.execute(
                text(SUBMISSION),
                {
                    "id": id_,
                    "reference": f"SC-2026-0000{id_}",
                    "kind": kind,
                    "title": title,
                    "category": category,
                },
            )
        for (id_, field), value in OLD_ANSWERS.items():
            connection.execute(
                text("INSERT INTO submissionanswer VALUES (:id, :field, :value, 0)"),
                {"id": id_, "field": field, "value": value},
            )
        connection.execute(
            text(
                "INSERT INTO draft (id, sender_id, kind, answers, created_at, updated_at)"
                " VALUES (1, 'web-x', 'feedback', :answers, '2026-12-01', '2026-12-01')"
            ),
            {"answers": '{"barrier_step": "Timeline", "barrier_impact": ["Delay"]}'},
        )
    command.upgrade(config, AFTER)
    titles, answers, draft = stored(engine)
    assert titles == NEW_TITLES and answers == NEW_ANSWERS
    assert '"barrier_step": "timeline"' in draft and '["delay"]' in draft
    command.downgrade(config, BEFORE)
    titles, answers, draft = stored(engine)
    assert titles == OLD_TITLES and answers == OLD_ANSWERS
    assert '"barrier_step": "Timeline"' in draft and '["Delay"]' in draft
