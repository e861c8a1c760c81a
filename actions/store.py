"""Database access for actions: the repository, run off the event loop."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from storage.db import session_scope
from storage.settings import get_settings

T = TypeVar("T")


def _in_session(work: Callable[[Session], T]) -> T:
    with session_scope(get_settings().database_url) as session:
        return work(session)


async def in_session(work: Callable[[Session], T]) -> T:
    """Runs `work` in one committed unit of work on a worker thread."""
    return await asyncio.to_thread(_in_session, work)
