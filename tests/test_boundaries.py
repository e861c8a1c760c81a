"""The import-linter contracts `make lint` checks: they hold for the code as it is, and
they fail for each boundary crossing the architecture forbids."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = ROOT / ".venv" / "bin" / "lint-imports"
PACKAGES = ("bot", "actions", "storage", "nlu", "rasa_env", "bench")


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_contract(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "crossing", "contract"),
    [
        ("actions/status.py", "import bot.conversation", "bot and actions never import each other"),
        ("bot/chat.py", "from actions import parsing", "bot and actions never import each other"),
        ("storage/outbox.py", "import bot.notifier", "storage imports neither bot nor actions"),
        ("storage/workflow/holds.py", "from actions import triage", "storage imports neither"),
        ("storage/workflow/rules.py", "from sqlmodel import select", "the workflow's rules run no"),
        (
            "storage/workflow/versions.py",
            "from storage.workflow import evaluation",
            "each workflow step imports only the steps below it",
        ),
        ("nlu/faq_selector.py", "import storage.settings", "the Rasa components stand alone"),
    ],
)
def test_a_forbidden_import_breaks_the_lint(tree, module, crossing, contract):
    path = tree / module
    path.write_text(f"{crossing}  # noqa\n" + path.read_text())
    result = lint(tree)
    assert result.returncode != 0
    assert contract in result.stdout and "BROKEN" in result.stdout
