"""The action tests' database: the actions read their settings, so it is the app's."""

import pytest


@pytest.fixture
def database(app_settings: str) -> str:
    """A fresh database, where the settings the actions read point."""
    return app_settings
