"""One clock for a test that walks a submission through weeks on the real stack: the
scheduler process and the staff CLI run on it (tests/support/clocked_scheduler.py,
tests/support/clocked_staff_cli.py), and the test reads its time from it. It starts
at the real time and only moves forward; moving it restarts the scheduler on the new
time, which then plans and sends what fell due, as one started after a pause would;
`move_to` returns once it has planned (its first pass publishes the report's figures
last, stamped with its time).

The stack's app and action server keep the real clock (they are the session's): what a
person does in chat or Slack happens at the real time."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from storage.db import session_scope
from storage.published_figures import published_figures
from tests.support.sending import ROOT, start_scheduler


class WorldClock:
    def __init__(self, env: dict[str, str]) -> None:
        """`env`: what the scheduler and the CLI need besides this process's environment
        (the stack's database, the fake Slack, the mailbox)."""
        self.env = env
        self.offset = timedelta(0)
        self.scheduler: subprocess.Popen | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, moment: datetime) -> None:
        """The clock at `moment` (never back), the scheduler restarted on it."""
        offset = moment - datetime.now(UTC)
        assert offset >= self.offset, f"the clock only moves forward, not to {moment}"
        self.offset = offset
        self._restart_scheduler()
        self._wait_for_a_pass(moment)

    def _restart_scheduler(self) -> None:
        self.stop()
        saved = {name: os.environ.get(name) for name in self.env}
        os.environ.update(self.env)
        try:
            self.scheduler = start_scheduler(clock_offset=self.offset.total_seconds())
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name)
                else:
                    os.environ[name] = value

    def _wait_for_a_pass(self, moment: datetime, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.scheduler is not None and self.scheduler.poll() is None, "scheduler ended"
            with session_scope(self.env["DATABASE_URL"]) as session:
                stamps = [f.computed_at for f in published_figures(session).values()]
            if any(as_utc(stamp) >= moment for stamp in stamps):
                return
            time.sleep(0.2)
        raise TimeoutError(f"the scheduler did not plan at {moment} within {timeout}s")

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.terminate()
            self.scheduler.wait(30)
            self.scheduler = None

    def cli(self, *argv: str, acting: str | None = None) -> tuple[int, str]:
        """`python -m bot.staff_cli [--as acting] argv...` on this clock: exit status and
        what it printed."""
        who = ["--as", acting] if acting else []
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.clocked_staff_cli", *who, *argv],
            cwd=ROOT,
            env={
                **os.environ,
                **self.env,
                "PYTHONPATH": str(ROOT),
                "ENTRYWAY_TEST_CLOCK_OFFSET": str(self.offset.total_seconds()),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode, done.stdout + done.stderr


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back the UTC moments it stored without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
