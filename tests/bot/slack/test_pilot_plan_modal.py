"""Staff write and edit the pilot plan in Slack, through the real app on loopback, the
notifier drawing the card, and the fake Slack (which refuses a view Slack would refuse):
the modal is prefilled from the newest iteration, a plan typed in it is stored as a draft
by the person who submitted it, a wrong line or date is refused on its field with what
was typed kept, someone off the roster or on a stale card changes nothing, an edit of an
approved plan makes the next iteration, and the card's thread is told who changed what."""

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from storage import submissions
from storage.db import session_scope
from storage.models import Activity
from storage.pilots import plan_input, plans
from storage.pilots.views import plan_view
from storage.workflow import evaluation
from storage.workflow.rules import Staff
from tests.bot.slack.pilot_steps import (
    EVALUATOR,
    LEAD,
    STRANGER,
    approved,
    card,
    modal,
    pilot_buttons,
    press,
    serve,
    set_plan,
    state_of,
    told,
)
from tests.storage.pilots.plans import a_plan, in_pilot
from tests.support.fake_slack import FakeSlack
from tests.support.sending import TRIAGE_CHANNEL
from tests.support.slack_people import texts
from tests.support.slack_requests import SlackClient, chosen

METRICS = (
    "parking_turnover | vehicles/space/day | 3.1 | 4.5 | increase | kerb sensor counts | monthly"
    " | vendor\n"
    "cruising_minutes | minutes | 9 | 6 | decrease | intercept survey of 200 drivers | quarterly"
    " | city"
)


@pytest.fixture
def client(app_settings, slack, monkeypatch) -> Iterator[SlackClient]:
    yield from serve(app_settings, slack, monkeypatch)


def day(iso: str) -> dict:
    return {"type": "datepicker", "selected_date": iso}


def boxes(*values: str) -> dict:
    return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}


# The plan of tests/storage/pilots/plans.py as a clerk types it into the empty modal.
TYPED = {
    "scope": "Kerb sensors on 40 spaces to measure turnover and guide drivers to free spaces.",
    "sites": "East 6th St, 1100 block\nEast 6th St, 1200 block\n",
    "starts": day("2026-09-01"),
    "ends": day("2027-02-28"),
    "metrics": METRICS.replace(" | vendor\n", "\n"),  # who reports: the vendor by default
    "milestones": "Sensors installed | 2026-09-30\n\nMid-pilot review | 2026-12-01",
    "budget": "vendor | 40,000 | in kind | public\ncity | $2500 | cash | private | signage",
    "cost_after_pilot.amount": "60000",
    "cost_after_pilot.per": chosen("year"),
    "cost_after_pilot.note": "licence and maintenance",
    "data.collected": "vehicle counts\noccupancy",
    "data.flags": boxes("location", "open_data"),
    "data.raw_owner": chosen("city"),
    "data.derived_owner": chosen("city"),
    "data.city_licence": "perpetual, royalty-free, sublicensable",
    "data.retention_until": day("2027-12-31"),
    "data.deletion_by": day("2028-01-31"),
    "data.stored_where": "vendor cloud, US region",
    "disclosure.classification": chosen("internal"),
    "disclosure.records": "20,000",
    "exit_plan.removal": "Sensors removed within 30 days of the end",
    "exit_plan.asset_handover": "none",
    "exit_plan.data_return": "Raw data exported to the City's portal, then deleted",
    "equity.neighbourhoods": "Holly\nEast Cesar Chavez",
    "equity.who_benefits": "Small businesses on the corridor",
    "equity.accessibility": "Accessible spaces reported separately",
    "risks": "Sensor theft | Tamper-proof housings",
    "confidential_fields": boxes("budget"),
}


def prefilled(view: dict) -> dict[str, dict]:
    """What each input of the modal holds as it opened, as Slack submits it untouched."""
    held = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind == "plain_text_input":
            held[block["block_id"]] = {"type": kind, "value": element.get("initial_value")}
        elif kind == "datepicker":
            held[block["block_id"]] = {"type": kind, "selected_date": element.get("initial_date")}
        elif kind == "static_select":
            held[block["block_id"]] = {
                "type": kind,
                "selected_option": element.get("initial_option"),
            }
        else:
            held[block["block_id"]] = {
                "type": kind,
                "selected_options": element.get("initial_options", []),
            }
    return held


def typed(view: dict, changes: dict) -> dict[str, dict]:
    """The modal as it opened with `changes` typed over it (text as typed, or an element's
    state), as Slack submits it."""
    held = prefilled(view)
    for block_id, value in changes.items():
        held[block_id] = (
            value if isinstance(value, dict) else {"type": "plain_text_input", "value": value}
        )
    return held


def stored(url: str, reference: str, iteration: int | None = None) -> dict:
    """An iteration as it was stored, as the plan input it would be set from again."""
    with session_scope(url) as session:
        view = plan_view(session, reference, iteration)
    return plan_input.checked(view, reference).model_dump()


def thread_notes(slack: FakeSlack) -> list[dict]:
    return [m for m in slack.called("chat.postMessage") if m.get("thread_ts")]


def thread_note(slack: FakeSlack, count: int) -> dict:
    """The `count`th note in a card's thread, once posted (it is posted after Slack has
    its answer)."""
    slack.wait_for(lambda: len(thread_notes(slack)) >= count, what=f"thread note {count}")
    return thread_notes(slack)[count - 1]


def test_the_modal_is_prefilled_from_the_draft_and_saved_as_is_changes_nothing(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan())
    drawn = card(slack, reference)
    view = modal(client, slack, LEAD, drawn, "Edit plan")
    assert len(view["blocks"]) <= 100
    assert "is a draft: saving replaces it" in view["blocks"][0]["text"]["text"]
    held = prefilled(view)
    assert held["metrics"]["value"] == METRICS
    assert (
        held["milestones"]["value"]
        == "Sensors installed | 2026-09-30\nMid-pilot review | 2026-12-01"
    )
    assert (
        held["budget"]["value"]
        == "vendor | 40000 | in kind | public\ncity | 2500 | cash | private | signage"
    )
    assert held["sites"]["value"] == "East 6th St, 1100 block\nEast 6th St, 1200 block"
    assert (held["starts"]["selected_date"], held["ends"]["selected_date"]) == (
        "2026-09-01",
        "2027-02-28",
    )
    assert held["data.retention_until"]["selected_date"] == "2027-12-31"
    assert held["data.raw_owner"]["selected_option"]["value"] == "city"
    assert held["disclosure.classification"]["selected_option"]["value"] == "internal"
    assert held["disclosure.records"]["value"] == "20000"
    assert held["cost_after_pilot.per"]["selected_option"]["value"] == "year"
    assert [o["value"] for o in held["data.flags"]["selected_options"]] == ["location", "open_data"]
    assert [o["value"] for o in held["confidential_fields"]["selected_options"]] == ["budget"]
    assert held["risks"]["value"] == "Sensor theft | Tamper-proof housings"
    hints = {
        b["block_id"]: b.get("hint", {}).get("text", "")
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert hints["metrics"].startswith("name | unit | baseline | target | increase or decrease")
    assert hints["budget"].startswith("payer (vendor, city, grant or other) | amount in USD")
    # The lead opened the vendor's confidential terms: recorded, as for the term sheet.
    with session_scope(app_settings) as session:
        viewed = session.exec(select(Activity).where(Activity.kind == "confidential_viewed")).all()
        assert [a.actor for a in viewed] == [f"slack:{LEAD}"]

    kept = client.submit(LEAD, view, prefilled(view)).json()
    assert kept["response_action"] == "update"
    assert "the plan is as it was; nothing was changed" in kept["view"]["blocks"][0]["text"]["text"]
    assert state_of(app_settings, reference) == ["draft"] and thread_notes(slack) == []


def test_a_plan_written_in_slack_is_a_draft_by_who_wrote_it_and_the_thread_is_told(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    drawn = card(slack, reference)
    view = modal(client, slack, EVALUATOR, drawn, "Write the plan")
    assert "saved as iteration 1, a draft" in view["blocks"][0]["text"]["text"]
    assert all("initial_value" not in b.get("element", {}) for b in view["blocks"])
    done = client.submit(EVALUATOR, view, TYPED).json()
    assert done["response_action"] == "update"
    assert (
        f"{reference}: pilot plan iteration 1 is set" in done["view"]["blocks"][0]["text"]["text"]
    )

    assert state_of(app_settings, reference) == ["draft"]
    assert stored(app_settings, reference) == plan_input.checked(a_plan(), reference).model_dump()
    with session_scope(app_settings) as session:
        assert plan_view(session, reference)["proposed_by"] == f"slack:{EVALUATOR}"
        submission = submissions.get_submission(session, reference)
        assert not plans.open_to_vendor(
            session, submission
        )  # staff's now: the vendor's form closes
    note = thread_note(slack, 1)
    assert (note["channel"], note["thread_ts"]) == (TRIAGE_CHANNEL, drawn.ts)
    assert note["text"] == (
        f"<@{EVALUATOR}> wrote the pilot plan of {reference}: iteration 1, a draft waiting for"
        " a lead's approval. Discuss it here."
    )
    redrawn = card(slack, reference)
    assert "iteration 1 · draft" in texts(redrawn)
    assert list(pilot_buttons(redrawn)) == ["Approve plan", "Edit plan", "Term sheet"]


def test_a_wrong_line_or_date_is_refused_on_its_field_and_what_was_typed_stays(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan())
    view = modal(client, slack, LEAD, card(slack, reference), "Edit plan")
    before = stored(app_settings, reference)

    def refused(changes: dict) -> dict[str, str]:
        answer = client.submit(LEAD, view, typed(view, changes)).json()
        # Errors only: Slack keeps the modal open with everything typed in it.
        assert answer["response_action"] == "errors" and "view" not in answer
        return answer["errors"]

    assert refused({"budget": "vendor | 40000 | in kind"}) == {
        "budget": "Line 1 has 3 columns. A line is: payer (vendor, city, grant or other) | "
        + "amount in USD | in kind or cash | public or private (private lines are never "
        + "published) | note (optional). Example: city | 2500 | cash | private | signage"
    }
    assert refused({"budget": "vendor | 40000 | maybe | public"}) == {
        "budget": "Line 1, in_kind: maybe is not one of in kind or cash."
    }
    wrong = METRICS.replace("decrease", "sideways").replace("| 9 |", "| lots |")
    assert refused({"metrics": "\n" + wrong}) == {
        "metrics": "Line 3, baseline: must be a number\n"
        "Line 3, direction: must be one of 'increase' or 'decrease'"
    }
    assert refused({"ends": day("2026-08-01")}) == {"ends": "ends must come after starts"}
    late = refused({"milestones": "Sensors installed | 2026-09-30\nReport | 2029-01-01"})
    assert list(late) == ["milestones"] and late["milestones"].startswith("Line 2, due: ")
    assert refused({"data.retention_until": day("2028-06-01")}) == {
        "data.deletion_by": "deletion_by must not come before retention_until"
    }
    assert refused({"data.raw_owner": {"type": "static_select", "selected_option": None}}) == {
        "data.raw_owner": "is missing"
    }
    assert refused({"disclosure.records": "many"}) == {
        "disclosure.records": "must be a whole number"
    }
    forged = {  # what no Slack client sends: an answer on its field, never a failure
        "starts": {"type": "datepicker", "selected_date": 7},
        "data.raw_owner": {"type": "static_select", "selected_option": "city"},
        "confidential_fields": {"type": "checkboxes", "selected_options": "budget"},
        "metrics": "x | y | 1 | 2 | increase | m | monthly\n" * 51,
    }
    assert refused(forged) == {
        "starts": "is missing",
        "data.raw_owner": "is missing",
        "metrics": "has too many (at most 50)",
    }
    assert stored(app_settings, reference) == before and state_of(app_settings, reference) == [
        "draft"
    ]
    assert thread_notes(slack) == []


def test_off_the_roster_or_not_cleared_for_confidential_terms_nothing_opens_or_changes(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan())  # a private budget line: confidential
    drawn = card(slack, reference)
    press(client, slack, STRANGER, drawn, "Edit plan")
    assert "Only City staff on the roster can do this" in told(slack, STRANGER, 1)
    press(client, slack, EVALUATOR, drawn, "Edit plan")  # not the assigned evaluator
    assert "for the submission's evaluator and leads only" in told(slack, EVALUATOR, 1)
    assert slack.called("views.open") == []

    view = modal(client, slack, LEAD, drawn, "Edit plan")
    forged = client.submit(STRANGER, view, typed(view, {"scope": "Taken over"})).json()
    assert "Only City staff on the roster" in forged["view"]["blocks"][0]["text"]["text"]
    assert stored(app_settings, reference)["scope"] == a_plan()["scope"]
    assert state_of(app_settings, reference) == ["draft"] and thread_notes(slack) == []


def test_a_modal_opened_before_the_plan_changed_is_refused_with_the_typed_plan_kept(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan())
    drawn = card(slack, reference)
    old_edit = dict(pilot_buttons(drawn)["Edit plan"])  # the fake redraws `drawn` in place
    view = modal(client, slack, LEAD, drawn, "Edit plan")
    with session_scope(app_settings) as session:
        plans.approve(session, reference, Staff(f"slack:{LEAD}"))
    answer = client.submit(LEAD, view, typed(view, {"scope": "Forty spaces, then eighty"})).json()
    # Pushed over the modal: closing it gives back the modal with the typed plan.
    assert answer["response_action"] == "push"
    said = answer["view"]["blocks"][0]["text"]["text"]
    assert "changed since you opened this" in said and "approved its pilot plan" in said
    assert state_of(app_settings, reference) == ["approved"]
    assert stored(app_settings, reference)["scope"] == a_plan()["scope"]
    client.press(LEAD, old_edit["action_id"], old_edit["value"])
    assert "approved its pilot plan" in told(slack, LEAD, 1)
    assert thread_notes(slack) == []


def test_editing_an_approved_plan_makes_the_next_iteration_and_says_what_changed(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    approved(app_settings, reference)
    drawn = card(slack, reference)
    view = modal(client, slack, LEAD, drawn, "Edit plan")
    assert (
        "saving does not change it but makes *iteration 2, a new draft*"
        in (view["blocks"][0]["text"]["text"])
    )
    changes = {
        "metrics": METRICS.replace("| 4.5 |", "| 5 |"),
        "milestones": prefilled(view)["milestones"]["value"] + "\nSensors removed | 2027-03-31",
    }
    done = client.submit(LEAD, view, typed(view, changes)).json()
    assert "iteration 2 is set" in done["view"]["blocks"][0]["text"]["text"]
    assert state_of(app_settings, reference) == ["approved", "draft"]
    assert (
        stored(app_settings, reference, 1) == plan_input.checked(a_plan(), reference).model_dump()
    )
    second = stored(app_settings, reference, 2)
    assert (
        second["metrics"][0]["target"] == 5
        and second["milestones"][-1]["name"] == "Sensors removed"
    )
    note = thread_note(slack, 1)
    assert note["thread_ts"] == drawn.ts
    assert note["text"] == (
        f"<@{LEAD}> changed the pilot plan of {reference}: metrics, milestones. Iteration 2, a"
        " draft waiting for a lead's approval. Discuss it here."
    )
    shown = texts(card(slack, reference))
    assert "iteration 1 · running" in shown and "Iteration 2 is a draft" in shown
    # Submitted twice (a double click): the second is refused as stale, nothing more stored.
    again = client.submit(LEAD, view, typed(view, changes)).json()
    assert again["response_action"] == "push"
    assert (
        state_of(app_settings, reference) == ["approved", "draft"] and len(thread_notes(slack)) == 1
    )


def test_a_plan_larger_than_slack_fields_take_is_not_opened_and_slack_limits_are_kept(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan(scope="Kerb sensors. " * 300, confidential_fields=[]))
    press(client, slack, LEAD, card(slack, reference), "Edit plan")
    said = told(slack, LEAD, 1)
    assert "Scope holds more than the 3000 characters a Slack field takes" in said
    assert f"pilot plan {reference} --from FILE" in said and slack.called("views.open") == []
    # The fake refuses what Slack refuses, so a modal it opened is one Slack would open.
    web = WebClient(token="xoxb-test", base_url=slack.url)

    def one_input(element: dict) -> dict:
        label = {"type": "plain_text", "text": "x"}
        return {"type": "modal", "blocks": [{"type": "input", "label": label, "element": element}]}

    for view in (
        {"type": "modal", "blocks": [{"type": "divider"}] * 101},
        one_input({"type": "plain_text_input", "max_length": 5000}),
        one_input({"type": "plain_text_input", "max_length": 5, "initial_value": "too long"}),
        one_input({"type": "checkboxes", "options": [chosen(str(n))["selected_option"]
                                                     for n in range(11)]}),
    ):  # fmt: skip
        with pytest.raises(SlackApiError) as refused:
            web.views_open(trigger_id="1.trigger", view=view)
        assert refused.value.response["error"] == "invalid_arguments"


def test_staff_complete_the_vendors_draft_so_a_lead_can_approve_it(app_settings, slack, client):
    reference = in_pilot(app_settings)
    theirs = {key: value for key, value in a_plan().items() if key != "disclosure"}
    with session_scope(app_settings) as session:
        plans.propose_as_vendor(session, reference, plan_input.checked(theirs, reference))
    drawn = card(slack, reference)
    assert "Disclosure risk: *not assessed*" in texts(drawn)
    view = modal(client, slack, LEAD, drawn, "Edit plan")
    assert "It is the vendor's own draft" in view["blocks"][0]["text"]["text"]
    held = prefilled(view)
    assert held["disclosure.classification"]["selected_option"] is None
    assert held["disclosure.records"]["value"] is None
    completed = {"disclosure.classification": chosen("internal"), "disclosure.records": "20000"}
    done = client.submit(LEAD, view, typed(view, completed)).json()
    assert "iteration 1 is replaced" in done["view"]["blocks"][0]["text"]["text"]
    assert stored(app_settings, reference) == plan_input.checked(a_plan(), reference).model_dump()
    assert "changed the pilot plan" in thread_note(slack, 1)["text"]
    assert "disclosure assessment" in thread_note(slack, 1)["text"]
    with session_scope(app_settings) as session:
        assert plan_view(session, reference)["proposed_by"] == f"slack:{LEAD}"
        assert not plans.open_to_vendor(session, submissions.get_submission(session, reference))
        assert plans.approve(session, reference, Staff(f"slack:{LEAD}")).changed


def test_only_a_lead_removes_the_vendors_confidentiality_markings_and_the_thread_names_them(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan(confidential_fields=["starts", "metrics", "budget"]))
    with session_scope(app_settings) as session:
        evaluation.assign(session, reference, Staff(f"slack:{LEAD}"), Staff(f"slack:{EVALUATOR}"))
    drawn = card(slack, reference)
    before = stored(app_settings, reference)
    view = modal(client, slack, EVALUATOR, drawn, "Edit plan")  # the assigned evaluator
    for unmarked, named in (
        ({"confidential_fields": boxes("budget")}, "the confidential marking of: starts, metrics"),
        ({"budget": TYPED["budget"].replace("| private |", "| public |")},
         "private budget lines of: city"),
    ):  # fmt: skip
        answer = client.submit(EVALUATOR, view, typed(view, unmarked)).json()
        assert answer["response_action"] == "push"  # the typed plan kept beneath
        said = answer["view"]["blocks"][0]["text"]["text"]
        assert named in said and "only a lead can remove a confidentiality marking" in said
    assert stored(app_settings, reference) == before and thread_notes(slack) == []

    view = modal(client, slack, LEAD, card(slack, reference), "Edit plan")
    done = client.submit(LEAD, view, typed(view, {"confidential_fields": boxes("budget")})).json()
    assert "iteration 1 is replaced" in done["view"]["blocks"][0]["text"]["text"]
    assert stored(app_settings, reference)["confidential_fields"] == ["budget"]
    assert thread_note(slack, 1)["text"] == (
        f"<@{LEAD}> changed the pilot plan of {reference}: removed the confidential marking of:"
        " starts, metrics. Iteration 1, a draft waiting for a lead's approval. Discuss it here."
    )


def test_a_forged_modal_state_of_the_wrong_shape_is_answered_never_a_failure(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan())
    view = modal(client, slack, LEAD, card(slack, reference), "Edit plan")
    before = stored(app_settings, reference)
    ticked = {"type": "checkboxes"}
    for state in (
        ["values"],
        {"values": [{"scope": {}}]},
        {"values": {"confidential_fields": {"value": {**ticked, "selected_options": [
            {"value": ["budget"]}, {"value": {"key": "budget"}}]}}}},
        {"values": {"data.flags": {"value": {**ticked, "selected_options": [{"value": {}}]}},
                    "data.raw_owner": {"value": {"type": "static_select",
                                                 "selected_option": {"value": ["city"]}}}}},
    ):  # fmt: skip
        answer = client.interaction(
            {
                "type": "view_submission",
                "user": {"id": LEAD, "username": "lead", "team_id": "T0001"},
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": view["callback_id"],
                    "private_metadata": view["private_metadata"],
                    "state": state,
                },
            }
        )
        assert answer.status_code == 200, state
        assert answer.json()["response_action"] == "errors"
        assert answer.json()["errors"]["scope"] == "is missing"
    assert stored(app_settings, reference) == before and thread_notes(slack) == []


def test_a_modal_slack_does_not_open_is_told_to_who_pressed(app_settings, slack, client):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan())
    slack.fail("views.open", error="expired_trigger_id")
    press(client, slack, LEAD, card(slack, reference), "Edit plan")
    said = told(slack, LEAD, 1)
    assert f"Slack did not open the plan of {reference} (expired_trigger_id)" in said
    assert f"pilot plan {reference} --from FILE" in said
    modal(client, slack, LEAD, card(slack, reference), "Edit plan")  # pressed again, it opens
