"""Staff without Slack: the CLI does everything the triage card does, writing the same
history and sending the same notifications, on a real database."""

import getpass
import io
import json
import os
import subprocess
import sys

import pytest
from sqlmodel import select

from bot.staff_cli import main as staff_cli
from storage import handoffs, submissions
from storage.db import session_scope
from storage.models import Activity, Kind, OutboxMessage, RosterChange, Status
from storage.workflow import rules, transitions
from tests.support.stack import ROOT, free_port
from tests.support.submissions import submitted

RUBRIC_ARGS = [
    "--alignment", "4", "--feasibility", "3", "--value", "5",
    "--equity", "4", "--risk", "2", "--procurement", "3",
]  # fmt: skip


@pytest.fixture
def reference(app_settings) -> str:
    return submitted(
        app_settings,
        "web-v",
        "en",
        title="Curb sensors",
        category="Mobility",
        answers={"solution": "TOPSECRET-SAUCE", "timeline": "spring"},
        confidential_fields=frozenset({"solution"}),
    ).reference


def cli(capsys, *argv: str) -> tuple[int, str]:
    code = staff_cli(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def roster(app_settings, capsys) -> None:
    """Carol and Dana lead; Erin evaluates: put on the roster by the operator."""
    for user, role, name in (
        ("U0CAROL", "lead", "carol"), ("U0DANA", "lead", "dana"), ("U0ERIN", "evaluator", "Erin"),
    ):  # fmt: skip
        code, out = cli(capsys, "staff", "add", user, "--role", role, "--name", name)
        assert code == 0 and f"{user} is on the roster as {role}" in out


def test_the_whole_evaluation_from_the_terminal(app_settings, roster, reference, capsys):
    code, out = cli(capsys, "list")
    assert code == 0 and reference in out and "received" in out
    code, out = cli(capsys, "--as", "U0ERIN", "show", reference)
    assert "TOPSECRET-SAUCE" not in out and "1 confidential answers hidden" in out
    code, out = cli(capsys, "--as", "erin", "show", reference, "--confidential")
    assert code == 1 and "evaluator and leads only" in out and "TOPSECRET" not in out
    code, out = cli(capsys, "--as", "carol", "assign", reference, "--to", "U0DANA")
    assert code == 0 and "now assigned" in out
    code, out = cli(capsys, "--as", "erin", "advance", reference)
    assert code == 1 and "Only a lead can advance" in out
    code, out = cli(capsys, "--as", "dana", "advance", reference)
    assert code == 0 and "now screening" in out
    code, out = cli(capsys, "--as", "dana", "request-info", reference, "--question", "Unit price?")
    assert code == 0 and "needs_info" in out
    with session_scope(app_settings) as session:
        transitions.answer_info(session, reference, "web-v", "$300 a sensor")
    code, out = cli(capsys, "--as", "dana", "score", reference, *RUBRIC_ARGS)
    assert code == 1 and "declare any conflict" in out
    code, out = cli(capsys, "--as", "dana", "score", reference, "--no-conflict", *RUBRIC_ARGS,
                    "--comment", "value=cheap")  # fmt: skip
    assert code == 0 and "scores for" in out
    code, out = cli(
        capsys, "--as", "erin", "declare", reference, "--conflict", "--statement", "ex-employer"
    )
    assert code == 0 and "conflict of interest" in out
    code, out = cli(capsys, "--as", "erin", "score", reference, *RUBRIC_ARGS)
    assert code == 1 and "cannot score" in out
    code, out = cli(capsys, "--as", "dana", "advance", reference, "--to", "pilot")
    assert code == 1 and "cannot go from screening to pilot" in out
    code, out = cli(capsys, "--as", "dana", "advance", reference, "--reason", "Good fit")
    assert code == 0 and "now evaluation" in out
    reason = "Budget is committed this year."
    code, out = cli(
        capsys,
        "--as",
        "dana",
        "decline",
        reference,
        "--reason",
        reason,
        "--note",
        "revisit in FY28",
    )
    assert code == 0 and "now declined" in out

    code, out = cli(capsys, "--as", "U0DANA", "show", reference, "--confidential")
    assert "TOPSECRET-SAUCE" in out and "[confidential]" in out
    for expected in (
        "slack:U0CAROL", "slack:U0DANA", "slack:U0DANA: received -> screening",
        "submitter: needs_info -> screening", "public: Budget is committed this year.",
        "internal: revisit in FY28", "$300 a sensor", "score by slack:U0DANA",
        "1 declared a conflict",
    ):  # fmt: skip
        assert expected in out, expected
    code, out = cli(capsys, "show", reference, "--confidential")  # the operator: a lead
    assert code == 0 and "TOPSECRET-SAUCE" in out
    with session_scope(app_settings) as session:
        viewed = session.exec(select(Activity).where(Activity.kind == "confidential_viewed")).all()
        assert [v.actor for v in viewed] == ["slack:U0DANA", f"cli:operator:{getpass.getuser()}"]
        kinds = [m.kind for m in session.exec(select(OutboxMessage))]
    assert kinds.count("card_update") >= 1 and "triage_card" in kinds


def test_bad_usage_is_exit_2_and_refusals_exit_1(app_settings, reference, capsys):
    with pytest.raises(SystemExit) as usage:
        staff_cli(["advance", "not-a-reference"])
    assert usage.value.code == 2
    capsys.readouterr()
    code, out = cli(capsys, "advance", "SC-2026-99999")
    assert code == 1 and "no submission SC-2026-99999" in out
    code, out = cli(capsys, "outbox", "--retry", "424242")
    assert code == 1
    code, out = cli(capsys, "list", "--status", "declined")
    assert code == 0 and out.strip() == "no submissions"
    with session_scope(app_settings) as session:
        assert submissions.get_submission(session, reference).status is Status.received


def test_the_roster_from_the_terminal(app_settings, capsys):
    code, out = cli(capsys, "staff", "list")
    assert code == 0 and "nobody is on the roster yet" in out
    code, out = cli(capsys, "staff", "add", "U0ANN", "--role", "lead", "--name", "Ann Lee")
    assert code == 0 and "U0ANN is on the roster as lead" in out
    code, out = cli(capsys, "staff", "add", "<@u0bob>", "--role", "evaluator")
    assert code == 0 and "U0BOB is on the roster as evaluator" in out
    code, out = cli(capsys, "staff", "add", "U0BOB", "--role", "evaluator")
    assert code == 0 and "already on the roster" in out
    code, out = cli(capsys, "--as", "U0BOB", "staff", "add", "U0EVE", "--role", "lead")
    assert code == 1 and "Only a lead can change the staff roster" in out
    code, out = cli(capsys, "--as", "ann lee", "staff", "add", "U0BOB", "--role", "lead")
    assert code == 0 and "U0BOB is now on the roster as lead" in out
    code, out = cli(capsys, "staff", "list")
    assert code == 0 and "U0ANN" in out and "Ann Lee" in out and "U0BOB" in out
    code, out = cli(capsys, "--as", "Ann Lee", "staff", "remove", "U0BOB")
    assert code == 0 and "U0BOB is off the roster" in out
    code, out = cli(capsys, "staff", "remove", "U0BOB")
    assert code == 1 and "is not on the roster" in out
    code, out = cli(capsys, "--as", "U0BOB", "list")
    assert code == 1 and "--as U0BOB: nobody of that Slack id or name is on the staff roster" in out
    code, out = cli(capsys, "staff", "add", "not a user", "--role", "lead")
    assert code == 1 and "not a Slack user id" in out
    with pytest.raises(SystemExit) as usage:
        staff_cli(["staff", "add", "U0EVE", "--role", "boss"])
    assert usage.value.code == 2
    with session_scope(app_settings) as session:
        changes = session.exec(select(RosterChange).order_by(RosterChange.id)).all()
    login = f"cli:operator:{getpass.getuser()}"
    assert [(c.slack_user, c.change, c.actor) for c in changes] == [
        ("U0ANN", "added", login),
        ("U0BOB", "added", login),
        ("U0BOB", "changed", "slack:U0ANN"),
        ("U0BOB", "removed", "slack:U0ANN"),
    ]


def test_as_must_name_someone_on_the_roster(app_settings, roster, reference, capsys):
    code, out = cli(capsys, "--as", "mallory", "assign", reference)
    assert code == 1 and "--as mallory: nobody" in out
    code, out = cli(capsys, "assign", reference, "--to", "U0MALLORY")
    assert code == 1 and "nobody of that Slack id or name" in out
    code, out = cli(capsys, "assign", reference)  # the operator owns nothing: name someone
    assert code == 1 and "is not on the staff roster" in out
    code, out = cli(capsys, "--as", "Erin", "assign", reference)
    assert code == 0 and "now assigned" in out
    code, out = cli(capsys, "--as", "U0ERIN", "show", reference, "--confidential")
    assert code == 0 and "TOPSECRET-SAUCE" in out  # an evaluator, on what they own
    with session_scope(app_settings) as session:
        submission = submissions.get_submission(session, reference)
        assert (submission.assignee, submission.status) == ("slack:U0ERIN", Status.received)


COMMANDS = {
    "list": "submissions, newest first",
    "show": "one submission with its whole record",
    "assign": "make someone the evaluator",
    "request-info": "ask the submitter a question",
    "declare": "declare a conflict of interest, or none",
    "score": "score against the rubric",
    "advance": "move forward",
    "decline": "decline, with a public reason",
    "block": "record what a submission waits on",
    "snooze": "hold its reminders for 3 business days",
    "procurement": "record the procurement approach and date its steps",
    "report": "where submissions get stuck",
    "handoffs": "who asked for a person",
    "outbox": "messages that failed to send",
    "staff": "the staff roster",
    "pia": "public-information requests touching a proposal",
    "understand": "how the assistant understands a text",
    "pilot": "pilot plans, readings and go/no-go",
}


@pytest.fixture
def terminal(monkeypatch) -> None:
    """An 80-column terminal, whatever runs the tests: help is wrapped to its width."""
    monkeypatch.setenv("COLUMNS", "80")


def commands_listed(help_text: str) -> list[str]:
    return [line.split()[0] for line in help_text.split("Commands:")[1].splitlines() if line]


def test_help_lists_every_command_and_needs_no_database(monkeypatch, tmp_path, terminal, capsys):
    # Help is read before anything runs: no database (nor --as look-up) is needed.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    code, overview = cli(capsys, "--help")
    assert code == 0 and "Usage: python -m bot.staff_cli [OPTIONS] COMMAND" in overview
    words = " ".join(overview.split())
    assert "--as NAME" in words and "cli:operator:<login>" in words
    assert "0 done (or nothing to do), 1 refused (the reason is printed), 2 bad usage" in words
    assert commands_listed(overview) == list(COMMANDS)  # in the order of the work
    for command, summary in COMMANDS.items():
        assert summary in overview, command
        code, out = cli(capsys, "--as", "nobody-at-all", command, "--help")
        assert code == 0 and f"Usage: python -m bot.staff_cli {command} " in out, command
        assert summary in out, command


def test_each_command_help_names_what_it_takes(terminal, capsys):
    code, out = cli(capsys, "score", "--help")
    assert code == 0 and "REFERENCE" in out and "--comment CRITERION=TEXT" in out
    for criterion in rules.RUBRIC:
        assert f"--{criterion} " in out, criterion
    assert "Alignment with City priorities" in out  # each criterion's label, from the catalogue
    code, out = cli(capsys, "block", "--help")
    assert all(blocker in out for blocker in (*rules.BLOCKERS, "none"))
    code, out = cli(capsys, "list", "--help")
    assert all(status.value in out for status in Status) and "[default: 50]" in out
    code, out = cli(capsys, "declare", "--help")
    assert "--conflict / --no-conflict" in out and "--statement" in out
    code, out = cli(capsys, "staff", "--help")
    assert code == 0 and commands_listed(out) == ["add", "remove", "list"]
    code, out = cli(capsys, "staff", "add", "--help")
    assert code == 0 and "SLACK_USER_ID" in out and "--role [evaluator|lead]" in out
    code, out = cli(capsys, "staff", "remove", "--help")
    assert code == 0 and "staff remove [OPTIONS] SLACK_USER_ID" in out


@pytest.mark.parametrize(
    "flags", [[], ["--conflict", "--no-conflict"], ["--no-conflict", "--conflict"]]
)
def test_a_declaration_takes_exactly_one_of_conflict_or_none(
    app_settings, roster, reference, capsys, flags
):
    with pytest.raises(SystemExit) as usage:
        staff_cli(["--as", "erin", "declare", reference, *flags])
    assert usage.value.code == 2
    assert "--conflict" in capsys.readouterr().err
    code, out = cli(capsys, "--as", "erin", "show", reference)
    assert code == 0 and "conflict_declared" not in out


# The form's own labels, as the forms' catalogue areas give them (catalogue/en/proposal.yml);
# set here so the test does not depend on their wording.
@pytest.fixture
def spanish_reference(app_settings) -> str:
    return submitted(app_settings, "web-es", "es").reference


def test_show_names_the_submitters_language_and_the_forms_questions(
    app_settings, spanish_reference, reference, capsys
):
    code, out = cli(capsys, "show", spanish_reference)
    assert code == 0
    assert "submitter's language: Spanish" in out and "write them in Spanish" in out
    # The form's own questions in English, a coded answer as its English label, and the
    # submitter's own words as written.
    assert "What you ask of the City: Pilot site" in out
    assert "category: Mobility" in out
    assert "Timeline: en primavera, más o menos" in out
    assert "city_ask" not in out and "pilot_site" not in out
    code, out = cli(capsys, "show", reference)
    assert code == 0 and "submitter's language: English" in out
    assert "category: Mobility" in out  # a category that is no code, as written
    nobody = submitted(app_settings, None, "es", Kind.feedback).reference
    code, out = cli(capsys, "show", nobody)
    assert code == 0 and "submitter's language: none (anonymous" in out


def test_each_handoff_names_the_language_to_answer_in(app_settings, capsys):
    with session_scope(app_settings) as session:
        for sender, topic, language in (
            ("web-es", "¿Quién revisa mi propuesta?", "es"), ("web-en", "Who reviews it?", "en"),
        ):  # fmt: skip
            handoffs.create_handoff(
                session, sender, "web", topic, "p@x.example", None, language=language
            )
    code, out = cli(capsys, "handoffs")
    assert code == 0
    newest, oldest = out.splitlines()
    assert "answer in English" in newest and "Who reviews it?" in newest
    assert "answer in Spanish" in oldest and "¿Quién revisa mi propuesta?" in oldest


def test_the_report_prints_its_columns(app_settings, reference, capsys):
    code, out = cli(capsys, "report")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("Time in each status")
    assert lines[1].split() == ["status", "stays", "median", "p90", "now", "overdue"]
    assert "Open submissions waiting on" in out
    assert out.rstrip().endswith("none")  # no procurement-barrier feedback yet


def test_understand_tells_bad_usage_and_an_unreachable_assistant(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("\n  \n"))  # only blank lines
    with pytest.raises(SystemExit) as usage:
        staff_cli(["understand"])
    assert usage.value.code == 2
    assert "one per line on standard input" in capsys.readouterr().err
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", "1")
    monkeypatch.setenv("ENTRYWAY_RASA_TOKEN", "t")
    code, out = cli(capsys, "understand", "hola")
    assert code == 1 and "could not be reached" in out and "Is it running" in out


@pytest.mark.stack
def test_understand_reads_texts_as_the_running_assistant_does(stack, monkeypatch, capsys):
    """Through the real Rasa servers the stack started (with the token `make run` kept in
    var/secrets.env): texts as arguments in this process, and one per line on standard
    input in a process of its own, as staff run it."""
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(stack.ports["ENTRYWAY_RASA_PORT"]))
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", str(stack.ports["ENTRYWAY_RASA_WORKERS"]))
    monkeypatch.delenv("ENTRYWAY_RASA_TOKEN", raising=False)
    texts = [
        "I want to submit a proposal",
        "how long does the evaluation take?",
        "¿qué pasó con mi idea? la mandé en marzo",
    ]
    code, out = cli(capsys, "understand", *texts)
    assert code == 0, out
    parsed = [json.loads(line) for line in out.splitlines()]
    assert [p["text"] for p in parsed] == texts
    for one in parsed:
        assert isinstance(one["intent"]["name"], str) and 0 <= one["intent"]["confidence"] <= 1
        assert isinstance(one["entities"], list) and "response_selector" in one
        detected = [e["value"] for e in one["entities"] if e["entity"] == "language"]
        assert one["language"] == (detected or ["en"])[0]
    assert parsed[0]["intent"]["name"] == "submit_proposal" and parsed[0]["language"] == "en"
    assert parsed[0]["response_selector"] == {}  # no FAQ question
    faq = parsed[1]["response_selector"]["faq"]["response"]
    assert parsed[1]["intent"]["name"] == "faq" and faq["intent_response_key"].startswith("faq/")

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ENTRYWAY_RASA_PORT": str(stack.ports["ENTRYWAY_RASA_PORT"]),
        "ENTRYWAY_RASA_WORKERS": str(stack.ports["ENTRYWAY_RASA_WORKERS"]),
    }
    env.pop("ENTRYWAY_RASA_TOKEN", None)
    piped = subprocess.run(
        [sys.executable, "-m", "bot.staff_cli", "understand"],
        input="I want to submit a proposal\n\nhelp\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert piped.returncode == 0, piped.stderr
    lines = [json.loads(line) for line in piped.stdout.splitlines()]
    assert [(p["text"], p["intent"]["name"]) for p in lines] == [
        ("I want to submit a proposal", "submit_proposal"),
        ("help", "help"),
    ]
