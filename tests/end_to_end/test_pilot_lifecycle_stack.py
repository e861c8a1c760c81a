"""A pilot's whole lifecycle on one submission, through the real stack (Rasa, the action
server, the app), the fake Slack, the staff CLI and the scheduler, with one clock
(tests/support/world_clock.py) that the scheduler, the CLI and the test's own calls share:

the vendor changes an answer during screening and fills their part of the plan in web
chat (a second vendor does it by Slack DM); approving without a plan, and a non-lead
approving in Slack, are refused; staff complete the plan and a lead approves it in
Slack; the first check-in is answered in chat, the second missed (the vendor reminded,
then the owner told, then the lead, each once however long the scheduler runs); a
revised plan is approved as iteration 2; a public-information request tells the vendor
at once and reminds them once; a non-lead's go/no-go is refused, a lead's stop reaches
the vendor once, and reporting on the stopped pilot is refused; the register, its open
data and the report show it with nothing private; the term sheet renders; the vendor
asks how it was scored; the second vendor withdraws."""

import csv
import html
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import col, select

from storage import contacts, reports, service_levels, submissions
from storage.db import session_scope
from storage.identity import slack_sender
from storage.models import (
    Kind,
    OutboxMessage,
    PublicInformationRequest,
    Status,
    SubmitterMessage,
)
from storage.pilots.models import CheckinState, PilotCheckin
from storage.pilots.views import plan_view
from tests.end_to_end.test_pilot_plan_stack import PLAN_BUTTON, SHORT_PLAN
from tests.storage.pilots.test_checkins import stored
from tests.support.conversation import PageConversation
from tests.support.fake_slack import FakeSlack
from tests.support.mailbox import Mailbox
from tests.support.pilot_plans import read_pdf, words
from tests.support.sending import slack_env
from tests.support.slack_people import SlackPerson, Staff, texts_of
from tests.support.slack_requests import TEAM
from tests.support.stack import Stack
from tests.support.world_clock import WorldClock, as_utc

pytestmark = pytest.mark.stack

AUSTIN = ZoneInfo("America/Chicago")
LEAD, EVALUATOR = "U0LIFELEAD", "U0LIFEEVAL"
# What must never be public, each recognisable wherever it might leak.
EMAIL, PHONE = "lifecycle.vendor@quokka-sensing.example", "+1 512 555 0147"
CONFIDENTIAL = "Quokka-Lattice firmware, patent pending"
PRIVATE_BUDGET_NOTE, PRIVATE_AMOUNT = "Quokka discount rider", 31337.77
SECRET_SITE = "Quokka depot, 4400 block"
REASON = "Turnover did not rise at the installed sites; the City stops this pilot."


def buttons(replies: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for reply in replies for b in reply.get("buttons") or []}


def proposal(
    url: str, sender: str, channel: str, email: str | None, phone: str | None
) -> submissions.Receipt:
    """A Spanish vendor's proposal as the form stores it, its solution marked confidential."""
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Sensores de rotación en el centro",
        category="mobility",
        answers={"solution": CONFIDENTIAL, "departments": "Movilidad"},
        confidential_fields=frozenset({"solution"}),
        contact=contacts.ContactDetails(
            sender_id=sender,
            channel=channel,
            organisation="Quokka Sensing",
            email=email,
            phone=phone,
            language="es",
        ),
        procurement_path="no_cost_pilot",
    )
    with session_scope(url) as session:
        return submissions.create_submission(session, new, AUSTIN)


def status_of(url: str, reference: str) -> Status:
    with session_scope(url) as session:
        return submissions.get_submission(session, reference).status


def vendor_keys(url: str, reference: str) -> list[str]:
    """The keys of everything the vendor was told about the submission, in order."""
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        return list(
            session.exec(
                select(SubmitterMessage.key)
                .where(SubmitterMessage.submission_id == submission.id)
                .order_by(col(SubmitterMessage.id))
            ).all()
        )


def staff_stages(url: str, checkin: PilotCheckin) -> list[str]:
    with session_scope(url) as session:
        return sorted(
            session.exec(
                select(OutboxMessage.dedupe_key).where(
                    col(OutboxMessage.dedupe_key).startswith(f"pilot_checkin:{checkin.id}:")
                )
            ).all()
        )


def dms_about(slack: FakeSlack, user: str, reference: str) -> list[str]:
    """What the app posted to `user` by DM about `reference`'s pilot check-ins."""
    found = []
    for post in slack.called("chat.postMessage"):
        said = json.dumps(post, ensure_ascii=False)
        if post["channel"] == user and reference in said and "check-in" in said:
            blocks = post.get("blocks")
            found.append(
                " ".join(texts_of(json.loads(blocks) if isinstance(blocks, str) else blocks))
            )
    return found


def plan_state(url: str, reference: str) -> str:
    with session_scope(url) as session:
        return plan_view(session, reference)["state"]


def pilot_button(staff: Staff, reference: str, title: str) -> dict:
    card = staff.current_card(reference)
    [section] = [b for b in card.blocks if b.get("block_id") == "pilot"]
    return next(e for e in section["elements"] if e["text"]["text"] == title)


@pytest.fixture
def clock(stack: Stack, fake_slack: FakeSlack, mailbox: Mailbox):
    world = WorldClock(
        {
            **slack_env(fake_slack, mailbox),
            "DATABASE_URL": stack.database_url,
            "ENTRYWAY_ESCALATION_LEAD": LEAD,
        }
    )
    try:
        yield world
    finally:
        world.stop()


def test_a_pilot_from_the_vendors_plan_to_stop_and_after(
    stack, fake_slack, mailbox, clock, tmp_path
):
    url = stack.database_url
    calendar = service_levels.calendar("America/Chicago")
    today = datetime.now(AUSTIN).date()
    assert clock.cli("staff", "add", LEAD, "--role", "lead", "--name", "Lia")[0] == 0
    assert clock.cli("staff", "add", EVALUATOR, "--role", "evaluator", "--name", "Eve")[0] == 0
    lead, evaluator = (
        Staff(stack, fake_slack, LEAD, None),
        Staff(stack, fake_slack, EVALUATOR, None),
    )

    # --- Screening: the vendor changes an answer, proven by their private code. -----------
    vendor = PageConversation(stack.url)
    receipt = proposal(url, vendor.sender, "web", EMAIL, PHONE)
    reference, code = receipt.reference, receipt.status_token
    assert clock.cli("advance", reference, "--to", "screening", acting=LEAD)[0] == 0
    offered = buttons(vendor.say(f"¿cómo va mi propuesta {reference}? mi código es {code}"))
    which = vendor.say(offered["Cambiar una respuesta"])
    vendor.say(buttons(which)["Departamentos"])
    confirm = vendor.say("Movilidad y Obras Públicas")
    done = vendor.text(vendor.say(buttons(confirm)["Sí, cambiarla"]))
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        answers = {a.field: a.value for a in submissions.get_answers(session, submission.id)}
    assert answers["departments"] == "Movilidad y Obras Públicas", done

    for status in ("evaluation", "pilot"):
        assert clock.cli("advance", reference, "--to", status, acting=LEAD)[0] == 0
    assert clock.cli("assign", reference, "--to", EVALUATOR, acting=LEAD)[0] == 0
    refused, said = clock.cli("pilot", "approve", reference, acting=LEAD)
    assert refused == 1 and f"{reference} has no pilot plan yet" in said

    # --- The vendor's part of the plan: in web chat here, by Slack DM for a second one. ----
    offered = buttons(vendor.say(f"¿cómo va mi propuesta {reference}? mi código es {code}"))
    vendor.say(offered[PLAN_BUTTON])
    for said in SHORT_PLAN:
        replies = vendor.say(said)
    done = vendor.text(vendor.say(buttons(replies)["Sí, enviarla"]))
    assert f"tu parte del plan piloto de {reference} está con la Ciudad" in done

    dm_vendor = SlackPerson(stack, fake_slack)
    second = proposal(url, slack_sender(TEAM, dm_vendor.user), "slack", None, None).reference
    for status in ("screening", "evaluation", "pilot"):
        assert clock.cli("advance", second, "--to", status, acting=LEAD)[0] == 0
    fake_slack.wait_for(
        lambda: [m for m in dm_vendor.messages() if PLAN_BUTTON in json.dumps(m.blocks)],
        what="the news of the pilot with its button",
    )
    dm_vendor.press(PLAN_BUTTON)
    for said in SHORT_PLAN:
        replied = dm_vendor.say(said)
    assert f"Esta es tu parte del plan piloto de {second}" in replied
    assert f"tu parte del plan piloto de {second} está con la Ciudad" in dm_vendor.press(
        "Sí, enviarla"
    )
    for ref in (reference, second):
        with session_scope(url) as session:
            assert plan_view(session, ref)["proposed_by"] == "vendor"

    # --- Staff complete the vendor's draft (dates, cadence, data terms) and a lead approves.
    code_, shown = clock.cli("pilot", "show", reference, "--json", acting=EVALUATOR)
    assert code_ == 0
    plan = json.loads(shown)
    first_due, second_due = calendar.add(today, 1), calendar.add(today, 2)
    plan.update(
        starts=today.isoformat(),
        ends=(today + timedelta(days=120)).isoformat(),
        sites=[*plan["sites"], SECRET_SITE],
        milestones=[
            {"name": "Sensores instalados", "due": first_due.isoformat()},
            {"name": "Primer mes", "due": second_due.isoformat()},
        ],
        budget=[
            *plan["budget"],
            {
                "payer": "city",
                "amount": PRIVATE_AMOUNT,
                "in_kind": False,
                "private": True,
                "note": PRIVATE_BUDGET_NOTE,
            },
        ],
        disclosure={"classification": "internal", "records": 100},
        confidential_fields=["sites"],
    )
    plan["metrics"][0]["cadence"] = "at_milestones"
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    code_, said = clock.cli("pilot", "plan", reference, "--from", str(plan_file), acting=EVALUATOR)
    assert code_ == 0 and "the draft of pilot plan iteration 1 is replaced" in said, said

    approve = pilot_button(evaluator, reference, "Approve plan")
    evaluator.client.press(EVALUATOR, approve["action_id"], approve["value"])
    assert "Only a lead can approve the pilot plan" in evaluator.wait_told(1)
    opened = len(fake_slack.called("views.open"))
    lead.client.press(LEAD, approve["action_id"], approve["value"])
    fake_slack.wait_for(lambda: len(fake_slack.called("views.open")) > opened, what="modal")
    view = fake_slack.called("views.open")[-1]["view"]
    approved = lead.client.submit(LEAD, view, {})
    assert "iteration 1 is approved" in json.dumps(approved.json())
    assert plan_state(url, reference) == "approved"

    # --- Check-in 1, asked on the clock, answered in chat. ---------------------------------
    first, second_checkin = stored(url, reference)
    assert (first.slot, second_checkin.slot) == ("milestone:0", "milestone:1")
    clock.move_to(first.next_stage_at + timedelta(minutes=1))
    fake_slack.wait_for(
        lambda: f"pilot_checkin:{first.id}:asked" in vendor_keys(url, reference),
        what="check-in 1 asked",
    )
    inbox = vendor.client.post("/chat/inbox").json()
    report = buttons(inbox)["Reportar los valores"]
    asked = vendor.text(vendor.say(report))
    assert "rotación" in asked
    vendor.say("3,6")
    confirm = vendor.say("Sensores instalados; todo bien.")
    vendor.say(buttons(confirm)["Sí, enviarlo"])
    assert stored(url, reference)[0].state is CheckinState.answered

    # --- Check-in 2 missed: reminded, then the owner, then the lead, each once. ------------
    for stage in ("asked", "reminded", "owner", "escalated"):
        moment = stored(url, reference)[1].next_stage_at
        clock.move_to(moment + timedelta(minutes=1))
        fake_slack.wait_for(
            lambda s=stage: (
                f"pilot_checkin:{second_checkin.id}:{s}"
                in [*vendor_keys(url, reference), *staff_stages(url, second_checkin)]
            ),
            what=f"check-in 2 {stage}",
        )
    fake_slack.wait_for(lambda: dms_about(fake_slack, LEAD, reference), what="the lead's DM")
    for later in (timedelta(hours=2), timedelta(days=2)):  # the scheduler keeps running
        clock.move_to(clock.now() + later)
    checkin_news = [k for k in vendor_keys(url, reference) if k.startswith("pilot_checkin:")]
    assert checkin_news == [
        f"pilot_checkin:{first.id}:asked",
        f"pilot_checkin:{second_checkin.id}:asked",
        f"pilot_checkin:{second_checkin.id}:reminded",
    ]
    assert staff_stages(url, second_checkin) == [
        f"pilot_checkin:{second_checkin.id}:escalated",
        f"pilot_checkin:{second_checkin.id}:owner",
    ]
    assert len(dms_about(fake_slack, EVALUATOR, reference)) == 1
    assert len(dms_about(fake_slack, LEAD, reference)) == 1

    after_the_check_ins(stack, fake_slack, mailbox, clock, tmp_path, reference, plan)

    # --- The vendor asks how it was scored, from a proven status answer. -------------------
    offered = buttons(vendor.say(f"¿cómo va mi propuesta {reference}? mi código es {code}"))
    assert "Retirar mi envío" not in offered and "Cambiar una respuesta" not in offered
    debrief = vendor.text(vendor.say(offered["¿Cómo se evaluó?"]))
    assert reference in debrief and REASON in debrief, debrief

    # --- The second vendor withdraws, by Slack DM. -----------------------------------------
    shown = dm_vendor.say(f"¿cómo va mi propuesta {second}?")
    assert second in shown
    assert f"¿Por qué retiras {second}?" in dm_vendor.press("Retirar mi envío")
    assert f"¿Retirar {second}?" in dm_vendor.say("Elegimos otra ciudad para el piloto")
    assert f"{second} quedó retirado" in dm_vendor.press("Sí, retirarlo")
    assert status_of(url, second) is Status.withdrawn


def after_the_check_ins(
    stack: Stack,
    fake_slack: FakeSlack,
    mailbox: Mailbox,
    clock: WorldClock,
    tmp_path: Path,
    reference: str,
    plan: dict,
) -> None:
    url = stack.database_url
    calendar = service_levels.calendar("America/Chicago")

    # --- Iteration 2: a revised plan after approval, a draft until a lead approves it. ------
    plan["metrics"][0]["target"] = 5.0
    plan_file = tmp_path / "plan-2.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    code, said = clock.cli("pilot", "plan", reference, "--from", str(plan_file), acting=EVALUATOR)
    assert code == 0 and "iteration 2 is set" in said, said
    code, said = clock.cli("pilot", "approve", reference, acting=LEAD)
    assert code == 0 and "iteration 2 is approved" in said, said

    # --- A public-information request: the vendor told at once, reminded once. ------------
    city_today = clock.now().astimezone(AUSTIN).date()
    due = calendar.add(city_today, 6)
    code, said = clock.cli(
        "pia", "add", reference, "--due", due.isoformat(), "--request-id", "PIR-2027-0042",
        acting=LEAD,
    )  # fmt: skip
    assert code == 0, said
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        [request] = session.exec(
            select(PublicInformationRequest).where(
                PublicInformationRequest.submission_id == submission.id
            )
        ).all()
    assert vendor_keys(url, reference).count(f"public_information:{request.id}") == 1
    clock.move_to(as_utc(request.remind_at) + timedelta(minutes=1))
    clock.move_to(clock.now() + timedelta(hours=3))
    assert vendor_keys(url, reference).count(f"public_information_reminder:{request.id}") == 1

    # --- Go/no-go: a non-lead refused, a lead stops it; the vendor is told once. -----------
    code, said = clock.cli(
        "pilot", "decide", reference, "--outcome", "stop", "--reason", REASON, acting=EVALUATOR
    )
    assert code == 1 and "Only a lead can decide the pilot" in said, said
    code, said = clock.cli(
        "pilot", "decide", reference, "--outcome", "stop", "--reason", REASON,
        "--lessons", "Quokka lessons stay internal", acting=LEAD,
    )  # fmt: skip
    assert code == 0 and "the submission is now closed" in said, said
    assert status_of(url, reference) is Status.closed
    for later in (timedelta(minutes=5), timedelta(days=1)):
        clock.move_to(clock.now() + later)
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        closing = submissions.status_history(session, submission.id)[-1]
        told = session.exec(
            select(SubmitterMessage).where(SubmitterMessage.status_change_id == closing.id)
        ).all()
    assert len(told) == 1
    told_by_mail = lambda: [  # noqa: E731
        body for body in (words(m.get_content()) for m in mailbox.to(EMAIL)) if REASON in body
    ]
    fake_slack.wait_for(told_by_mail, what="the decision by e-mail")
    clock.move_to(clock.now() + timedelta(hours=1))  # and the scheduler runs on
    assert len(told_by_mail()) == 1
    code, said = clock.cli(
        "pilot", "report", reference, "--metric", "rotación", "--value", "4", acting=EVALUATOR
    )
    assert code == 1 and "its pilot is decided (stop); it takes no more values" in said, said

    # --- What the public sees: the pilot and its outcome, nothing private. -----------------
    public = httpx.Client(base_url=stack.url, timeout=30)
    register = html.unescape(public.get("/pilots", headers={"Accept-Language": "en"}).text)
    as_csv = public.get("/api/open-data/pilots.csv").text
    as_json = public.get("/api/open-data/pilots.json").json()
    report = html.unescape(public.get("/reports/pipeline").text)
    outcomes = public.get("/api/open-data/pilots-by-outcome.json").json()
    rows = [row for row in as_json if row["reference"] == reference]
    assert rows and {row["outcome"] for row in rows if row["iteration"] == 2} == {"stop"}
    assert REASON in register and reference in register
    assert [r for r in csv.DictReader(io.StringIO(as_csv)) if r["reference"] == reference]
    # The report counts the pilot among the stopped ones (a count under three is shown
    # as hidden, as every small figure is), as published after the decision.
    with session_scope(url) as session:
        stopped = reports.pilots_by_outcome(session)["stop"]
    assert stopped >= 1
    assert {"outcome": "stop", "pilots": reports.suppressed(stopped)} in outcomes
    assert "not published at the vendor's request" in register  # the sites
    for page in (register, as_csv, json.dumps(as_json, ensure_ascii=False), report):
        for private in (EMAIL, PHONE, CONFIDENTIAL, PRIVATE_BUDGET_NOTE, "31337", "31,337",
                        SECRET_SITE, "Quokka lessons", "Quokka Sensing"):  # fmt: skip
            assert private not in page, private

    # --- The term sheet, rendered for legal review. ----------------------------------------
    pdf_path = tmp_path / "terms.pdf"
    code, said = clock.cli("pilot", "terms", reference, "--out", str(pdf_path), acting=LEAD)
    assert code == 0, said
    _, document = read_pdf(pdf_path.read_bytes())
    assert words(plan["scope"]) in document and "rotación" in document
    assert "$500" in document  # 100 internal records at $5
