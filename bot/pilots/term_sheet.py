"""The pilot term sheet: one pilot plan iteration, its data terms, procurement path and
budget in one printable document for the City's legal review, as HTML and as PDF.

It renders the dict `storage.pilots.views.plan_view` gives (its shape: the pilot plan view,
`pilot show REF --json`), from one autoescaped Jinja2 template
(templates/term_sheet.html) whose labels are the staff catalogue's
(catalogue/staff/term_sheet.yml). Amounts, numbers and dates are formatted by Babel for
en_US, moments in the City's time zone. WeasyPrint lays the same HTML out as the PDF.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, PackageLoader, StrictUndefined

from storage import catalogue
from storage.models import utcnow
from storage.settings import get_settings

LOCALE = "en_US"
CURRENCY = "USD"
TEXTS = "term_sheet"


def _t(key: str, **values: object) -> str:
    return catalogue.text(f"{TEXTS}.{key}", **values)


def _given(value: object) -> object:
    return _t("not_given") if value is None or value == "" else value


def _label(group: str, code: str | None) -> str:
    """A code as staff read it. A code the catalogue does not know yet (one added to the
    plan's vocabulary before its label) is shown as it is, rather than losing the
    document for it."""
    if code is None:
        return _t("not_given")
    try:
        return _t(f"{group}.{code}")
    except KeyError:
        return code


def _procurement_path(code: str | None) -> str:
    if code is None:
        return _t("procurement.not_chosen")
    try:
        return catalogue.text(f"procurement.path.{code}")
    except KeyError:
        return code


def _proposer(proposed_by: str | None) -> str:
    """ "vendor", or the staff identity that proposed the plan (slack:U0123ABCD)."""
    return _label("proposer", proposed_by) if proposed_by == "vendor" else _given(proposed_by)


def _number(value: float | None) -> str:
    return _t("not_given") if value is None else format_decimal(value, locale=LOCALE)


def _money(amount: float | None) -> str:
    """$40,000 for whole dollars, $12.50 otherwise."""
    if amount is None:
        return _t("not_given")
    if float(amount).is_integer():
        return format_currency(
            amount, CURRENCY, format="¤#,##0", locale=LOCALE, currency_digits=False
        )
    return format_currency(amount, CURRENCY, locale=LOCALE)


def _day(iso: str | None) -> str:
    if not iso:
        return _t("not_given")
    return format_date(date.fromisoformat(iso), format="long", locale=LOCALE)


def _moment(value: str | datetime | None) -> str:
    """A moment in the City's time: "January 4, 2027 at 9:30 AM (CST)"."""
    if not value:
        return _t("not_given")
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    local = moment.astimezone(get_settings().zone)
    return _t(
        "generated_at",
        date=format_date(local, format="long", locale=LOCALE),
        time=format_time(local, format="short", locale=LOCALE),
        zone=local.tzname(),
    )


def _yes_no(value: bool | None) -> str:
    return _t("not_given") if value is None else _t(f"yes_no.{str(bool(value)).lower()}")


def _totals(budget: Iterable[dict]) -> list[tuple[str, float]]:
    """What each payer brings, in the order payers first appear; only when a payer has
    more than one line, so that a total never just repeats its one line."""
    amounts: dict[str, list[float]] = defaultdict(list)
    for line in budget:
        if line.get("amount") is not None:
            amounts[line.get("payer") or "other"].append(line["amount"])
    return [(payer, sum(lines)) for payer, lines in amounts.items() if len(lines) > 1]


TEMPLATES = Environment(
    loader=PackageLoader("bot.pilots"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters.update(
    given=_given, number=_number, money=_money, day=_day, moment=_moment, yes_no=_yes_no
)
TEMPLATES.globals.update(
    t=_t, label=_label, procurement_path=_procurement_path, proposer=_proposer, totals=_totals
)


def term_sheet_html(plan: dict, generated: datetime | None = None) -> str:
    """The term sheet of one plan iteration as a standalone HTML page (print CSS
    included); `generated` (default: now) is the moment its footer gives."""
    return TEMPLATES.get_template("term_sheet.html").render(
        plan=plan, generated=_moment(generated or utcnow())
    )


def term_sheet_pdf(plan: dict, generated: datetime | None = None) -> bytes:
    """The same document as a PDF, page numbers and repeated table headers included."""
    # WeasyPrint (with Pango behind it) is slow to import: imported here, every other staff
    # command and the app's start do without it.
    from weasyprint import HTML

    return HTML(string=term_sheet_html(plan, generated)).write_pdf()
