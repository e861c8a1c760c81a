"""What a patch replaces in Rasa (or a library it pins), and whether that is still the code
the patch was written against.

A `Target` names an attribute of a module or class and the SHA-256 of its source
(`inspect.getsource`) in the Rasa version the patch was checked against
(rasa_env/patches/__init__.py, CHECKED_RASA_VERSION). `replace` puts the patch's function in
its place and keeps Rasa's, which `original` gives back: to the patch when it defers to it,
to the tests that compare the two. Two patches may replace the same attribute: the later
one's `original` is then the earlier one's function (they chain in PATCHES order), while
the source checked for either is Rasa's own.
"""

import hashlib
import importlib
import inspect
from dataclasses import dataclass
from enum import Enum
from typing import Any

MISSING = object()  # the attribute did not exist before the patch added it
_NOT_REPLACED = object()


class SourceState(Enum):
    MATCHES = "matches"
    DIFFERS = "DIFFERS"
    MISSING = "target missing"


# Compared by identity (each is declared once, in its patch module): `original` looks one
# up for every call that defers to Rasa, and the fields need not be hashed for that.
@dataclass(frozen=True, eq=False)
class Target:
    """`module`'s attribute at `path` ("Class.method" or "function"), whose source hashed to
    `sha256`. When the patch adds an attribute Rasa's class lacks (a `__copy__`), `source_of`
    names what is hashed instead: the class whose behaviour the addition must keep."""

    module: str
    path: str
    sha256: str
    source_of: str | None = None

    def __str__(self) -> str:
        return f"{self.module}.{self.path}"

    @property
    def attribute(self) -> str:
        return self.path.rpartition(".")[2]

    def owner(self) -> Any:
        found: Any = importlib.import_module(self.module)
        for part in self.path.split(".")[:-1]:
            found = getattr(found, part)
        return found


_originals: dict[Target, Any] = {}
# What Rasa itself had at each (module, path) replaced, whichever patch replaced it first.
_rasas: dict[tuple[str, str], Any] = {}


def original(target: Target) -> Any:
    """What was at the target before this patch's `replace`: Rasa's own function, or an
    earlier patch's replacement of the same one."""
    raw = _originals.get(target, _NOT_REPLACED)
    if raw is _NOT_REPLACED:
        raw = inspect.getattr_static(target.owner(), target.attribute)
    elif raw is MISSING:
        raise AttributeError(f"{target} does not exist in Rasa")
    return raw.__func__ if isinstance(raw, staticmethod) else raw


def replace(target: Target, replacement: Any) -> None:
    """Puts `replacement` at the target, keeping what was there for `original`."""
    owner = target.owner()
    if target not in _originals:
        _originals[target] = inspect.getattr_static(owner, target.attribute, MISSING)
        _rasas.setdefault((target.module, target.path), _originals[target])
    setattr(owner, target.attribute, replacement)


def source_hash(target: Target) -> str:
    """The SHA-256 of the source of Rasa's own target (or of `source_of`); raises
    ImportError, AttributeError or OSError when it cannot be found."""
    if target.source_of is not None:
        found: Any = importlib.import_module(target.module)
        for part in target.source_of.split("."):
            found = getattr(found, part)
    else:
        found = _rasas.get((target.module, target.path), _NOT_REPLACED)
        if found is _NOT_REPLACED or found is MISSING:
            found = original(target)
        elif isinstance(found, staticmethod):
            found = found.__func__
    return hashlib.sha256(inspect.getsource(found).encode()).hexdigest()


def source_state(target: Target) -> SourceState:
    try:
        found = source_hash(target)
    except (ImportError, AttributeError, KeyError, OSError, TypeError):
        return SourceState.MISSING
    return SourceState.MATCHES if found == target.sha256 else SourceState.DIFFERS
