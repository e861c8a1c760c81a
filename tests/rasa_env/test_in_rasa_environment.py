"""The Rasa-side tests run where the Rasa server runs: its pinned Rasa, not the app's
packages."""

import sys

import rasa


def test_runs_in_the_rasa_environment_with_the_pinned_rasa() -> None:
    assert sys.version_info[:2] == (3, 11)
    assert rasa.__version__ == "3.6.21"
