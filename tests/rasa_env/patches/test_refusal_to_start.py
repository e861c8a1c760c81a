"""Rasa is not started with patches for another Rasa version: not by the launcher, not by
scripts/supervise (which `make run` and the production image run), not by `make run`."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.patched_rasa import MODEL, ROOT

REFUSAL = (
    "Rasa 3.6.21 is installed, but the patches are for Rasa 0.0.0 (ENTRYWAY_RASA_EXPECT_VERSION)"
)


def run(command: list[str], **environ: str) -> subprocess.CompletedProcess:
    """The command, in its own process group (killed whole if it does not end)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", **environ}
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_the_launcher_refuses_to_start_rasa_naming_the_version() -> None:
    launcher = [sys.executable, "-m", "rasa_env.launch", "run", "--model", str(MODEL)]
    result = run(launcher, ENTRYWAY_RASA_EXPECT_VERSION="0.0.0")
    assert result.returncode != 0
    assert last_line(result.stderr) == (
        f"rasa_env.launch: refusing to start Rasa: {REFUSAL}: install Rasa 3.6.21 (make"
        " install), or check each patch against this Rasa (python -m rasa_env.patches), update"
        " its hashes and CHECKED_RASA_VERSION in rasa_env/patches/__init__.py"
    )


def test_the_check_says_nothing_when_the_patches_fit_and_one_line_when_not() -> None:
    check = [sys.executable, "-m", "rasa_env.patches", "--check"]
    fits = run(check)
    assert (fits.returncode, fits.stdout, fits.stderr) == (0, "", "")
    refused = run(check, ENTRYWAY_RASA_EXPECT_VERSION="0.0.0")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and REFUSAL in refused.stderr


def test_the_supervisor_refuses_before_starting_anything() -> None:
    result = run([str(ROOT / "scripts" / "supervise")], ENTRYWAY_RASA_EXPECT_VERSION="0.0.0")
    assert result.returncode != 0
    assert REFUSAL in last_line(result.stderr)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_refuses_naming_the_version() -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = f"sqlite:///{Path(directory) / 'entryway.db'}"
        result = run(["make", "run"], ENTRYWAY_RASA_EXPECT_VERSION="0.0.0", DATABASE_URL=database)
    assert result.returncode != 0
    assert REFUSAL in result.stderr
