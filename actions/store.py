"""Database access for actions: storage's functions, run off the event loop."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection
from sqlmodel import Session

from storage import db
from storage.settings import get_settings

T = TypeVar("T")


def _in_session(work: Callable[[Session], T]) -> T:
    with db.session_scope(get_settings().database_url) as session:
        return work(session)


async def in_session(work: Callable[[Session], T]) -> T:
    """Runs `work` in one committed unit of work on a worker thread."""
    return await asyncio.to_thread(_in_session, work)


def _in_single_statements(work: Callable[[Connection], T]) -> T:
    return db.in_single_statements(get_settings().database_url, work)


async def in_single_statements(work: Callable[[Connection], T]) -> T:
    """Runs `work`, whose statements each commit by themselves, on a worker thread. It
    may run twice (storage.db.in_single_statements), so it must be safe to repeat."""
    return await asyncio.to_thread(_in_single_statements, work)
