"""`python -m tests.support.clocked_staff_cli ...`: the real staff CLI (bot.staff_cli), on
a clock moved by ENTRYWAY_TEST_CLOCK_OFFSET seconds, as tests/support/clocked_scheduler.py
runs the scheduler: a test that moves one clock runs staff's commands on it too."""

import os
import sys
from datetime import UTC, datetime, timedelta

import time_machine

from bot.staff_cli import main

if __name__ == "__main__":
    offset = timedelta(seconds=float(os.environ["ENTRYWAY_TEST_CLOCK_OFFSET"]))
    with time_machine.travel(datetime.now(UTC) + offset, tick=True):
        code = main()
    sys.exit(code)
