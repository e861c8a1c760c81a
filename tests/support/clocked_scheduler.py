"""`python -m tests.support.clocked_scheduler`: the real scheduler (bot.scheduler), on a clock moved
by ENTRYWAY_TEST_CLOCK_OFFSET seconds, so tests can push submissions through weeks. The
offset is from the real clock, so every process started with it agrees on the time."""

import os
from datetime import UTC, datetime, timedelta

import time_machine

from bot import scheduler

if __name__ == "__main__":
    offset = timedelta(seconds=float(os.environ["ENTRYWAY_TEST_CLOCK_OFFSET"]))
    with time_machine.travel(datetime.now(UTC) + offset, tick=True):
        scheduler.main()
