"""A pytest plugin that runs the collected tests last to first, to show that no test
depends on running after another:

    .venv/bin/python -m pytest -p no:cacheprovider -p tests.support.reversed_order -m "not stack"
"""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.reverse()
