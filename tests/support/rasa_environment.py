"""Runs a check script in the Rasa server's own environment (Python 3.11, Rasa's pins)."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def assert_passes_in_rasa_environment(script: str) -> str:
    """The script must exit 0 and print "ok" last; returns what it printed."""
    result = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", script],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok"), result.stdout[-3000:]
    return result.stdout
