"""The documentation stays a manual that can be followed: the README short, every
relative link (and its #anchor) leading somewhere, and nothing in the repository pointing
at a path outside it (a checkout elsewhere has none of it)."""

import re
import unicodedata
from functools import cache
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tests.support.checkout import checkout_files

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 300
MANUALS = sorted(
    [ROOT / "README.md", ROOT / "SECURITY.md", *(ROOT / "docs").rglob("*.md")],
    key=lambda path: path.as_posix(),
)
# Paths of the machine the repository was written on, which a checkout elsewhere lacks.
OUTSIDE = re.compile(r"\.\./(?:shared|\.library)\b|\.library/|\bshared/interface\.md|/work/")
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()

markdown = MarkdownIt("commonmark").enable("table")


def _inline_tokens(tokens: list[Token]) -> list[Token]:
    return [child for token in tokens if token.children for child in token.children]


def links(document: Path) -> list[str]:
    """Every link and image target of a Markdown file, as written (code spans and code
    blocks are not links)."""
    found = []
    for token in _inline_tokens(markdown.parse(document.read_text())):
        target = token.attrGet("href") if token.type == "link_open" else None
        if token.type == "image":
            target = token.attrGet("src")
        if isinstance(target, str):
            found.append(target)
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = (
        character
        for character in heading.strip().lower()
        if character in " -_" or unicodedata.category(character)[0] in "LN"
    )
    return "".join(kept).replace(" ", "-")


@cache
def anchors(document: Path) -> frozenset[str]:
    """The anchors GitHub gives a Markdown file's headings (a repeated one gets -1, -2...)."""
    tokens = markdown.parse(document.read_text())
    names: set[str] = set()
    repeats: dict[str, int] = {}
    for opening, inline in pairwise(tokens):
        if opening.type != "heading_open":
            continue
        base = slug("".join(child.content for child in inline.children or []))
        repeated = repeats.get(base, 0)
        names.add(f"{base}-{repeated}" if repeated else base)
        repeats[base] = repeated + 1
    return frozenset(names)


def broken(document: Path, target: str) -> str | None:
    """Why a link from `document` leads nowhere, or None when it resolves."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None  # the web: not checked here
    path = unquote(parts.path)
    destination = (document.parent / path).resolve() if path else document
    if not destination.is_relative_to(ROOT):
        return f"{target}: outside the repository"
    if not destination.exists():
        return f"{target}: no such file"
    if (
        parts.fragment
        and destination.suffix == ".md"
        and parts.fragment not in anchors(destination)
    ):
        return f"{target}: no heading #{parts.fragment} in {destination.name}"
    return None


def test_the_readme_is_a_manual_of_at_most_300_lines():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_the_manuals_link_to_each_other():
    """A sanity check of the link reader: the README links to SECURITY.md and docs/."""
    targets = links(ROOT / "README.md")
    assert "SECURITY.md" in targets
    assert any(target.startswith("docs/performance/") for target in targets)


@pytest.mark.parametrize("document", MANUALS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(document):
    problems = [problem for target in links(document) if (problem := broken(document, target))]
    assert not problems, "\n".join(problems)


def test_a_broken_link_and_a_missing_anchor_are_found():
    """The checks above can fail: a page with a missing file and a missing heading."""
    page = ROOT / "docs" / "operations.md"
    assert broken(page, "no-such-page.md") == "no-such-page.md: no such file"
    assert broken(page, "#no-such-heading") is not None
    assert broken(page, "#when-a-process-dies") is None
    assert broken(page, "../../elsewhere.md") is not None


def test_headings_get_githubs_anchors():
    assert slug("Why the action server runs rasa-sdk 3.21 against Rasa 3.6") == (
        "why-the-action-server-runs-rasa-sdk-321-against-rasa-36"
    )
    assert slug("The web chat's identity") == "the-web-chats-identity"
    assert slug("`make bench`, 2026-11-28") == "make-bench-2026-11-28"


@pytest.mark.parametrize(
    "line",
    [
        "(see ../shared/interface.md)",
        "Rasa's HTTP API answers (what shared/interface.md promises)",
        "the list in ../.library/env/packages",
        "cd /work/main && make test",
    ],
)
def test_a_path_outside_the_repository_is_recognised(line):
    assert OUTSIDE.search(line)


def test_nothing_tracked_refers_to_a_path_outside_the_repository():
    found = []
    for name in checkout_files():
        if name == THIS_FILE or not (ROOT / name).is_file():
            continue
        try:
            text = (ROOT / name).read_text()
        except UnicodeDecodeError:
            continue  # images and other binary files
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
