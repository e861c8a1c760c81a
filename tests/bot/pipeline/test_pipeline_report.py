"""The public report on where submissions wait (/reports/pipeline) and its open data:
the figures, their data dictionaries, suppression of small cells, nothing private in
any of it, the page in English and Spanish with codes shown by their names, and the page
in real headless Chromium at a laptop's and a phone's width, checked by axe-core."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from bot.app import create_app
from storage import contacts, procurement_records, submissions
from storage.db import session_scope
from storage.models import Kind, Status
from storage.pilots import decisions, plan_input, plans
from storage.workflow import holds, rules, transitions
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

AUSTIN = ZoneInfo("America/Chicago")
DATASETS = (
    "submissions-by-month",
    "time-in-status",
    "blocked-by",
    "barriers-by-month",
    "time-to-contract",
    "pilots-by-outcome",
)
STAFF = (rules.Staff("slack:USTAFFSECRET"), rules.Staff("cli:operator:carol.staffsecret"))
# Nothing of these may appear in any public output.
PRIVATE = (
    "vendor-secret@x.example",
    "Secret Vendor Person",
    "CONFIDENTIAL-PRICE-8181",
    "Unpublished idea about Ridgetop lamps",
    "USTAFFSECRET",
    "staffsecret",
    "internal-note-7272",
    "web-sender-",
)


def populate(url: str) -> None:
    """Three months of submissions: enough in some cells to publish, too few in others."""
    on_roster(url, "USTAFFSECRET")
    with session_scope(url) as session:
        for month, count in ((9, 3), (10, 4), (11, 2)):
            for n in range(count):
                with time_machine.travel(datetime(2026, month, 3 + n, 10, tzinfo=AUSTIN)):
                    submissions.create_submission(session, _proposal(f"{month}-{n}"), AUSTIN)
                    submissions.create_submission(session, _barrier(n), AUSTIN)
        with time_machine.travel(datetime(2026, 10, 20, 10, tzinfo=AUSTIN)):
            submissions.create_submission(session, _unpublished_idea(), AUSTIN)
    with session_scope(url) as session:
        latest = submissions.latest_public_submissions(session, 100)
        proposals = [s for s in latest if s.kind is Kind.proposal]
    for index, public in enumerate(sorted(proposals, key=lambda s: s.reference)):
        staff = STAFF[index % 2]
        with session_scope(url) as session:
            with time_machine.travel(public.submitted_at.astimezone(AUSTIN).replace(hour=15)):
                transitions.advance(
                    session, public.reference, staff, internal_note="internal-note-7272"
                )
            if index < 5:
                with time_machine.travel(datetime(2026, 11, 12, 10, tzinfo=AUSTIN)):
                    transitions.advance(session, public.reference, staff)
            if index < 3:
                holds.set_blocked(session, public.reference, staff, "legal_review")


def _proposal(tag: str) -> submissions.NewSubmission:
    return submissions.NewSubmission(
        kind=Kind.proposal,
        title=f"Smart lighting pilot {tag}",
        category="Energy & environment",
        answers={"solution": "CONFIDENTIAL-PRICE-8181", "timeline": "spring"},
        confidential_fields=frozenset({"solution"}),
        contact=contacts.ContactDetails(
            sender_id=f"web-sender-{tag}",
            email="vendor-secret@x.example",
            name="Secret Vendor Person",
        ),
    )


def _barrier(n: int) -> submissions.NewSubmission:
    step = "insurance_bonding" if n < 3 else "timeline"
    return submissions.NewSubmission(
        kind=Kind.feedback,
        title=f"Procurement barrier: {step}",
        category=step,
        answers={"barrier_what": "CONFIDENTIAL-PRICE-8181"},
        confidential_fields=frozenset({"barrier_what"}),
        contact=None,
    )


def _unpublished_idea() -> submissions.NewSubmission:
    return submissions.NewSubmission(
        kind=Kind.idea,
        title="Resident idea (not published)",
        category=None,
        answers={"idea_text": "Unpublished idea about Ridgetop lamps"},
        confidential_fields=frozenset({"idea_text"}),
        contact=contacts.ContactDetails(sender_id="web-sender-idea"),
        flags=("not_published",),
    )


@pytest.fixture
def client(app_settings):
    populate(app_settings)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_figures_are_published_with_small_cells_suppressed(client):
    by_month = client.get("/api/open-data/submissions-by-month.json").json()
    cells = {(row["month"], row["kind"]): row["submissions"] for row in by_month}
    assert cells[("2026-09", "proposal")] == 3 and cells[("2026-10", "proposal")] == 4
    assert cells[("2026-11", "proposal")] is None  # two: fewer than 3, not published
    assert cells[("2026-10", "idea")] is None  # the one unpublished idea cannot be singled out
    times = {row["status"]: row for row in client.get("/api/open-data/time-in-status.json").json()}
    assert (
        times["received"]["completed_stays"] == 9
        and times["received"]["median_business_days"] is not None
    )
    assert times["screening"]["completed_stays"] == 5
    assert (
        times["evaluation"]["in_status_now"] == 5
        and times["evaluation"]["median_business_days"] is None
    )
    blocked = client.get("/api/open-data/blocked-by.json").json()
    assert {"waiting_on": "legal_review", "open_submissions": 3} in blocked
    barriers = client.get("/api/open-data/barriers-by-month.csv")
    assert barriers.headers["content-type"].startswith("text/csv")
    lines = barriers.text.splitlines()
    assert lines[0] == "month,step,reports"
    assert "2026-10,insurance_bonding,3" in lines and "2026-11,insurance_bonding," in lines


def test_every_dataset_has_a_data_dictionary_beside_it(client):
    for name in DATASETS:
        dictionary = client.get(f"/api/open-data/{name}.dictionary.json").json()
        records = client.get(f"/api/open-data/{name}.json").json()
        assert dictionary["dataset"] == name and "below 3" in dictionary["suppression"]
        named = [field["name"] for field in dictionary["fields"]]
        assert records and list(records[0]) == named
        assert all(field["meaning"] and field["type"] for field in dictionary["fields"])


def test_nothing_private_reaches_any_public_output(client):
    public = [client.get("/reports/pipeline").text]
    for name in DATASETS:
        for path in (
            f"/api/open-data/{name}.csv",
            f"/api/open-data/{name}.json",
            f"/api/open-data/{name}.dictionary.json",
            f"/reports/pipeline/{name}.svg",
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            public.append(response.text)
    everything = "\n".join(public)
    for value in PRIVATE:
        assert value not in everything, value


def test_the_page_needs_no_javascript_and_pairs_every_chart_with_a_table(client):
    page = client.get("/reports/pipeline")
    assert page.status_code == 200 and "<script" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    # Nothing reached procurement or a pilot here: those two say so instead of a chart.
    assert page.text.count("<img ") == 4 and page.text.count("<table>") == 6
    assert page.text.count('alt="') == 4 and "too few to publish" in page.text
    assert page.text.count("Nothing to draw yet") == 2
    for name in DATASETS:
        chart = client.get(f"/reports/pipeline/{name}.svg")
        assert chart.headers["content-type"] == "image/svg+xml" and b"<svg" in chart.content


def test_markup_in_what_submitters_wrote_is_shown_escaped(app_settings):
    """The one text of a submission that reaches the page is a barrier report's step (its
    category, a column of barriers-by-month); the title never does. Markup in either is
    shown as text, never run."""
    hostile = '<script>alert("entryway")</script>'
    with session_scope(app_settings) as session:
        submissions.create_submission(
            session,
            submissions.NewSubmission(
                kind=Kind.feedback,
                title=f"Procurement barrier: {hostile}",
                category=f"{hostile}<b>bold</b>",
                answers={"barrier_what": "forms"},
                confidential_fields=frozenset(),
                contact=None,
            ),
            AUSTIN,
        )
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        page = test_client.get("/reports/pipeline").text
        steps = test_client.get("/api/open-data/barriers-by-month.json").json()
    assert [row["step"] for row in steps] == [f"{hostile}<b>bold</b>"]  # it reached the data
    assert "<script" not in page and "<b>" not in page
    assert (
        'data-label="Step">&lt;script&gt;alert(&#34;entryway&#34;)&lt;/script&gt;&lt;b&gt;' in page
    )


# --- in the reader's language, codes by their names -------------------------------------


def cells(page: str, column: str) -> list[str]:
    """The texts of one column's cells in the page's tables."""
    return re.findall(rf'<td data-label="{re.escape(column)}">([^<]*)</td>', page)


def test_the_page_follows_the_browser_and_the_switch_and_names_codes_in_its_language(client):
    english = client.get("/reports/pipeline", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text and english.headers["content-language"] == "en"
    assert "Where submissions wait" in english.text
    assert {"in evaluation", "received", "in screening"} <= set(cells(english.text, "Status"))
    assert "legal review" in cells(english.text, "Waiting on")
    assert "September 2026" in cells(english.text, "Month")
    assert "insurance and bonding" in cells(english.text, "Step")
    assert "proposals (from vendors)" in cells(english.text, "Kind")

    spanish = client.get("/reports/pipeline", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert '<html lang="es">' in spanish.text and spanish.headers["content-language"] == "es"
    assert "Dónde esperan los envíos" in spanish.text
    assert {"en evaluación", "recibido", "en revisión inicial"} <= set(
        cells(spanish.text, "Estado")
    )
    assert "la revisión legal" in cells(spanish.text, "Esperan")
    assert "septiembre de 2026" in cells(spanish.text, "Mes")
    assert "seguros y fianzas" in cells(spanish.text, "Etapa")
    assert "muy pocos para publicar" in spanish.text
    assert "/reports/pipeline/time-in-status.svg?lang=es" in spanish.text
    for page in (english.text, spanish.text):  # no code is shown as a name
        for code in ("needs_info", "evaluation", "legal_review", "insurance_bonding", "2026-09"):
            assert f">{code}</td>" not in page, code

    # The switch: a link per language, the current one marked, the choice remembered.
    assert '<a href="?lang=en" lang="en" hreflang="en">English</a>' in spanish.text
    assert 'hreflang="es" aria-current="true">Español</a>' in spanish.text
    chosen = client.get("/reports/pipeline?lang=es", headers={"Accept-Language": "en"})
    assert '<html lang="es">' in chosen.text
    assert "entryway_language=es" in chosen.headers["set-cookie"]
    kept = client.get("/reports/pipeline", headers={"Accept-Language": "en"})
    assert '<html lang="es">' in kept.text  # the cookie the switch left
    chart = client.get("/reports/pipeline/time-in-status.svg")
    assert "mediana" in chart.text and chart.headers["content-language"] == "es"


def test_the_open_data_keeps_codes_and_the_dictionary_names_them_in_both_languages(client):
    times = client.get("/api/open-data/time-in-status.json", params={"lang": "es"}).json()
    assert {row["status"] for row in times} >= {"received", "screening", "evaluation"}
    months = client.get("/api/open-data/submissions-by-month.csv", params={"lang": "es"}).text
    assert "2026-09,proposal,3" in months.splitlines()

    spanish = client.get("/api/open-data/time-in-status.dictionary.json?lang=es").json()
    assert spanish["language"] == "es" and spanish["title"] == "Tiempo en cada estado"
    [status] = [field for field in spanish["fields"] if field["name"] == "status"]
    codes = {code["code"]: code["labels"] for code in status["codes"]}
    assert codes["needs_info"] == {
        "en": "waiting for information from the submitter",
        "es": "esperando información de quien hizo el envío",
    }
    assert set(codes) >= {"received", "screening", "evaluation", "pilot", "procurement"}
    english = client.get("/api/open-data/blocked-by.dictionary.json?lang=en").json()
    [waiting_on] = [field for field in english["fields"] if field["name"] == "waiting_on"]
    assert {
        "code": "legal_review",
        "labels": {"en": "legal review", "es": "la revisión legal"},
    } in (waiting_on["codes"])
    assert all("codes" not in field for field in english["fields"] if field["type"] != "string")


def test_a_chart_with_nothing_to_show_says_so_instead_of_drawing_an_empty_axis(app_settings):
    with TestClient(create_app(), raise_server_exceptions=False) as empty:
        for language, nothing in (("en", "Nothing to draw yet"), ("es", "nada que graficar")):
            page = empty.get(f"/reports/pipeline?lang={language}").text
            assert page.count(nothing) == 6 and "<img " not in page
            chart = empty.get(f"/reports/pipeline/time-in-status.svg?lang={language}").text
            assert nothing in chart and "0.04" not in chart and "−0.04" not in chart


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_report_in_chromium_is_accessible_at_both_widths_with_every_column_visible(
    app_settings, monkeypatch, language
):
    populate(app_settings)
    populate_contracts(app_settings)  # so the time-to-contract chart is drawn and checked too
    populate_pilots(app_settings)  # and pilots by outcome
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))  # the report needs no Rasa
    with live_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
            page = context.new_page()
            page.goto(f"{url}/reports/pipeline")
            page.wait_for_load_state("networkidle")
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("h2").count() == 6 and page.locator("table").count() == 6
            for image in page.locator("figure img").all():  # drawn, no wider than the screen
                assert image.evaluate("i => i.complete && i.naturalWidth > 0")
                assert 300 <= image.bounding_box()["width"] <= min(width, 576)
            assert axe_violations(page) == [], width
            assert horizontally_cut(page) == [], width
            for table in page.locator("table").all():  # every cell within the page's width
                for cell in table.locator("td, th").all():
                    if cell.evaluate("c => c.closest('tr').clientWidth <= 1"):
                        continue  # the cards' header row: for screen readers only
                    box = cell.bounding_box()
                    inside = box["x"] >= 0 and box["x"] + box["width"] <= width
                    assert inside, (width, cell.inner_text(), box)
            page.screenshot(
                path=str(ARTIFACTS / f"pipeline-report-{language}-{width}.png"), full_page=True
            )
            context.close()
        browser.close()


# --- time to contract by procurement approach -----------------------------------------

LEGAL_BASIS = "LEGAL-BASIS-SECRET-4141 Tex. Loc. Gov't Code 252.021"
JUSTIFICATION = "JUSTIFICATION-SECRET-5151: the only compatible signal controllers."
LEAD = rules.Staff("slack:USTAFFSECRET")


def _in_procurement(url: str, tag: str, terms) -> str:
    """A proposal of August 2026 moved to procurement on Monday 3 August (with `terms`,
    or by another route when None)."""
    with time_machine.travel(datetime(2026, 7, 27, 10, tzinfo=AUSTIN), tick=False):
        with session_scope(url) as session:
            reference = submissions.create_submission(
                session, _proposal(f"contract-{tag}"), AUSTIN
            ).reference
        for _ in range(2):  # received -> screening -> evaluation
            with session_scope(url) as session:
                transitions.advance(session, reference, LEAD)
    moved = datetime(2026, 8, 3, 10, tzinfo=AUSTIN)
    with time_machine.travel(moved, tick=False), session_scope(url) as session:
        if terms is None:  # a pilot decided "scale": nobody recorded the approach yet
            submission = submissions.get_submission(session, reference)
            transitions.change_status(
                session, submission, Status.procurement, LEAD.identity, None, None, rules.ANY
            )
        else:
            transitions.advance(session, reference, LEAD, Status.procurement, procurement=terms)
    return reference


def _signed(url: str, reference: str, day: int) -> None:
    with time_machine.travel(datetime(2026, 8, 20, 10, tzinfo=AUSTIN), tick=False):
        for event in ("awarded", "contract_signed"):
            with session_scope(url) as session:
                procurement_records.date_step(session, reference, LEAD, event, date(2026, 8, day))


def populate_contracts(url: str) -> None:
    """Six RFPs signed 5 to 10 business days after the move (median 7.5), three
    cooperative contracts still open, one sole source signed (too few to publish), one
    partnership that went back to a pilot, three whose approach nobody recorded."""
    on_roster(url, "USTAFFSECRET")
    rfp = procurement_records.terms("rfp", LEGAL_BASIS)
    for n, day in enumerate((10, 11, 12, 13, 14, 17)):
        _signed(url, _in_procurement(url, f"rfp-{n}", rfp), day)
    cooperative = procurement_records.terms("cooperative_contract", LEGAL_BASIS)
    for n in range(3):
        _in_procurement(url, f"coop-{n}", cooperative)
    sole = procurement_records.terms("sole_source", LEGAL_BASIS, JUSTIFICATION)
    _signed(url, _in_procurement(url, "sole", sole), 5)
    partnership = _in_procurement(url, "ppp", procurement_records.terms("partnership", LEGAL_BASIS))
    back_to_pilot = datetime(2026, 8, 10, 10, tzinfo=AUSTIN)
    with time_machine.travel(back_to_pilot, tick=False), session_scope(url) as session:
        transitions.advance(session, partnership, LEAD, Status.pilot)
    for n in range(3):
        _in_procurement(url, f"unrecorded-{n}", None)


@pytest.fixture
def contracts(app_settings):
    populate_contracts(app_settings)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def test_time_to_contract_by_approach_is_published_with_small_cells_suppressed(contracts):
    rows = {
        row["approach"]: row for row in contracts.get("/api/open-data/time-to-contract.json").json()
    }
    assert rows["rfp"] == {
        "approach": "rfp",
        "contracts_signed": 6,
        "median_business_days": 7.5,
        "still_open": 0,
        "ended_without_contract": 0,
    }
    assert rows["cooperative_contract"]["still_open"] == 3
    assert rows["cooperative_contract"]["median_business_days"] is None
    assert rows["sole_source"]["contracts_signed"] is None  # one: not published
    assert rows["partnership"]["ended_without_contract"] is None  # one: not published
    assert rows["not_recorded"]["still_open"] == 3
    assert set(rows) == {*procurement_records.APPROACHES, "not_recorded"}

    table = contracts.get("/api/open-data/time-to-contract.csv")
    assert table.headers["content-type"].startswith("text/csv")
    lines = table.text.splitlines()
    assert lines[0] == (
        "approach,contracts_signed,median_business_days,still_open,ended_without_contract"
    )
    assert "rfp,6,7.5,0,0" in lines and "sole_source,,,0,0" in lines

    public = [contracts.get("/reports/pipeline").text]
    for suffix in ("csv", "json", "dictionary.json"):
        public.append(contracts.get(f"/api/open-data/time-to-contract.{suffix}").text)
    public.append(contracts.get("/reports/pipeline/time-to-contract.svg").text)
    for secret in ("LEGAL-BASIS-SECRET", "JUSTIFICATION-SECRET", *PRIVATE):
        assert secret not in "\n".join(public), secret


def test_time_to_contract_is_charted_and_named_in_both_languages(contracts):
    english = contracts.get("/reports/pipeline?lang=en").text
    assert "Time to contract, by procurement approach" in english
    assert '<img src="/reports/pipeline/time-to-contract.svg?lang=en"' in english
    assert {"request for proposals (RFP)", "not recorded yet"} <= set(cells(english, "Approach"))
    chart = contracts.get("/reports/pipeline/time-to-contract.svg?lang=en").text
    assert "request for proposals (RFP)" in chart
    assert "sole source, with justification*" in chart  # signed, too few for a median
    assert "cooperative contract*" not in chart  # none signed: no median to hide

    spanish = contracts.get("/reports/pipeline?lang=es").text
    assert "Tiempo hasta el contrato, por forma de contratar" in spanish
    assert "solicitud de propuestas (RFP)" in cells(spanish, "Forma de contratar")
    assert "mediana" in contracts.get("/reports/pipeline/time-to-contract.svg?lang=es").text
    for page in (english, spanish):
        assert ">rfp</td>" not in page and ">not_recorded</td>" not in page

    dictionary = contracts.get("/api/open-data/time-to-contract.dictionary.json?lang=es").json()
    assert dictionary["title"] == "Tiempo hasta el contrato, por forma de contratar"
    [approach] = [field for field in dictionary["fields"] if field["name"] == "approach"]
    codes = {code["code"]: code["labels"] for code in approach["codes"]}
    assert codes["no_cost_pilot"] == {
        "en": "pilot agreement at no cost to the City",
        "es": "acuerdo de piloto sin costo para la Ciudad",
    }
    assert set(codes) == {*procurement_records.APPROACHES, "not_recorded"}
    assert all(field["meaning"] for field in dictionary["fields"])


# --- pilots by outcome ------------------------------------------------------------------

PILOTS_NOW = datetime(2026, 12, 7, 14, tzinfo=AUSTIN)  # within the example plan's dates


def _pilot(url: str, tag: str, outcome: str | None) -> str:
    """A proposal in pilot on the example plan, approved, then decided `outcome` (None:
    still running)."""
    reference = in_pilot(url, f"web-sender-pilot-{tag}")
    with session_scope(url) as session:
        plans.set_plan(session, reference, LEAD, plan_input.checked(a_plan(), reference))
    with session_scope(url) as session:
        plans.approve(session, reference, LEAD)
    if outcome is not None:
        with session_scope(url) as session:
            decisions.decide(
                session, reference, LEAD, outcome, "The figures speak for themselves here."
            )
    return reference


def populate_pilots(url: str) -> None:
    """Three pilots running, three stopped, one scaled up (too few to publish), none
    extended, and one whose plan is still a draft (not a pilot yet)."""
    on_roster(url, "USTAFFSECRET")
    with time_machine.travel(PILOTS_NOW, tick=False):
        for n in range(3):
            _pilot(url, f"running-{n}", None)
            _pilot(url, f"stopped-{n}", "stop")
        _pilot(url, "scaled", "scale")
        draft = in_pilot(url, "web-sender-pilot-draft")
        with session_scope(url) as session:
            plans.set_plan(session, draft, LEAD, plan_input.checked(a_plan(), draft))


@pytest.fixture
def pilots(app_settings):
    populate_pilots(app_settings)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def test_pilots_by_outcome_are_counted_with_small_cells_suppressed(pilots):
    rows = pilots.get("/api/open-data/pilots-by-outcome.json").json()
    assert rows == [
        {"outcome": "running", "pilots": 3},
        {"outcome": "scale", "pilots": None},  # one: not published
        {"outcome": "extend", "pilots": 0},
        {"outcome": "stop", "pilots": 3},
    ]
    lines = pilots.get("/api/open-data/pilots-by-outcome.csv").text.splitlines()
    assert lines == ["outcome,pilots", "running,3", "scale,", "extend,0", "stop,3"]


def test_pilots_by_outcome_is_charted_and_named_in_both_languages(pilots):
    english = pilots.get("/reports/pipeline?lang=en").text
    assert "Pilots by outcome" in english
    assert '<img src="/reports/pipeline/pilots-by-outcome.svg?lang=en"' in english
    assert {"still running", "stopped", "extended"} <= set(cells(english, "Outcome"))
    chart = pilots.get("/reports/pipeline/pilots-by-outcome.svg?lang=en").text
    assert "still running" in chart and "scale up (on to a contract)*" in chart

    spanish = pilots.get("/reports/pipeline?lang=es").text
    assert "Pilotos por resultado" in spanish
    assert {"sigue en curso", "detenido"} <= set(cells(spanish, "Resultado"))
    assert "detenido" in pilots.get("/reports/pipeline/pilots-by-outcome.svg?lang=es").text
    for page in (english, spanish):
        assert ">running</td>" not in page and ">stop</td>" not in page

    dictionary = pilots.get("/api/open-data/pilots-by-outcome.dictionary.json?lang=es").json()
    assert dictionary["title"] == "Pilotos por resultado"
    [outcome] = [field for field in dictionary["fields"] if field["name"] == "outcome"]
    codes = {code["code"]: code["labels"] for code in outcome["codes"]}
    assert codes["stop"] == {"en": "stopped", "es": "detenido"}
    assert list(codes) == ["running", "scale", "extend", "stop"]
    assert all(field["meaning"] for field in dictionary["fields"])
