"""`python -m bot.scheduler`: the background process. It sends the outbox (the
notifier, every second), plans reminders, escalations, pilot check-ins and the weekly
digest (every minute) and runs the periodic clean-ups (APScheduler). APScheduler only
keeps time: what is due lives in the database.

Jobs keep their state in the database and are idempotent, so a restart or a second
instance never does harm: deleting already-deleted drafts deletes nothing, and an
outbox message is only ever held by one sender."""

import contextlib
import logging
import signal
import sys
from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler

from bot.notifier import Notifier
from bot.pipeline import figures
from bot.slack import roster_sync
from storage import outbox, public_information, reminders, retention, service_levels
from storage.db import session_scope
from storage.models import utcnow
from storage.pilots import checkins
from storage.settings import get_settings

logger = logging.getLogger("entryway.scheduler")
# The public report's figures are this many minutes old at most.
PUBLISH_MINUTES = 10
# How often the staff roster follows the Slack user groups, when they are configured.
ROSTER_SYNC_MINUTES = 5
# Slack retries an event for about an hour at most; keys older than this are not needed.
SLACK_DELIVERY_MEMORY = timedelta(days=1)


def purge_personal_data() -> None:
    """Drafts, conversations, status look-ups and handoff requests hold what people
    typed, and sent outbox messages who was told what; they are kept only as long as
    people were told (ENTRYWAY_DRAFT_RETENTION_DAYS idle; a conversation
    ENTRYWAY_CONVERSATION_MAX_AGE_DAYS at most)."""
    settings = get_settings()
    keep = timedelta(days=settings.draft_retention_days)
    with session_scope(settings.database_url) as session:
        removed = {
            "drafts": retention.purge_stale_drafts(session, keep),
            "idle conversations": retention.purge_idle_conversations(session, keep),
            **retention.purge_old_conversations(
                session, timedelta(days=settings.conversation_max_age_days)
            ),
            **retention.purge_old_records(session, keep),
            "sent outbox messages": outbox.purge_sent(session, keep),
        }
        retention.forget_slack_deliveries(session, SLACK_DELIVERY_MEMORY)
    done = ", ".join(f"{count} {what}" for what, count in removed.items() if count)
    if done:
        logger.info("retention (%d days): deleted %s", settings.draft_retention_days, done)


def plan_reminders() -> int:
    """Writes the reminders, escalations and digest that have fallen due, vendors'
    reminders of a deadline to object to a public-information request, and the stages
    of pilot check-ins (the notifier sends them). What is due is worked out from the
    database each time, so a reminder missed while everything was down is written at the
    first run after the start."""
    url, now = get_settings().database_url, utcnow()
    written = 0
    # Each on its own: one that fails (a bad row, a bug) must not keep the others' due
    # reminders from being written; it is tried again at the next run.
    for planner in (reminders.plan, public_information.plan_reminders, checkins.plan):
        try:
            written += planner(url, now)
        except Exception:
            logger.exception("%s.%s failed; the other planners ran", planner.__module__,
                             planner.__name__)  # fmt: skip
    if written:
        logger.info("planned %d reminders", written)
    return written


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Two lines a second ("Running job", "executed successfully") for the notifier alone.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    settings = get_settings()
    try:
        service_levels.in_force()
    except service_levels.ServiceLevelError as problem:
        sys.exit(f"scheduler: {problem}")
    notifier = Notifier(settings)
    scheduler = BlockingScheduler(timezone=settings.zone)
    scheduler.add_job(
        purge_personal_data,
        "cron",
        hour=3,
        minute=15,
        id="purge_personal_data",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        notifier.run_once,
        "interval",
        seconds=1,
        id="notifier",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        plan_reminders,
        "interval",
        minutes=1,
        id="plan_reminders",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        figures.publish,
        "interval",
        minutes=PUBLISH_MINUTES,
        id="publish_figures",
        coalesce=True,
        max_instances=1,
    )
    if roster_sync.configured(settings):
        scheduler.add_job(
            roster_sync.sync_once,
            "interval",
            args=[settings],
            minutes=ROSTER_SYNC_MINUTES,
            id="roster_sync",
            coalesce=True,
            max_instances=1,
        )
        roster_sync.sync_once(settings)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    logger.info("scheduler: started (%d jobs)", len(scheduler.get_jobs()))
    purge_personal_data()
    plan_reminders()
    figures.publish()
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


if __name__ == "__main__":
    main()
