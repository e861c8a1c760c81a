"""What every staff command shares: how it runs (`staff_command`), who acts (`--as`,
handed to the command by `pass_staff`), the database, and a submission reference as an
argument."""

import functools
import getpass
import json
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from sqlmodel import Session

from storage import roster, service_levels
from storage.catalogue import text
from storage.db import session_scope
from storage.reference import parse_reference
from storage.settings import get_settings
from storage.workflow import rules

# The command's function receives the Staff who acts, as its first argument.
pass_staff = click.make_pass_decorator(rules.Staff)


@contextmanager
def database() -> Iterator[Session]:
    with session_scope(get_settings().database_url) as session:
        yield session


def acting(name: str | None) -> rules.Staff:
    """Who acts: the roster member --as names, or the operator."""
    if name is None:
        return rules.Staff.operator(getpass.getuser())
    return member(name)


def member(name: str) -> rules.Staff:
    """The roster member someone named, by Slack id or roster name (--as, --to)."""
    with database() as session:
        return roster.resolve(session, name)


# Control and format characters a terminal may act on; newline and tab are the output's own.
UNSAFE_CATEGORIES = ("Cc", "Cf")
KEPT = frozenset("\n\t")


def _safe(character: str) -> str:
    if character in KEPT or unicodedata.category(character) not in UNSAFE_CATEGORIES:
        return character
    return json.dumps(character)[1:-1]  # \u001b: read as written, and valid inside JSON


def terminal_safe(said: str) -> str:
    """What the staff CLI prints: people's words as written, but their control and format
    characters (an ANSI or OSC escape that rewrites the terminal or its clipboard, a bidi
    override) shown as escapes (ESC as the six characters \\u001b), not acted on by the
    terminal. Inside `--json` output that is JSON's own escape, so the JSON reads back
    the same."""
    return "".join(map(_safe, said))


def echo(said: str, error: bool = False) -> None:
    click.echo(terminal_safe(said), err=error)


def staff_command(command: Callable[..., list[str]]) -> Callable[..., None]:
    """Runs a command as every one runs, once its arguments are understood (so that bad
    usage is told first, and --help needs no database): the service levels must be in
    force, --as must name someone on the roster (for every command, even one that does
    not use it), then the command's lines are printed. Its refusal (rules.Refused)
    and a service-level error go up to `main`, which turns them into exit statuses."""

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        context = click.get_current_context()
        service_levels.in_force()
        context.obj = acting(context.find_root().params["actor"])
        echo("\n".join(command(*args, **kwargs)))

    return run


def act(work: Callable[[Session], rules.Outcome]) -> list[str]:
    """One workflow step in its own transaction; its message is what the command prints."""
    with database() as session:
        return [work(session).message]


class InOrder(click.Group):
    """A group whose --help lists its commands in the order they are given (the order
    of the work), not alphabetically."""

    def list_commands(self, context: click.Context) -> list[str]:
        return list(self.commands)


class Reference(click.ParamType):
    """A submission reference (SC-2026-00042), however it was typed."""

    name = "reference"

    def convert(
        self, value: str, param: click.Parameter | None, context: click.Context | None
    ) -> str:
        reference = parse_reference(value)
        if reference is None:
            self.fail(text("cli.not_a_reference", value=value), param, context)
        return reference


reference_argument = click.argument("reference", type=Reference(), metavar="REFERENCE")
