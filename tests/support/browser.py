"""Debian's Chromium, the arguments every browser test launches it with, and axe-core's
accessibility check of a page (installed by `make browser`, at the version the Makefile
pins and verifies)."""

import shutil
from pathlib import Path

from tests.support.stack import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The widths every page is checked at: a laptop's and a phone's.
WIDTHS = (1280, 390)


def axe_script() -> str:
    """axe-core's source, as `make browser` left it in .tools/axe/."""
    found = sorted((ROOT / ".tools" / "axe").glob("axe-*.min.js"))
    if not found:
        raise FileNotFoundError("axe-core is missing: run `make browser`")
    return Path(found[-1]).read_text(encoding="utf-8")


def axe_violations(page) -> list[str]:
    """What axe-core finds wrong in the page as it is now (WCAG 2.x A and AA, and axe's
    best practices), one line per rule and element, empty when nothing. The script is
    added through the DevTools protocol, so the page's CSP does not stop it."""
    page.evaluate(axe_script())
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')}`))"
    )
    return list(found)


def horizontally_cut(page) -> list[str]:
    """Elements whose content is wider than the box showing it (hidden or scrolled
    sideways: cut off, or a scroll region a keyboard cannot reach), and the page itself
    when it scrolls sideways."""
    return page.evaluate(
        """() => {
          const cut = [];
          const root = document.documentElement;
          if (root.scrollWidth > root.clientWidth) cut.push(`the page: ${root.scrollWidth}px`);
          for (const element of document.querySelectorAll('body *')) {
            const style = getComputedStyle(element);
            // Visible overflow is not cut; a 1-pixel clip is text only for screen readers.
            if (style.overflowX === 'visible' || element.clientWidth <= 1) continue;
            if (element.scrollWidth > element.clientWidth + 1) {
              cut.push(`${element.tagName.toLowerCase()}.${element.className}`);
            }
          }
          return cut;
        }"""
    )
