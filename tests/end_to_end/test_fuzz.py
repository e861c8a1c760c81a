"""Schemathesis over every operation of the app's OpenAPI description, against the real
stack (Rasa answering), with all of its checks: no 5xx, every status, content type,
header and body as documented, invalid data refused, valid data accepted, 405s with a
true Allow. Deterministic (fixed seed, bounded examples) and well under a minute.

The numbers of the latest run are in docs/http-interface.md ("Fuzzing")."""

import json
import subprocess

import pytest

from tests.support.stack import ROOT

pytestmark = pytest.mark.stack

SEED = 2026
EXAMPLES_PER_OPERATION = 20


def test_every_operation_passes_every_schemathesis_check(stack, tmp_path):
    run = subprocess.run(
        [
            str(ROOT / ".venv/bin/schemathesis"),
            "run",
            f"{stack.url}/openapi.json",
            "--checks=all",
            f"--seed={SEED}",
            f"--max-examples={EXAMPLES_PER_OPERATION}",
            "--workers=1",
            "--request-timeout=30",
            "--no-color",
            "--report=json,har",
            f"--report-dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # so no schemathesis.toml of anyone else's applies
    )
    [report_file] = tmp_path.glob("json-*.json")
    [har_file] = tmp_path.glob("har-*.json")
    report = json.loads(report_file.read_text())
    requests = len(json.loads(har_file.read_text())["log"]["entries"])
    cases = report["test_cases"]
    print(
        f"schemathesis {report['schemathesis_version']}, seed {SEED}: "
        f"{report['operations']['tested']} operations, {cases['generated']} test cases, "
        f"{requests} requests, {cases['with_failures']} with failures, "
        f"{len(report['errors'])} errors, {report['running_time']:.0f} s"
    )
    assert report["operations"]["tested"] == report["operations"]["total"]
    assert report["failures"] == [] and report["errors"] == [], run.stdout[-6000:]
    assert run.returncode == 0, run.stdout[-6000:]
