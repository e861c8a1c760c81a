"""The process tokens `make run` generates when the operator set none
(storage/process_tokens.py, evaluated by scripts/supervise)."""

import os
import shlex
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage import process_tokens
from tests.support.stack import ROOT


def exported(output: str) -> dict[str, str]:
    words = [shlex.split(line)[1] for line in output.splitlines()]
    return dict(word.split("=", 1) for word in words)


def run(path, **environ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in process_tokens.NAMES}
    return subprocess.run(
        [sys.executable, "-m", "storage.process_tokens", str(path)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT), **environ},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_generated_once_kept_for_the_service_user_and_the_same_at_every_start(tmp_path):
    path = tmp_path / "var" / "secrets.env"
    first = run(path)
    assert first.returncode == 0, first.stderr
    tokens = exported(first.stdout)
    assert set(tokens) == set(process_tokens.NAMES)
    assert all(len(token) >= 40 for token in tokens.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert exported(run(path).stdout) == tokens  # a restart keeps them
    # What the operator set is theirs: only the other one comes from the file.
    mine = run(path, ENTRYWAY_RASA_TOKEN="operator-chosen")
    assert exported(mine.stdout) == {"ENTRYWAY_ACTIONS_TOKEN": tokens["ENTRYWAY_ACTIONS_TOKEN"]}


def test_two_starts_at_once_agree_on_one_set_of_tokens(tmp_path):
    path = tmp_path / "secrets.env"
    with ThreadPoolExecutor(8) as starts:
        seen = list(starts.map(lambda _: process_tokens.read(path), range(8)))
    assert all(tokens == seen[0] for tokens in seen)
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.env"]  # nothing left aside


@pytest.mark.parametrize(
    ("mode", "content", "problem"),
    [
        (0o640, None, "readable by others (mode 0640)"),
        (0o604, None, "readable by others (mode 0604)"),
        (0o600, "ENTRYWAY_RASA_TOKEN=x\n", "has no ENTRYWAY_ACTIONS_TOKEN"),
        (0o600, "ENTRYWAY_RASA_TOKEN=x\nPASSWORD=y\n", "line 2: expected NAME=VALUE"),
    ],
)
def test_a_file_that_cannot_be_trusted_stops_the_start(tmp_path, mode, content, problem):
    path = tmp_path / "secrets.env"
    process_tokens.read(path)
    if content is not None:
        path.write_text(content)
    path.chmod(mode)
    refused = run(path)
    assert refused.returncode != 0 and refused.stdout == ""
    assert problem in refused.stderr and "Delete it" in refused.stderr
