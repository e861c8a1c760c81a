"""The data migration that turns the proposal's stored English choice labels into codes,
run by the real Alembic scripts on a database that holds a proposal from before."""

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from storage.migrate import alembic_config

BEFORE, AFTER = "6a2c1e9f0b17", "7b3d2f0a1c58"


def test_stored_proposal_labels_become_codes_and_free_text_stays(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, BEFORE)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO submission (id, reference, year, sequence, kind, title, category,"
                " status, submitted_at, updated_at, next_step, status_token_hash, flags,"
                " status_since, snoozes, title_public, version) VALUES (1, 'SC-2026-00001',"
                " 2026, 1, 'proposal', 't', 'Mobility', 'received', '2026-12-01',"
                " '2026-12-01', 'n', 'h', '[]', '2026-12-01', 0, 0, 1)"
            )
        )
        answers = {
            "cost_model": "Cost share",
            "city_ask": "Pilot site, Funding",
            "departments": "Transportation and Public Works",
            "data_owner": "Not sure",
            "timeline": "Partly in spring",
        }
        for field, value in answers.items():
            connection.execute(
                text("INSERT INTO submissionanswer VALUES (1, :field, :value, 0)"),
                {"field": field, "value": value},
            )
        connection.execute(
            text(
                "INSERT INTO draft (id, sender_id, kind, answers, created_at, updated_at)"
                " VALUES (1, 'web-x', 'proposal', :answers, '2026-12-01', '2026-12-01')"
            ),
            {"answers": '{"category": "Water", "city_ask": ["Data access", "Other: a desk"]}'},
        )
    command.upgrade(config, AFTER)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT category FROM submission")).scalar() == "mobility"
        stored = dict(connection.execute(text("SELECT field, value FROM submissionanswer")).all())
        draft = connection.execute(text("SELECT answers FROM draft")).scalar()
    assert stored == {
        "cost_model": "cost_share",
        "city_ask": "pilot_site, funding",
        "departments": "Transportation and Public Works",
        "data_owner": "not_sure",
        "timeline": "Partly in spring",
    }
    assert '"category": "water"' in draft and '["data_access", "Other: a desk"]' in draft
    command.downgrade(config, BEFORE)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT category FROM submission")).scalar() == "Mobility"
        stored = dict(connection.execute(text("SELECT field, value FROM submissionanswer")).all())
    assert stored == answers
    engine.dispose()
