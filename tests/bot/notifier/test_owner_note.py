"""The owner of an evaluation hears by DM, once, when its submitter withdraws it or
changes an answer in chat (storage/workflow/vendor_requests.py), through the notifier and
a fake Slack (a real HTTP server); a submission nobody owns tells nobody."""

import pytest

from bot.notifier import Notifier
from storage import submissions
from storage.db import session_scope
from storage.settings import get_settings
from storage.workflow import evaluation, rules, vendor_requests
from tests.support import sending
from tests.support.roster import on_roster
from tests.support.slack_people import texts_of
from tests.support.submissions import submit

ANN = rules.Staff("slack:UANN")


@pytest.fixture
def configured(monkeypatch, sqlite_url, slack, mail):
    on_roster(sqlite_url, "UANN")
    yield sending.configure(monkeypatch, sqlite_url, slack, mail)
    get_settings.cache_clear()


def on(url: str, reference: str, work):
    with session_scope(url) as session:
        return work(session, submissions.get_submission(session, reference))


def test_the_owner_hears_of_a_changed_answer_and_a_withdrawal_once(configured, slack):
    reference = submit(configured)
    with session_scope(configured) as session:
        evaluation.assign(session, reference, ANN)
    notifier = Notifier(get_settings())
    while notifier.run_once():
        pass
    on(configured, reference, lambda s, sub: vendor_requests.amend(s, sub, "departments", "IT"))
    on(
        configured,
        reference,
        lambda s, sub: vendor_requests.amend(s, sub, "solution", "v2 <!here>"),
    )
    on(
        configured,
        reference,
        lambda s, sub: vendor_requests.withdraw(s, sub, "Another partner <!channel>"),
    )
    while notifier.run_once():
        pass
    notes = slack.in_channel("DUANN")
    assert [note.text for note in notes] == [
        f":pencil2: The submitter of *{reference}* changed their answer to “Departments” in"
        " chat. The card and Details show the new answer; the old one is in the activity log.",
        f":pencil2: The submitter of *{reference}* changed their confidential answer to"
        " “Solution” in chat. Details shows the new answer to those who may read confidential"
        " answers.",
        f":wave: The submitter withdrew *{reference}* in chat: nothing more can be decided on it.",
    ]
    everything = "\n".join("\n".join(texts_of(note.blocks, "mrkdwn")) for note in notes)
    assert "v2" not in everything and "<!channel>" not in everything  # quoted as plain text
    assert "> Another partner <!channel>" in "\n".join(texts_of(notes[-1].blocks, "plain_text"))
    assert notifier.run_once() == 0  # each once


def test_a_submission_nobody_owns_tells_nobody(configured, slack):
    reference = submit(configured)
    on(configured, reference, lambda s, sub: vendor_requests.amend(s, sub, "departments", "IT"))
    notifier = Notifier(get_settings())
    while notifier.run_once():
        pass
    assert not [m for m in slack.called("chat.postMessage") if m["channel"].startswith("U")]
