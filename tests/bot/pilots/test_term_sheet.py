"""The pilot term sheet as the City's lawyers get it: the PDF WeasyPrint lays out, read back
with pypdf, and the HTML it is made from."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from bot.pilots.term_sheet import term_sheet_html, term_sheet_pdf
from storage.catalogue import text
from tests.support import pilot_plans
from tests.support.pilot_plans import read_pdf, words

GENERATED = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
SECTIONS = (
    "submission", "scope", "metrics", "milestones", "budget", "cost_after", "data",
    "disclosure", "procurement", "exit_plan", "equity", "risks",
)  # fmt: skip
HOSTILE_SCOPE = '<script>alert("owned")</script> & more'
HOSTILE_METRIC = "</td><td>forged cell"


def without_margins(page: str) -> str:
    """A page's text without what its margins repeat (the running header and footer)."""
    margins = ("SC-2026-00042 Smart kerb sensors on East 6th", "Draft for legal review")
    return "\n".join(line for line in page.splitlines() if not line.startswith(margins))


class Markup(HTMLParser):
    """The elements of a page and the text a browser shows."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.shown: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.shown.append(data)


def test_a_full_plan_has_every_section_its_metrics_the_method_and_the_footer():
    pages, document = read_pdf(term_sheet_pdf(pilot_plans.full_plan(), GENERATED))

    for section in SECTIONS:
        assert text(f"term_sheet.{section}.heading") in document, section
    assert "Pilot term sheet SC-2026-00042" in document
    assert "Organisation Acme Mobility LLC" in document
    assert "Plan iteration 2 of 2" in document and "Plan state Approved" in document
    assert "Approved by slack:U0CAROL" in document
    assert "Approved on December 3, 2026 at 10:05 AM (CST)" in document
    assert "Period January 4, 2027 to June 30, 2027" in document
    # Each metric's row, cell after cell (a cell's wrapped lines are words apart).
    assert (
        "parking_turnover vehicles/ space/day 3.1 4.5 increase kerb sensor counts monthly "
        "the vendor" in document
    )
    assert "cruising_time minutes 7.5 5 decrease" in document
    assert "City travel-time survey of 200 drivers" in document
    assert "quarterly the City" in document
    assert "Sensors installed January 29, 2027 January 27, 2027" in document
    assert "Mid-pilot review April 1, 2027 not yet" in document
    # What the vendor marked confidential is there for the City's lawyers, and labelled.
    assert text("term_sheet.confidential_note") in document
    assert "Budget by payer CONFIDENTIAL" in document
    assert "Scope, sites and dates Scope" in document
    # The budget: in kind marked, the private line shown but labelled, a payer's total.
    assert "Vendor $40,000 in kind sensors and installation" in document
    assert "Vendor $12,500.50 cash cloud hosting at cost CONFIDENTIAL" in document
    assert "Total, Vendor $52,500.50" in document
    assert text("term_sheet.private_line") in document
    assert "$60,000 a year Licence and maintenance for 120 sensors." in document
    assert "Owner of raw data the City Owner of derived data shared" in document
    assert "The City's licence perpetual, royalty-free, sublicensable" in document
    assert "Kept until December 31, 2027 Deleted by January 31, 2028" in document
    assert "Personal data No Location data Yes Images No" in document
    assert "Published as open data Yes" in document
    # The disclosure-impact assessment shows how it was worked out, and what it means.
    assert "Records held 20,000" in document and "Cost per record $5" in document
    assert "Estimated cost of an unauthorized disclosure $100,000" in document
    assert "Method 20,000 records × $5 per internal record" in document
    assert "Risk level medium" in document
    assert text("term_sheet.disclosure.lead_note_required") in document
    assert "Procurement path No-cost pilot agreement" in document
    assert "Neighbourhoods Holly East Cesar Chavez" in document
    assert "Sensors fail in flooding Vendor replaces within 5 business days." in document
    assert text("term_sheet.decision.heading") not in document
    # Every page: the footer in the City's time, and its number.
    footer = "Draft for legal review — iteration 2, generated December 7, 2026 at 12:30 PM (CST)"
    for number, page in enumerate(pages, start=1):
        assert footer in words(page)
        assert f"{number} / {len(pages)}" in words(page)


def test_a_decided_plan_says_which_metrics_were_met_and_the_decision():
    _, document = read_pdf(term_sheet_pdf(pilot_plans.decided_plan(), GENERATED))
    assert "Plan state Decided" in document
    assert "the vendor Yes" in document and "the City No" in document
    assert "Outcome scale" in document
    assert "Decided on July 2, 2027 at 3:00 PM (CDT)" in document
    assert "Lessons learned Survey drivers before install, not after." in document


def test_hostile_markup_is_text_in_the_html_and_in_the_pdf():
    plan = pilot_plans.full_plan()
    plan["scope"] = HOSTILE_SCOPE
    plan["metrics"][0]["name"] = HOSTILE_METRIC
    plan["organisation"] = "<b>Acme</b>"

    page = term_sheet_html(plan, GENERATED)
    assert "<script" not in page and HOSTILE_METRIC not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; &amp; more" in page
    markup = Markup(page)
    assert {"script", "b"}.isdisjoint(markup.tags)
    shown = "".join(markup.shown)
    assert HOSTILE_SCOPE in shown and HOSTILE_METRIC in shown and "<b>Acme</b>" in shown

    _, document = read_pdf(term_sheet_pdf(plan, GENERATED))
    assert f"Scope {HOSTILE_SCOPE}" in document
    assert HOSTILE_METRIC in document
    assert "Organisation <b>Acme</b>" in document


def test_a_plan_without_its_optional_sections_renders_and_says_what_is_missing():
    plan = pilot_plans.sparse_plan()
    page = term_sheet_html(plan, GENERATED)
    assert text("term_sheet.budget.none") in page

    _, document = read_pdf(term_sheet_pdf(plan, GENERATED))
    for missing in (
        "Organisation not given",
        "Approved by not approved yet",
        text("term_sheet.milestones.none"),
        text("term_sheet.budget.none"),
        "Cost after the pilot not given",
        text("term_sheet.disclosure.not_assessed"),
        text("term_sheet.procurement.not_chosen"),
        text("term_sheet.risks.none"),
        "Draft for legal review — iteration 1",
    ):
        assert missing in document, missing
    assert text("term_sheet.confidential").upper() not in document
    assert text("term_sheet.decision.heading") not in document

    plan.update(data=None, cost_after_pilot=None, disclosure=None, exit_plan={}, equity={})
    _, document = read_pdf(term_sheet_pdf(plan, GENERATED))
    assert "Data collected none given Personal data not given" in document
    assert "Removal not given" in document and "Neighbourhoods none given" in document


def test_a_procurement_path_the_catalogue_does_not_name_yet_is_shown_by_its_code():
    plan = pilot_plans.full_plan()
    plan["procurement_path"] = "sole_source"
    _, document = read_pdf(term_sheet_pdf(plan, GENERATED))
    assert "Procurement path sole_source" in document


def test_a_very_long_scope_wraps_onto_more_pages():
    """5,000 characters, among them a pasted link of 600 without a space: each line stays
    within the page, and every character is there."""
    link = "https://example.org/" + "x" * 580
    paragraph = "The vendor will monitor each kerb space and report occupancy hourly. "
    scope = (paragraph * 64)[: 5000 - len(link) - 1] + " " + link
    assert len(scope) == 5000
    plan = pilot_plans.full_plan()
    plan["scope"] = scope

    pages, _ = read_pdf(term_sheet_pdf(plan, GENERATED))
    assert len(pages) > len(read_pdf(term_sheet_pdf(pilot_plans.full_plan(), GENERATED))[0])
    body = "".join("".join(without_margins(page).split()) for page in pages)
    assert "".join(scope.split()) in body
    assert not any(without_margins(page).strip() == "Scope, sites and dates" for page in pages)
    longest = max(len(line) for page in pages for line in page.splitlines())
    assert longest < 120, longest


def test_a_table_broken_across_pages_repeats_its_header():
    plan = pilot_plans.full_plan()
    plan["milestones"] = [
        {"name": f"Block {block} sensors installed", "due": "2027-02-01", "done_on": None}
        for block in range(1, 81)
    ]
    pages, _ = read_pdf(term_sheet_pdf(plan, GENERATED))
    header = "Milestone Due Done"
    holding = [page for page in pages if "sensors installed" in page]
    assert len(holding) > 1
    assert all(header in words(page) for page in holding)


@pytest.mark.parametrize("render", [term_sheet_html, term_sheet_pdf])
def test_the_footer_date_is_the_citys(render):
    """Half past midnight in UTC is still the evening before in Austin."""
    late = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)
    rendered = render(pilot_plans.full_plan(), late)
    shown = rendered if isinstance(rendered, str) else read_pdf(rendered)[1]
    assert "generated December 7, 2026 at 6:30" in words(shown)
