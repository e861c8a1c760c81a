"""`pilot terms REFERENCE`: the pilot term sheet of one plan iteration (bot.pilots.term_sheet),
written to a file for the City's legal review. It carries what the vendor marked
confidential and the budget lines they asked to keep private, so it is given to whoever
may open confidential answers (leads, the assigned evaluator, no one with a conflict), and
that they did is recorded, as `show --confidential` does."""

from pathlib import Path

import click

from bot.pilots.term_sheet import term_sheet_html, term_sheet_pdf
from bot.staff_cli.command import database, pass_staff, reference_argument, staff_command
from storage.catalogue import text
from storage.pilots.views import plan_view
from storage.workflow import evaluation, rules, versions


@click.command("terms", help=text("term_sheet.cli.help"))
@reference_argument
@click.option(
    "--iteration", type=click.IntRange(min=1), metavar="N", help=text("term_sheet.cli.iteration")
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=text("term_sheet.cli.out"),
)
@click.option("--html", "as_html", is_flag=True, help=text("term_sheet.cli.html"))
@staff_command
@pass_staff
def terms(
    staff: rules.Staff, reference: str, iteration: int | None, out: Path | None, as_html: bool
) -> list[str]:
    with database() as session:
        submission = versions.find(session, reference)
        if evaluation.conflicted(session, submission, staff):
            raise rules.Refused(text("term_sheet.cli.conflicted", reference=reference))
        if not evaluation.may_see_confidential(session, submission, staff):
            raise rules.Refused(text("term_sheet.cli.not_yours", reference=reference))
        plan = plan_view(session, reference, iteration)
        if plan is None:
            if iteration is not None and plan_view(session, reference) is not None:
                raise rules.Refused(
                    text("term_sheet.cli.no_iteration", reference=reference, iteration=iteration)
                )
            raise rules.Refused(text("term_sheet.cli.no_plan", reference=reference))
        suffix = "html" if as_html else "pdf"
        path = out or Path(f"term-sheet-{reference}-iteration-{plan['iteration']}.{suffix}")
        document = term_sheet_html(plan).encode() if as_html else term_sheet_pdf(plan)
        try:
            path.write_bytes(document)
        except OSError as problem:
            raise rules.Refused(
                text("term_sheet.cli.cannot_write", path=path, problem=problem.strerror or problem)
            ) from None
        # Recorded once the document is out, in the same transaction.
        evaluation.record_confidential_view(session, submission, staff)
    return [text("term_sheet.cli.written", path=path)]
