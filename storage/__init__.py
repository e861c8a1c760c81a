"""Storage: what the app and the action server share. SQLModel tables (models.py), one
module per kind of data (submissions, contacts, drafts, inbox, handoffs, ...), the
evaluation workflow (workflow/), retention, migrations."""
