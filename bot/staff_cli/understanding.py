"""`understand [TEXT ...]`: how the assistant reads a text, for staff finding out why it
misunderstood someone. Each text goes to the running Rasa's `/model/parse` (the same
NLU pipeline, model and language detection a chat message goes through; the REST
channel's metadata plays no part in understanding), one at a time, and one JSON line is
printed per text as soon as it is understood: Rasa's answer as it gave it, plus
"language", the `language` entity nlu/language_detector.py set ("en" when it set none).

Rasa takes the token the app uses (ENTRYWAY_RASA_TOKEN), which `make run` keeps in
var/secrets.env when the operator set none: read from there as scripts/supervise reads it."""

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import click

from bot.rasa_client import HopFailed, RasaWorkers
from storage import process_tokens
from storage.catalogue import text
from storage.languages import DEFAULT_LANGUAGE, supported
from storage.settings import Settings, get_settings

PARSE = "/model/parse"
# The conversation the parses are counted under in RasaWorkers (its home server): parses
# keep no conversation, so any fixed name does.
SENDER = "staff-cli-understand"
DETAIL_CHARS = 200
KEPT_TOKENS = Path(__file__).resolve().parents[2] / "var" / "secrets.env"


class AssistantUnreachable(Exception):
    """Rasa could not be reached, or refused the parse; the message says which."""


def language_of(parsed: dict) -> str:
    """The language the detector set as the `language` entity, else English."""
    for entity in parsed.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == "language":
            return supported(str(entity.get("value") or "")) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _with_rasa_token(settings: Settings) -> Settings:
    """The settings with the token Rasa was started with: the operator's, else the one
    `make run` generated and kept (none when it never ran here)."""
    if settings.rasa_token or not KEPT_TOKENS.exists():
        return settings
    try:
        kept = process_tokens.read(KEPT_TOKENS)
    except (process_tokens.UnsafeSecrets, OSError) as problem:
        raise AssistantUnreachable(str(problem)) from problem
    return settings.model_copy(update={"rasa_token": kept["ENTRYWAY_RASA_TOKEN"]})


async def understood(texts: Iterable[str]) -> AsyncIterator[dict]:
    """Each text as Rasa understands it, with its language. Raises AssistantUnreachable."""
    rasa = RasaWorkers(_with_rasa_token(get_settings()))
    await rasa.open()
    try:
        for said in texts:
            try:
                status, body = await rasa.post(SENDER, PARSE, {"text": said})
            except HopFailed as problem:
                raise AssistantUnreachable(
                    text("cli.understand.unreachable", url=rasa.urls[0], problem=problem)
                ) from problem
            if status != 200:
                detail = body.decode(errors="replace")[:DETAIL_CHARS]
                raise AssistantUnreachable(
                    text("cli.understand.refused", url=rasa.urls[0], status=status, detail=detail)
                )
            parsed = json.loads(body)
            # The FAQ selector (nlu/faq_selector.py) answers only for FAQ questions: the
            # key is there, empty, for every other text, so every line has one shape.
            yield {"response_selector": {}, **parsed, "language": language_of(parsed)}
    finally:
        await rasa.aclose()


def _given(texts: tuple[str, ...]) -> list[str]:
    """The texts from the arguments, or else standard input's non-blank lines; bad usage
    when there are none (a terminal on standard input would wait for ever)."""
    if texts:
        return list(texts)
    if sys.stdin.isatty():
        raise click.UsageError(text("cli.understand.nothing"))
    lines = [line.rstrip("\r\n") for line in sys.stdin]
    given = [line for line in lines if line.strip()]
    if not given:
        raise click.UsageError(text("cli.understand.nothing"))
    return given


@click.command(help=text("cli.help.understand"))
@click.argument("texts", nargs=-1, metavar="[TEXT]...")
def understand(texts: tuple[str, ...]) -> None:
    given = _given(texts)  # bad usage is told before anything is asked of Rasa

    async def run() -> None:
        async for parsed in understood(given):
            click.echo(json.dumps(parsed, ensure_ascii=False))

    asyncio.run(run())
