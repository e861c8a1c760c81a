"""The evaluation workflow: who may move a submission where, and what every change
records and sends. Slack (bot/slack), the staff CLI (bot/staff_cli) and the submitter's
own answers in chat (actions/info_request.py) all go through it, so each change writes
the same history, updates the triage card and tells the submitter once.

Each step works inside the caller's session (one transaction): the change, its
history, and the outbox rows that announce it commit together or not at all.

One job per module, each importing only those above it in this list:
- rules: statuses and where each may go, rubric, blockers, staff identities, the
  Outcome/Refused every step answers in; decided from values alone, no database.
- roles: who may do what, looked up on the staff roster when they act.
- versions: the submission a request acts on, its compare-and-set version, the record
  of changes, and what changed since a stale view.
- submitter_news: telling the submitter (inbox, Slack DM, e-mail).
- info_requests: the questions staff still wait on a submitter to answer.
- evaluation: assignment, conflicts of interest, scores, confidential answers.
- holds: blockers and snoozed reminders.
- transitions: the status change and its history; advance, decline, a question and
  its answer.
Callers import from the module that does the job.

The names below are re-exported only for bot/staff_cli.py, which another change of the
same issue rewrites, so its `workflow.advance(...)` keeps working until the merge
switches it to the modules above; then they go."""

from storage.workflow.evaluation import (
    assign,
    conflicted,
    declare_conflict,
    may_see_confidential,
    record_confidential_view,
    score,
)
from storage.workflow.holds import set_blocked, snooze
from storage.workflow.roles import role_of
from storage.workflow.rules import BLOCKERS, RUBRIC, Outcome, Refused, Staff
from storage.workflow.transitions import advance, decline, request_info
from storage.workflow.versions import find

__all__ = [
    "BLOCKERS",
    "RUBRIC",
    "Outcome",
    "Refused",
    "Staff",
    "advance",
    "assign",
    "conflicted",
    "declare_conflict",
    "decline",
    "find",
    "may_see_confidential",
    "record_confidential_view",
    "request_info",
    "role_of",
    "score",
    "set_blocked",
    "snooze",
]
