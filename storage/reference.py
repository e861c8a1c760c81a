"""Reference numbers: SC-YYYY-NNNNN, sequential per year, unique under concurrency."""

import re

# ASCII only: Python would otherwise read other scripts' digits as numbers, and fold
# the long s (U+017F) into an "S".
REFERENCE_PATTERN = re.compile(r"SC-([0-9]{4})-([0-9]{5})", re.IGNORECASE | re.ASCII)
# The same, as the public API's description states it (JSON Schema).
REFERENCE_SCHEMA_PATTERN = "^[Ss][Cc]-[0-9]{4}-[0-9]{5}$"


def format_reference(year: int, sequence: int) -> str:
    return f"SC-{year:04d}-{sequence:05d}"


def parse_reference(text: str) -> str | None:
    """The canonical reference for an exact `SC-YYYY-NNNNN` (any case), else None."""
    match = REFERENCE_PATTERN.fullmatch(text.strip())
    if not match:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))
