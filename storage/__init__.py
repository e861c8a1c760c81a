"""Storage: SQLModel tables, the repository every part goes through, migrations."""
