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
- submitter_news: telling the submitter (inbox, Slack DM, e-mail), stored as news and
  facts and worded in their language when read.
- info_requests: the questions staff still wait on a submitter to answer.
- evaluation: assignment, conflicts of interest, scores, confidential answers.
- holds: blockers and snoozed reminders.
- transitions: the status change and its history; advance, decline, a question and
  its answer.
- vendor_requests: what the submitter asks of their own submission in chat: withdraw
  it, change an answer, a debrief of how it was scored.
Callers import from the module that does the job.
"""
