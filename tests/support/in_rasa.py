"""The pytest plugin for the tests that run inside the Rasa server's own environment
(tests/rasa_env, tests/nlu): Python 3.11 with Rasa's pins, where the app's packages
(SQLModel, ...) are not installed, so the app's conftest is not loaded there.

Run as `make test` runs them:
    .venv-rasa/bin/python -m pytest -p no:cacheprovider --noconftest -p tests.support.in_rasa \
        tests/rasa_env tests/nlu
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAINED_MODEL = ROOT / "models" / "entryway.tar.gz"


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model `make model` trained from this checkout's data."""
    if not TRAINED_MODEL.exists():
        pytest.fail(f"{TRAINED_MODEL} is missing: run `make model` first")
    return TRAINED_MODEL
