"""The conversations' action modules write no sentence a person reads: every one is in
catalogue/<language>/ (or the domain's responses), so a translation is files, never code.
A sentence is a string of two words or more that is not a docstring; regular expressions,
keys and codes are single tokens or punctuation."""

import ast
import re

import pytest

from tests.support.stack import ROOT

MODULES = (
    "idea",
    "barrier",
    "clarify",
    "handoff",
    "status",
    "info_request",
    "private",
    "browser_session",
    "store",
    "__main__",
)
WORDS = re.compile(r"[^\W\d_]{2,}\S*\s+\S*[^\W\d_]{2,}")
# For machines and operators, never shown to a person chatting: the action endpoint's
# refusal (read by Rasa's client) and the log line format.
NOT_FOR_PEOPLE = {
    ("__main__", "a valid token is required"),
    ("__main__", "%(levelname)s %(name)s: %(message)s"),
}


def sentences(source: str) -> list[str]:
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and WORDS.search(node.value)
    ]


def test_the_check_finds_a_sentence_written_in_code():
    source = 'def ask(d):\n    """Asks."""\n    d.utter_message(text="Please pick one.")\n'
    assert sentences(source) == ["Please pick one."]
    assert sentences('KEY = "idea.invalid.location"\nCODE = "not_published"\n') == []


@pytest.mark.parametrize("module", MODULES)
def test_no_sentence_a_person_reads_is_written_in_the_code(module):
    found = sentences((ROOT / "actions" / f"{module}.py").read_text(encoding="utf-8"))
    assert [s for s in found if (module, s) not in NOT_FOR_PEOPLE] == []
