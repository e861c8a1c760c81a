"""The public pilot register (GET /pilots) and its open data (/api/open-data/pilots.*),
through real HTTP on a real database: only approved plans of pilots whose title is
public, only public fields (every private one filled with a recognisable string and
looked for everywhere), a decided pilot's outcome and reason, markup escaped, the CSV
and JSON shape, and the data dictionary in both languages."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from bot.app import create_app
from storage import reports
from storage.db import session_scope
from storage.pilots import decisions, plan_input, plans, readings
from storage.pilots.register import public_pilots
from storage.submissions import get_submission
from storage.workflow.rules import Staff
from tests.storage.pilots.plans import a_plan, in_pilot
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WIDTHS,
    axe_violations,
    horizontally_cut,
)
from tests.support.live_app import live_app
from tests.support.roster import on_roster
from tests.support.stack import ARTIFACTS, free_port

LEAD = Staff("slack:U0LEADSECRET")
# Within the example plan's pilot (2026-09-01 to 2027-02-28): 9 pm on 7 December in the
# City, already the 8th in UTC, so a decision made now is dated the City's day.
NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
HOSTILE = '<script>alert("site")</script>'

# A plan with every field the public must not read filled with a recognisable string.
SECRET_PLAN = a_plan(
    scope="SECRET-SCOPE-1111 the vendor's confidential scope",
    metrics=[
        {
            "name": "parking_turnover",
            "unit": "vehicles/space/day",
            "baseline": -3.1,  # a negative number is no formula: shown as -3.1
            "target": 4.5,
            "direction": "increase",
            "method": "SECRET-METHOD-2222",
            "cadence": "monthly",
            "reported_by": "vendor",
        }
    ],
    milestones=[{"name": "SECRET-MILESTONE-3333", "due": "2026-09-30"}],
    budget=[
        {"payer": "vendor", "amount": 40000, "in_kind": True},
        {
            "payer": "city",
            "amount": 987654,
            "in_kind": False,
            "private": True,
            "note": "SECRET-BUDGET-NOTE-4444",
        },
    ],
    cost_after_pilot={"amount": 60000, "per": "year", "note": "SECRET-COST-5555"},
    data={
        "collected": ["vehicle counts"],
        "personal": True,
        "location": True,
        "images": False,
        "raw_owner": "vendor",
        "derived_owner": "shared",
        "city_licence": "SECRET-LICENCE-6666",
        "retention_until": "2027-12-31",
        "deletion_by": "2028-01-31",
        "stored_where": "SECRET-STORED-7777",
        "open_data": True,
    },
    disclosure={"classification": "restricted", "records": 31337},
    exit_plan={"removal": "SECRET-EXIT-8888"},
    equity={"neighbourhoods": ["SECRET-NEIGHBOURHOOD-9999"], "who_benefits": "SECRET-EQUITY"},
    risks=[{"risk": "SECRET-RISK-1212", "mitigation": "SECRET-MITIGATION"}],
    confidential_fields=["scope"],
)
SECRETS = (
    "SECRET-",
    "U0LEADSECRET",
    "Acme Mobility LLC",  # the organisation: a contact's
    "v@x.example",
    "987654",
    "987,654",
    "31337",
    "31,337",
    "restricted",
    "LESSONS",
    "APPROVAL-NOTE",
    "READING-NOTE",
    "DRAFT-SCOPE",
)
STOP_REASON = "The sensors did not survive the summer heat."


def _set(url: str, reference: str, plan: dict) -> None:
    with session_scope(url) as session:
        plans.set_plan(session, reference, LEAD, plan_input.checked(plan, reference))


def _approve(url: str, reference: str, note: str | None = None) -> None:
    with session_scope(url) as session:
        plans.approve(session, reference, LEAD, note)


def _report(url: str, reference: str, value: float, on: date) -> None:
    with session_scope(url) as session:
        readings.report(
            session, reference, LEAD, "parking_turnover", value, on, note="SECRET-READING-NOTE"
        )


def _decide(url: str, reference: str, outcome: str, reason: str) -> None:
    with session_scope(url) as session:
        decisions.decide(session, reference, LEAD, outcome, reason, "SECRET-LESSONS")


def populate(url: str) -> dict[str, str]:
    """Four pilots: one full of secrets, extended (its next plan a draft); one with
    hostile markup in a site, running; one stopped; one whose title is not public."""
    on_roster(url, "U0LEADSECRET")
    secret = in_pilot(url, "web-vendor-secret")
    _set(url, secret, SECRET_PLAN)
    _approve(url, secret, note="SECRET-APPROVAL-NOTE")
    _report(url, secret, 3.6, date(2026, 10, 1))
    _report(url, secret, 4.2, date(2026, 11, 1))
    _decide(url, secret, "extend", "Promising; another winter will show whether it holds.")
    _set(url, secret, {**SECRET_PLAN, "scope": "DRAFT-SCOPE the next plan, not approved"})

    hostile = in_pilot(url, "web-vendor-hostile")
    _set(url, hostile, a_plan(sites=[HOSTILE], confidential_fields=[]))
    _approve(url, hostile)

    stopped = in_pilot(url, "web-vendor-stopped")
    _set(url, stopped, a_plan())
    _approve(url, stopped)
    _decide(url, stopped, "stop", STOP_REASON)

    unpublished = in_pilot(url, "web-vendor-unpublished")
    _set(url, unpublished, a_plan())
    _approve(url, unpublished)
    with session_scope(url) as session:
        submission = get_submission(session, unpublished)
        submission.title, submission.title_public = "UNPUBLISHED-TITLE-3434", False
        session.add(submission)
    return {"secret": secret, "hostile": hostile, "stopped": stopped, "unpublished": unpublished}


@pytest.fixture
def register(app_settings):
    with time_machine.travel(NOW, tick=True):
        references = populate(app_settings)
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            yield client, references


def _everything(client: TestClient) -> str:
    found = []
    for language in ("en", "es"):
        for path in (
            "/pilots",
            "/api/open-data/pilots.csv",
            "/api/open-data/pilots.json",
            "/api/open-data/pilots.dictionary.json",
        ):
            response = client.get(path, params={"lang": language})
            assert response.status_code == 200, path
            found.append(response.text)
    return "\n".join(found)


def test_nothing_private_reaches_the_page_or_the_open_data(register):
    client, references = register
    everything = _everything(client)
    for secret in SECRETS:
        assert secret not in everything, secret
    assert references["unpublished"] not in everything and "UNPUBLISHED-TITLE" not in everything
    # What the plan does publish is there: the public budget line, the data collected.
    page = client.get("/pilots?lang=en").text
    assert "$40,000.00" in page and "vehicle counts" in page
    assert "It is published as open data." in page
    assert "not published at the vendor&#39;s request" in page  # the confidential scope


def test_a_draft_is_not_shown_and_a_decided_pilot_shows_its_outcome_and_reason(register):
    client, references = register
    page = client.get("/pilots?lang=en").text
    assert page.count("<article") == 3
    assert "Plan 2" not in page  # the extension's draft
    assert "Plan 1: extended" in page
    assert "Plan 1: stopped" in page and STOP_REASON in page
    assert "Plan 1: still running" in page
    rows = client.get("/api/open-data/pilots.json").json()
    assert {row["reference"] for row in rows} == {
        references["secret"],
        references["hostile"],
        references["stopped"],
    }
    stopped = [row for row in rows if row["reference"] == references["stopped"]]
    assert {row["outcome"] for row in stopped} == {"stop"}
    assert {row["outcome_reason"] for row in stopped} == {STOP_REASON}
    assert all(row["decided_on"] == "2026-12-07" for row in stopped)  # the City's day
    assert f"Decided on December 7, 2026: {STOP_REASON}" in page
    spanish = client.get("/pilots?lang=es").text
    assert "Plan 1: detenido" in spanish and "Plan 1: sigue en curso" in spanish
    assert "Del 1 de septiembre de 2026 al 28 de febrero de 2027" in spanish
    for code in (">stop<", ">running<", ">increase<", ">extend<"):
        assert code not in page and code not in spanish, code


def test_markup_in_a_site_is_shown_as_text(register):
    client, _ = register
    page = client.get("/pilots").text
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#34;site&#34;)&lt;/script&gt;" in page


def test_a_revised_pilot_shows_the_new_plan_and_lists_the_earlier_one(register, app_settings):
    client, references = register
    hostile = references["hostile"]
    _set(app_settings, hostile, a_plan(ends="2027-03-31", confidential_fields=[]))
    assert "Plan 2" not in client.get("/pilots?lang=en").text  # a draft, not yet
    _approve(app_settings, hostile)
    page = client.get("/pilots?lang=en").text
    assert "Plan 2: still running" in page and "Earlier plans" in page
    assert "Plan 1: replaced by a revised plan" in page
    assert "March 31, 2027" in page
    rows = client.get("/api/open-data/pilots.json").json()
    revised = {
        (r["iteration"], r["current"], r["outcome"]) for r in rows if r["reference"] == hostile
    }
    assert revised == {(2, True, "running"), (1, False, "revised")}


def test_the_csv_and_json_have_one_row_per_metric_in_a_stable_column_order(register):
    client, references = register
    rows = client.get("/api/open-data/pilots.json").json()
    columns = [
        field["name"]
        for field in client.get("/api/open-data/pilots.dictionary.json").json()["fields"]
    ]
    assert all(list(row) == columns for row in rows)
    secret = [row for row in rows if row["reference"] == references["secret"]]
    assert len(secret) == 1  # one metric, one approved plan
    [turnover] = secret
    assert turnover["scope"] is None  # confidential
    assert turnover["values"] == [
        {"on": "2026-10-01", "value": 3.6},
        {"on": "2026-11-01", "value": 4.2},
    ]
    assert turnover["latest_value"] == 4.2 and turnover["latest_value_on"] == "2026-11-01"
    assert turnover["values_reported"] == 2 and turnover["met"] is False
    assert turnover["outcome"] == "extend" and turnover["current"] is True
    assert turnover["sites"] == ["East 6th St, 1100 block", "East 6th St, 1200 block"]
    assert len([row for row in rows if row["reference"] == references["stopped"]]) == 2

    table = client.get("/api/open-data/pilots.csv")
    assert table.headers["content-type"].startswith("text/csv")
    assert table.headers["vary"] == "Accept-Language, Cookie"
    parsed = list(csv.reader(io.StringIO(table.text)))
    assert parsed[0] == [name for name in columns if name != "values"]
    records = [dict(zip(parsed[0], line, strict=True)) for line in parsed[1:]]
    assert len(records) == len(rows)
    [csv_turnover] = [r for r in records if r["reference"] == references["secret"]]
    assert csv_turnover["sites"] == "East 6th St, 1100 block; East 6th St, 1200 block"
    assert csv_turnover["current"] == "true" and csv_turnover["met"] == "false"
    assert csv_turnover["scope"] == "" and csv_turnover["latest_value"] == "4.2"
    assert csv_turnover["baseline"] == "-3.1" and turnover["baseline"] == -3.1


def test_the_dictionary_names_every_column_and_code_in_both_languages(register):
    client, _ = register
    english = client.get("/api/open-data/pilots.dictionary.json?lang=en").json()
    spanish = client.get("/api/open-data/pilots.dictionary.json?lang=es").json()
    assert english["language"] == "en" and spanish["language"] == "es"
    assert spanish["title"] == "Pilotos que la Ciudad está probando"
    assert [f["name"] for f in english["fields"]] == [f["name"] for f in spanish["fields"]]
    for en, es in zip(english["fields"], spanish["fields"], strict=True):
        assert en["meaning"] and es["meaning"] and en["meaning"] != es["meaning"], en["name"]
        assert en["type"] == es["type"]
    [outcome] = [f for f in english["fields"] if f["name"] == "outcome"]
    codes = {code["code"]: code["labels"] for code in outcome["codes"]}
    assert codes["stop"] == {"en": "stopped", "es": "detenido"}
    assert set(codes) == {"running", "scale", "extend", "stop", "revised", "ended"}
    page = client.get("/pilots").text
    assert '<a href="/api/open-data/pilots.dictionary.json">' in page


def test_the_page_follows_the_browser_and_the_switch_and_is_linked(register):
    client, _ = register
    spanish = client.get("/pilots", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert '<html lang="es">' in spanish.text and spanish.headers["content-language"] == "es"
    assert "Pilotos que la Ciudad está probando" in spanish.text
    chosen = client.get("/pilots?lang=en", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in chosen.text
    assert "entryway_language=en" in chosen.headers["set-cookie"]
    assert '<a href="/pilots">' in client.get("/reports/pipeline").text
    assert '<a href="/pilots">' in client.get("/").text


def test_an_empty_register_says_so(app_settings):
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        page = client.get("/pilots?lang=es")
        assert page.status_code == 200 and "Todavía ningún piloto" in page.text
        assert client.get("/api/open-data/pilots.json").json() == []
        assert client.get("/api/open-data/pilots.csv").text.startswith("reference,title,")


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_register_in_chromium_is_accessible_at_both_widths_with_nothing_cut(
    app_settings, monkeypatch, language
):
    with time_machine.travel(NOW, tick=True):
        references = populate(app_settings)
        _set(app_settings, references["hostile"], a_plan(ends="2027-03-31"))
        _approve(app_settings, references["hostile"])  # so an earlier plan is listed too
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))  # the register needs no Rasa
    with live_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
            page = context.new_page()
            page.goto(f"{url}/pilots")
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("article").count() == 3
            assert axe_violations(page) == [], width
            assert horizontally_cut(page) == [], width
            for cell in page.locator("td, th, dd").all():  # every cell within the page
                if cell.evaluate("c => (c.closest('tr') || c).clientWidth <= 1"):
                    continue  # the cards' header row: for screen readers only
                box = cell.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, cell.inner_text()
            page.screenshot(
                path=str(ARTIFACTS / f"pilot-register-{language}-{width}.png"), full_page=True
            )
            context.close()
        browser.close()


def test_the_register_and_the_outcome_counts_read_the_same_on_postgresql(postgres_url):
    with time_machine.travel(NOW, tick=True):
        references = populate(postgres_url)
    with session_scope(postgres_url) as session:
        found = public_pilots(session, "es")
        counts = reports.pilots_by_outcome(session)
    assert [pilot.reference for pilot in found] == [
        references["stopped"],
        references["hostile"],
        references["secret"],
    ]
    assert [pilot.current.outcome for pilot in found] == ["stop", "running", "extend"]
    assert counts == {"running": 2, "scale": 0, "extend": 1, "stop": 1}  # the unpublished too
