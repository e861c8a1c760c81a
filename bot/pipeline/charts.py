"""The charts of /reports/pipeline, drawn on the server as SVG with matplotlib, so the
page needs no JavaScript. Each chart's data is also on the page as a table, for screen
readers and for anyone who prefers numbers."""

import io
import threading
from collections import defaultdict
from collections.abc import Callable

from bot.pipeline.figures import Dataset, label
from storage.catalogue import text

# Okabe-Ito: told apart by people with any common colour-vision deficiency.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH_INCHES, HEIGHT_INCHES = 5.0, 3.4  # drawn for a phone's width, scaled up by the page
# matplotlib's pyplot state is not thread-safe; requests are served from a thread pool.
_drawing = threading.Lock()


def _pyplot():
    import matplotlib  # imported on the first chart: the app starts without it

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: selectable, and smaller
            "svg.hashsalt": "entryway",  # the same figures draw the same file
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    import matplotlib.pyplot as pyplot

    return pyplot


def _hidden(label: str) -> str:
    """A label marked as having a figure that is not published (see the caption)."""
    return f"{label}*"


def _stacked_by_month(dataset: Dataset, language: str) -> Callable:
    series_column = dataset.columns[1].name

    def draw(axes) -> None:
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for month, series, value in dataset.rows:
            counts[series][month] = value or 0  # a suppressed cell draws as nothing...
        months = sorted({row[0] for row in dataset.rows})
        partial = {row[0] for row in dataset.rows if row[2] is None}  # ...and is marked
        bottom = [0] * len(months)
        for index, (series, values) in enumerate(sorted(counts.items())):
            heights = [values.get(month, 0) for month in months]
            axes.bar(months, heights, bottom=bottom, label=label(series_column, series, language),
                     color=COLOURS[index % len(COLOURS)])  # fmt: skip
            bottom = [a + b for a, b in zip(bottom, heights, strict=True)]
        axes.set_ylabel(text(f"report.{dataset.name}.axis", language))
        names = [label("month", month, language) for month in months]
        axes.set_xticks(
            range(len(months)),
            [_hidden(n) if m in partial else n for m, n in zip(months, names, strict=True)],
        )
        axes.tick_params(axis="x", labelrotation=45)
        if counts:
            axes.legend(fontsize=8, frameon=False)

    return draw


def _time_in_status(dataset: Dataset, language: str) -> Callable:
    def draw(axes) -> None:
        statuses = [
            _hidden(label("status", row[0], language))
            if row[2] is None
            else label("status", row[0], language)
            for row in dataset.rows
        ]
        medians = [row[2] or 0 for row in dataset.rows]
        p90s = [row[3] or 0 for row in dataset.rows]
        positions = range(len(statuses))
        axes.barh([p + 0.2 for p in positions], medians, height=0.4, color=COLOURS[0],
                  label=text("report.time-in-status.median", language))  # fmt: skip
        axes.barh([p - 0.2 for p in positions], p90s, height=0.4, color=COLOURS[1],
                  label=text("report.time-in-status.p90", language))  # fmt: skip
        axes.set_yticks(list(positions), statuses)
        axes.invert_yaxis()
        axes.set_xlabel(text("report.time-in-status.axis", language))
        axes.legend(fontsize=8, frameon=False)

    return draw


def _bars(
    dataset: Dataset,
    language: str,
    coded: str,
    value: int,
    shown: Callable[[tuple], bool],
    colour: str,
) -> Callable:
    """Horizontal bars, one per row: its code's label (marked where `shown` says its
    figure is held back) and the figure in column `value` (0 when held back)."""

    def draw(axes) -> None:
        labels = [
            label(coded, row[0], language)
            if shown(row)
            else _hidden(label(coded, row[0], language))
            for row in dataset.rows
        ]
        axes.barh(labels, [row[value] or 0 for row in dataset.rows], color=colour)
        axes.invert_yaxis()
        axes.set_xlabel(text(f"report.{dataset.name}.axis", language))

    return draw


def _blocked_by(dataset: Dataset, language: str) -> Callable:
    return _bars(dataset, language, "waiting_on", 1, lambda row: row[1] is not None, COLOURS[2])


def _time_to_contract(dataset: Dataset, language: str) -> Callable:
    # Marked only where contracts were signed but their median is not published: an
    # approach with no contract has no median to hide.
    return _bars(
        dataset,
        language,
        "approach",
        2,
        lambda row: row[2] is not None or row[1] == 0,
        COLOURS[5],
    )


def _pilots_by_outcome(dataset: Dataset, language: str) -> Callable:
    return _bars(dataset, language, "outcome", 1, lambda row: row[1] is not None, COLOURS[0])


# (name, language) -> (when its figures were computed, SVG)
_drawn: dict[tuple[str, str], tuple[object, bytes]] = {}


def svg(dataset: Dataset, language: str) -> bytes:
    """The chart in `language`, drawn once for each publication of its figures."""
    cached = _drawn.get((dataset.name, language))
    if cached is not None and cached[0] == dataset.computed_at:
        return cached[1]
    drawn = _draw(dataset, language)
    _drawn[(dataset.name, language)] = (dataset.computed_at, drawn)
    return drawn


def _draw(dataset: Dataset, language: str) -> bytes:
    draw = {
        "submissions-by-month": _stacked_by_month,
        "time-in-status": _time_in_status,
        "blocked-by": _blocked_by,
        "barriers-by-month": _stacked_by_month,
        "time-to-contract": _time_to_contract,
        "pilots-by-outcome": _pilots_by_outcome,
    }[dataset.name](dataset, language)
    with _drawing:
        pyplot = _pyplot()
        figure, axes = pyplot.subplots(figsize=(WIDTH_INCHES, HEIGHT_INCHES))
        try:
            if dataset.charted:
                draw(axes)
                figure.text(0.01, 0.01, text("report.chart_note", language), fontsize=8)
            else:  # says so, rather than an empty axis (the page shows this text instead)
                nothing = text("report.nothing_to_chart", language)
                axes.text(0.5, 0.5, nothing, ha="center", va="center", wrap=True)
                axes.set_axis_off()
            figure.tight_layout()
            output = io.BytesIO()
            figure.savefig(output, format="svg", metadata={"Date": None})
        finally:
            pyplot.close(figure)
    return output.getvalue()
