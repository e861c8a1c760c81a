"""Sending on: this test process (and the schedulers it starts, which inherit its
environment) pointed at a database, a fake Slack and a local mailbox."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.settings import get_settings
from tests.support.fake_slack import FakeSlack
from tests.support.mailbox import Mailbox
from tests.support.slack_requests import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
TRIAGE_CHANNEL = "C0TRIAGE"


def configure(
    monkeypatch: pytest.MonkeyPatch, url: str, slack: FakeSlack, mail: Mailbox, **more: str
) -> str:
    for name, value in {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack.url,
        "SLACK_TRIAGE_CHANNEL": TRIAGE_CHANNEL,
        "SMTP_URL": mail.url,
        # Short, so a killed sender's message is sent again soon.
        "ENTRYWAY_OUTBOX_LEASE_SECONDS": "6",
        "ENTRYWAY_SEND_TIMEOUT_SECONDS": "3",
        **more,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return url


def start_scheduler(clock_offset: float | None = None) -> subprocess.Popen:
    """The real scheduler process, on this process's settings; on a clock moved by
    `clock_offset` seconds when given (tests/support/clocked_scheduler.py)."""
    module = "bot.scheduler" if clock_offset is None else "tests.support.clocked_scheduler"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if clock_offset is not None:
        env["ENTRYWAY_TEST_CLOCK_OFFSET"] = str(clock_offset)
    return subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def slack_env(slack: FakeSlack, mailbox: Mailbox) -> dict[str, str]:
    """Slack (pointed at the fake, over HTTP and Socket Mode) and e-mail (to the mailbox) on."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": slack.url,
        "SLACK_TRIAGE_CHANNEL": TRIAGE_CHANNEL,
        "SMTP_URL": mailbox.url,
        # Short, so the tests that kill a sender see its message re-sent soon.
        "ENTRYWAY_OUTBOX_LEASE_SECONDS": "6",
        "ENTRYWAY_SEND_TIMEOUT_SECONDS": "3",
    }


def slack_over_http(monkeypatch: pytest.MonkeyPatch, slack: FakeSlack) -> None:
    """The app's Slack front end over HTTP (no Socket Mode) against the fake Slack, with one
    Rasa worker and the REST channel open, as the Slack listener tests run it."""
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "SLACK_TRIAGE_CHANNEL": TRIAGE_CHANNEL,
        "ENTRYWAY_RASA_WORKERS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.delenv("ENTRYWAY_RASA_TOKEN", raising=False)
