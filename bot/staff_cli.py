"""`python -m bot.staff_cli`: what City staff can see from a terminal today.

    python -m bot.staff_cli handoffs      # who asked for a person, newest first
    python -m bot.staff_cli submissions   # every submission with its status

It reads DATABASE_URL like the app. Contact details are shown: this is for staff.
"""

import argparse
import sys
from collections.abc import Sequence

from bot.settings import get_settings
from storage import repository
from storage.db import session_scope


def show_handoffs(limit: int) -> list[str]:
    with session_scope(get_settings().database_url) as session:
        requests = repository.list_handoffs(session, limit)
        return [
            f"#{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.channel}  "
            f"{'posted' if r.notified_at else 'not posted'}  {r.contact or '-'}  "
            f"{r.reference or ''}  {r.topic}"
            for r in requests
        ]


def show_submissions(limit: int) -> list[str]:
    with session_scope(get_settings().database_url) as session:
        rows = repository.latest_public_submissions(session, limit)
        return [
            f"{s.reference}  {s.kind.value:8}  {s.status.value:11}  "
            f"{s.updated_at:%Y-%m-%d}  {s.title}"
            for s in rows
        ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.staff_cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("what", choices=["handoffs", "submissions"])
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(argv)
    lines = (show_handoffs if args.what == "handoffs" else show_submissions)(args.limit)
    print("\n".join(lines) if lines else f"no {args.what} yet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
