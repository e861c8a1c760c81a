"""The public report's figures as last computed (bot/pipeline/figures.py), one row set
per name, so the page and the open data serve them without recomputing."""

from sqlmodel import Session, select

from storage.db import insert_for
from storage.models import PublishedFigures, utcnow


def store_figures(session: Session, name: str, rows: list) -> None:
    values = {"rows": rows, "computed_at": utcnow()}
    session.execute(
        insert_for(session, PublishedFigures)
        .values(name=name, **values)
        .on_conflict_do_update(index_elements=[PublishedFigures.name], set_=values)
    )


def published_figures(session: Session) -> dict[str, PublishedFigures]:
    return {figures.name: figures for figures in session.exec(select(PublishedFigures))}
