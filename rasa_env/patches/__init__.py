"""The patches the Rasa server runs with, in the order they are applied, and the check that
they still fit the Rasa installed.

Each module here replaces one part of Rasa (or of dask, which Rasa pins) and says what,
why, and what it saved. Each declares its `TARGETS` (rasa_env/patches/targets.py: what it
replaces and the SHA-256 of that code's source in CHECKED_RASA_VERSION) and an `apply()`.

`apply_all()` (rasa_env/launch.py) first checks that the installed Rasa is the version the
patches were checked against (ENTRYWAY_RASA_EXPECT_VERSION overrides it, for an operator
trying another Rasa and for the tests) and that every target's source is the one checked,
and refuses (`Refused`, one line naming the version or the patch) otherwise: a patch applied
to code it was not written for would compute something else without a word.
`python -m rasa_env.patches` lists them (rasa_env/patches/__main__.py).

ENTRYWAY_RASA_PATCHES=-name,-other switches single patches off, for a diagnosis. No patch
needs another one to be on; what they need outside is said in each: domain_digest needs
an action server that knows the domain's digest (rasa-sdk 3.21, in the action server's
environment); shared_parse_cache is what tells the sentence featurizer whose message it
embeds (switched off, the featurizer keeps no embeddings either); no_tracker_store_fallback
switched off brings back Rasa's in-memory fallback around rasa_env/tracker_store.py.

Where Rasa offers an extension point, Entryway uses it instead of a patch: the intent
classifier's one-row scoring and the sentence-only count vectorisers are components in
config.yml (nlu/row_scoring_classifier.py, nlu/sentence_count_vectors.py), the tracker and
lock stores are in the endpoints (rasa_env/endpoints.py).
"""

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from rasa_env.patches.targets import SourceState, Target, source_state

CHECKED_RASA_VERSION = "3.6.21"
EXPECT_VERSION = "ENTRYWAY_RASA_EXPECT_VERSION"
SWITCHES = "ENTRYWAY_RASA_PATCHES"

PATCHES = (
    "compiled_response_schema",
    "action_call_window",
    "domain_digest",
    "kept_action_session",
    "event_class_lookup",
    "applied_events_once",
    "no_tracker_store_fallback",
    "domain_emptiness_once",
    "depth_first_graph",
    "direct_slot_copy",
    "incremental_past_states",
    "intent_only_rules",
    "tracker_copy_from_state",
    "freeze_after_model_load",
    "shared_parse_cache",
    "log_redaction",
)

_applied: set[str] = set()


class Refused(Exception):
    """The patches do not fit the Rasa installed, or were switched off wrongly."""


@dataclass(frozen=True)
class PatchState:
    name: str
    targets: dict[Target, SourceState]
    switched_off: bool
    # Why the patch's module does not import (a name it takes from Rasa moved), if so.
    import_error: str | None = None

    def line(self, name_width: int = 0) -> str:
        """Name, each target and its source's state, and whether it is switched off."""
        if self.import_error is not None:
            targets = f"does not import: {self.import_error}"
        else:
            targets = ", ".join(f"{target} {state.value}" for target, state in self.targets.items())
        switch = "switched off" if self.switched_off else "on"
        return f"{self.name:<{name_width}}  {targets}  {switch}"


def patch_module(name: str) -> ModuleType:
    return importlib.import_module(f"rasa_env.patches.{name}")


def _state(name: str, off: frozenset[str]) -> PatchState:
    """A module importing names Rasa moved fails on import, before any hash is compared:
    that is reported as the patch's state, so the refusal names it and the patch can be
    switched off, rather than every command stopping on a traceback."""
    try:
        targets = patch_module(name).TARGETS
    except (ImportError, AttributeError) as error:
        return PatchState(name, {}, name in off, f"{type(error).__name__}: {error}")
    return PatchState(name, {target: source_state(target) for target in targets}, name in off)


def expected_version(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(EXPECT_VERSION) or CHECKED_RASA_VERSION


def switched_off(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The patches ENTRYWAY_RASA_PATCHES switches off ("-name,-other")."""
    names = set()
    for item in environ.get(SWITCHES, "").split(","):
        item = item.strip()
        if not item:
            continue
        name = item.removeprefix("-")
        if not item.startswith("-") or name not in PATCHES:
            raise Refused(
                f"{SWITCHES}={environ[SWITCHES]!r}: {item!r} is not '-' and a patch's name;"
                f" the patches are {', '.join(PATCHES)}"
            )
        names.add(name)
    return frozenset(names)


def check_version(environ: Mapping[str, str] = os.environ) -> None:
    import rasa

    expected = expected_version(environ)
    if rasa.__version__ != expected:
        given = f" ({EXPECT_VERSION})" if environ.get(EXPECT_VERSION) else ""
        raise Refused(
            f"Rasa {rasa.__version__} is installed, but the patches are for Rasa {expected}"
            f"{given}: install Rasa {CHECKED_RASA_VERSION} (make install), or check each patch"
            " against this Rasa (python -m rasa_env.patches), update its hashes and"
            " CHECKED_RASA_VERSION in rasa_env/patches/__init__.py"
        )


def states(environ: Mapping[str, str] = os.environ) -> list[PatchState]:
    off = switched_off(environ)
    return [_state(name, off) for name in PATCHES]


def check(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The patches to apply: every one not switched off, once the installed Rasa and each of
    their targets were found to be what they were checked against."""
    check_version(environ)
    chosen = []
    for state in states(environ):
        if state.switched_off:
            continue
        if state.import_error is not None:
            raise Refused(
                f"patch {state.name}: its module does not import against the Rasa installed"
                f" ({state.import_error}): read the new code and update"
                f" rasa_env/patches/{state.name}.py, or switch the patch off with"
                f" {SWITCHES}=-{state.name}"
            )
        for target, found in state.targets.items():
            if found is SourceState.MATCHES:
                continue
            if found is SourceState.MISSING:
                what = f"{target} is missing from the Rasa installed"
            else:
                what = (
                    f"the source of {target} differs from the one checked in Rasa"
                    f" {CHECKED_RASA_VERSION} (sha256 {target.sha256[:12]}...)"
                )
            raise Refused(
                f"patch {state.name}: {what}: read the new code and update"
                f" rasa_env/patches/{state.name}.py, or switch the patch off with"
                f" {SWITCHES}=-{state.name}"
            )
        chosen.append(state.name)
    return chosen


def apply_all(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Checks, then applies every patch not switched off (each once per process)."""
    chosen = check(environ)
    for name in chosen:
        if name not in _applied:
            patch_module(name).apply()
            _applied.add(name)
    return chosen
