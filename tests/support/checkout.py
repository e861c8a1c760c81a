"""The files of this checkout, as git sees them."""

import subprocess

from tests.support.stack import ROOT


def checkout_files() -> list[str]:
    """The checkout's files, committed or not, without what .gitignore leaves out."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [path for path in listed.split("\0") if path and (ROOT / path).is_file()]
