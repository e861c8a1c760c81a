"""Kept only for bot/staff_cli.py and bot/pipeline/figures.py, which another change of
the same issue rewrites: they import these names from here until the merge switches
them to storage.handoffs and storage.published_figures; then this module goes.
Everything else imports from the module of its kind of data (storage/submissions.py,
contacts.py, drafts.py, inbox.py, status_lookups.py, handoffs.py,
slack_deliveries.py, published_figures.py) and retention (storage/retention.py)."""

from storage.handoffs import list_handoffs
from storage.published_figures import published_figures, store_figures

__all__ = ["list_handoffs", "published_figures", "store_figures"]
