"""`python -m bot.scheduler`: periodic jobs (APScheduler).

Jobs are idempotent and keep their state in the database, so a restart or a
second instance never does harm: deleting already-deleted drafts deletes nothing.
"""

import contextlib
import logging
import signal
from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler

from bot.settings import get_settings
from bot.staff_alerts import notify_pending_handoffs
from storage import repository
from storage.db import session_scope

logger = logging.getLogger("entryway.scheduler")


def purge_stale_drafts() -> int:
    """Drafts hold contact details; keep them only as long as the user was told."""
    settings = get_settings()
    with session_scope(settings.database_url) as session:
        removed = repository.purge_stale_drafts(
            session, timedelta(days=settings.draft_retention_days)
        )
    if removed:
        logger.info(
            "purged %d drafts untouched for %d days", removed, settings.draft_retention_days
        )
    return removed


def notify_handoffs() -> int:
    return notify_pending_handoffs(get_settings())


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    scheduler = BlockingScheduler(timezone=get_settings().zone)
    scheduler.add_job(
        purge_stale_drafts,
        "cron",
        hour=3,
        minute=15,
        id="purge_stale_drafts",
        coalesce=True,
        max_instances=1,
    )
    # The action server posts handoff requests at once; this catches any it could not.
    scheduler.add_job(
        notify_handoffs,
        "interval",
        minutes=1,
        id="notify_handoffs",
        coalesce=True,
        max_instances=1,
    )
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    logger.info("scheduler: started (%d jobs)", len(scheduler.get_jobs()))
    purge_stale_drafts()
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


if __name__ == "__main__":
    main()
