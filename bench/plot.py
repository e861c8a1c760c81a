"""The benchmark's figure (docs/performance/): latency against concurrent users and
against the length of one conversation, from one run of `make bench`."""

from pathlib import Path

# A Figure made directly, not through pyplot: no display backend, no global state.
from matplotlib.figure import Figure

from bench.growth import Growth, positions_p50_p95
from bench.stacks import DEFAULT_BOT, ENTRYWAY
from bench.targets import Round


def latency_figure(growth: Growth, rounds: list[dict[str, Round]], title: str, out: Path) -> None:
    figure = Figure(figsize=(11, 4.2), layout="constrained")
    by_users, by_length = figure.subplots(1, 2)

    users = sorted(growth.loads)
    for percentile, style in ((50, "o-"), (95, "s--")):
        by_users.plot(
            users,
            [growth.loads[n].percentile(percentile) for n in users],
            style,
            color="tab:blue",
            label=f"{ENTRYWAY.split(' (')[0]} p{percentile}",
        )
    # The default bot was measured at 1 and 20 users only, in every round.
    for bot, color in ((DEFAULT_BOT, "tab:red"), (ENTRYWAY, "tab:blue")):
        for percentile, marker in ((50, "o"), (95, "s")):
            points = [
                (n, r[bot].loads[n].percentile(percentile)) for r in rounds for n in r[bot].loads
            ]
            by_users.scatter(
                *zip(*points, strict=True),
                marker=marker,
                facecolors="none",
                edgecolors=color,
                label=f"{bot.split(' (')[0]} p{percentile}, each round",
            )
    by_users.set(
        xlabel="concurrent users", ylabel="latency per message (ms)", yscale="log", xticks=users
    )
    by_users.set_title("Latency against users (mixed conversations)")
    by_users.legend(fontsize="small")
    by_users.grid(True, which="both", alpha=0.3)

    positions, p50, p95 = zip(*positions_p50_p95(growth), strict=True)
    conversations = len(growth.by_position[1])
    by_length.plot(positions, p50, color="tab:blue", label=f"p50 of {conversations} conversations")
    by_length.plot(positions, p95, color="tab:blue", alpha=0.4, label="p95")
    by_length.set(
        xlabel="message number in one conversation", ylabel="latency (ms)", ylim=(0, None)
    )
    by_length.set_title("Entryway: one user who keeps asking FAQs")
    by_length.legend(fontsize="small")
    by_length.grid(True, alpha=0.3)

    figure.suptitle(title)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=100)
