"""Reference numbers: SC-YYYY-NNNNN, sequential per year, unique under concurrency.

Five digits, zero-padded; a year with more than 99,999 submissions goes on with six or
seven (SC-2026-100000), so the 100,000th reference works like the first."""

import re

# ASCII only: Python would otherwise read other scripts' digits as numbers, and fold
# the long s (U+017F) into an "S".
REFERENCE_PATTERN = re.compile(
    r"SC-([0-9]{4})-([0-9]{5}|[1-9][0-9]{5,6})", re.IGNORECASE | re.ASCII
)
# The same, as the public API's description states it (JSON Schema).
REFERENCE_SCHEMA_PATTERN = "^[Ss][Cc]-[0-9]{4}-([0-9]{5}|[1-9][0-9]{5,6})$"


def format_reference(year: int, sequence: int) -> str:
    return f"SC-{year:04d}-{sequence:05d}"


def parse_reference(text: str) -> str | None:
    """The canonical reference for an exact `SC-YYYY-NNNNN` (any case), else None."""
    match = REFERENCE_PATTERN.fullmatch(text.strip())
    if not match:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))
