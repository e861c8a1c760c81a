"""rasa_env/patches/__init__.py: the check of the Rasa installed and of each patch's
targets, the switches, and `python -m rasa_env.patches`."""

import dataclasses
import json
import os
import pkgutil
import subprocess
import sys

import pytest
import rasa

from rasa_env import patches
from rasa_env.patches.targets import SourceState, Target
from tests.support.patched_rasa import ROOT, apply_patches

apply_patches()


def run_in_rasa_environment(*arguments: str, **environ: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", **environ}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_installed_rasa_is_the_one_checked_and_every_target_matches() -> None:
    assert rasa.__version__ == patches.CHECKED_RASA_VERSION
    for state in patches.states(environ={}):
        assert set(state.targets.values()) == {SourceState.MATCHES}, state.line()
    assert patches.check(environ={}) == list(patches.PATCHES)


def test_another_rasa_version_is_refused_naming_both_versions() -> None:
    with pytest.raises(patches.Refused) as refusal:
        patches.check(environ={patches.EXPECT_VERSION: "0.0.0"})
    assert "Rasa 3.6.21 is installed" in str(refusal.value)
    assert "for Rasa 0.0.0 (ENTRYWAY_RASA_EXPECT_VERSION)" in str(refusal.value)


def test_the_expected_version_given_is_the_one_checked() -> None:
    assert patches.check(environ={patches.EXPECT_VERSION: rasa.__version__})


def changed(monkeypatch: pytest.MonkeyPatch, name: str, **fields: str) -> Target:
    module = patches.patch_module(name)
    target = dataclasses.replace(module.TARGETS[0], **fields)
    monkeypatch.setattr(module, "TARGETS", (target, *module.TARGETS[1:]))
    return target


def test_a_target_whose_source_changed_is_refused_naming_the_patch(monkeypatch) -> None:
    target = changed(monkeypatch, "domain_emptiness_once", sha256="0" * 64)
    with pytest.raises(patches.Refused) as refusal:
        patches.check(environ={})
    message = str(refusal.value)
    assert message.startswith("patch domain_emptiness_once: the source of ")
    assert str(target) in message and "ENTRYWAY_RASA_PATCHES=-domain_emptiness_once" in message
    # Switched off, it is no longer checked, nor applied.
    assert "domain_emptiness_once" not in patches.check(
        environ={patches.SWITCHES: "-domain_emptiness_once"}
    )


def test_a_target_missing_from_rasa_is_refused_naming_the_patch(monkeypatch) -> None:
    changed(monkeypatch, "depth_first_graph", path="no_such_function")
    with pytest.raises(patches.Refused) as refusal:
        patches.check(environ={})
    assert str(refusal.value).startswith(
        "patch depth_first_graph: dask.no_such_function is missing from the Rasa installed"
    )


def test_a_patch_whose_module_no_longer_imports_is_refused_naming_it(monkeypatch) -> None:
    """What a Rasa that moved a name a patch imports looks like: the module's import fails
    before any hash is compared."""
    imported = patches.patch_module

    def failing(name: str):
        if name == "domain_digest":
            raise ImportError("cannot import name 'RemoteAction' from 'rasa.core.actions.action'")
        return imported(name)

    monkeypatch.setattr(patches, "patch_module", failing)
    with pytest.raises(patches.Refused) as refusal:
        patches.check(environ={})
    message = str(refusal.value)
    assert message.startswith("patch domain_digest: its module does not import")
    assert "cannot import name 'RemoteAction'" in message
    assert "ENTRYWAY_RASA_PATCHES=-domain_digest" in message
    lines = {state.name: state.line() for state in patches.states(environ={})}
    assert "does not import: ImportError: cannot import name" in lines["domain_digest"]
    # Switched off, the others are checked and chosen as before.
    chosen = patches.check(environ={patches.SWITCHES: "-domain_digest"})
    assert chosen == [name for name in patches.PATCHES if name != "domain_digest"]


def test_every_module_of_the_package_is_a_listed_patch() -> None:
    """A patch module left out of PATCHES would be neither checked, applied nor listed."""
    modules = {module.name for module in pkgutil.iter_modules(patches.__path__)}
    assert modules - {"targets", "__main__"} == set(patches.PATCHES)


def test_switches_name_patches_to_switch_off_and_nothing_else() -> None:
    assert patches.switched_off({patches.SWITCHES: " -log_redaction, -depth_first_graph"}) == {
        "log_redaction",
        "depth_first_graph",
    }
    assert patches.switched_off({patches.SWITCHES: ""}) == set()
    for wrong in ("-no_such_patch", "log_redaction", "+log_redaction"):
        with pytest.raises(patches.Refused) as refusal:
            patches.switched_off({patches.SWITCHES: wrong})
        assert f"{wrong!r} is not" in str(refusal.value)
        assert ", ".join(patches.PATCHES) in str(refusal.value)


def test_a_switched_off_patch_leaves_rasas_own_target_and_the_others_apply() -> None:
    result = run_in_rasa_environment(
        "-m",
        "tests.support.applied_patches",
        ENTRYWAY_RASA_PATCHES="-direct_slot_copy,-domain_digest",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rasas = json.loads(result.stdout)
    assert rasas.pop("direct_slot_copy") == {"rasa.shared.core.slots.Slot.__copy__": True}
    assert set(rasas.pop("domain_digest").values()) == {True}
    assert rasas.pop("tracker_copy_from_state") == {
        "rasa.shared.core.trackers.DialogueStateTracker.copy": False,
        "rasa.shared.core.trackers.DialogueStateTracker._reset": True,  # checked, not replaced
    }
    rules = rasas.pop("intent_only_rules")
    assert rules.pop("rasa.core.policies.rule_policy.RulePolicy._find_action_from_rules") is False
    assert set(rules.values()) == {True}  # checked, not replaced
    for name, targets in rasas.items():
        assert set(targets.values()) == {False}, name


def test_the_listing_has_one_line_per_patch_with_its_targets_and_switch() -> None:
    result = run_in_rasa_environment(
        "-m", "rasa_env.patches", ENTRYWAY_RASA_PATCHES="-shared_parse_cache"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    header, *lines = result.stdout.splitlines()
    assert header == "Rasa 3.6.21; patches checked against 3.6.21"
    assert [line.split()[0] for line in lines] == list(patches.PATCHES)
    for name, line in zip(patches.PATCHES, lines, strict=True):
        for target in patches.patch_module(name).TARGETS:
            assert f"{target} matches" in line, line
        switched = "switched off" if name == "shared_parse_cache" else "on"
        assert line.endswith(f"  {switched}"), line
    assert "DIFFERS" not in result.stdout and "target missing" not in result.stdout


def test_the_listing_says_which_target_differs_or_is_missing(monkeypatch) -> None:
    changed(monkeypatch, "domain_emptiness_once", sha256="0" * 64)
    changed(monkeypatch, "depth_first_graph", path="no_such_function")
    lines = {state.name: state.line() for state in patches.states(environ={})}
    assert "rasa.shared.core.domain.Domain.is_empty DIFFERS" in lines["domain_emptiness_once"]
    assert "dask.no_such_function target missing" in lines["depth_first_graph"]
    assert "matches" in lines["log_redaction"]


def test_the_hashes_printed_are_those_each_patch_declares_for_this_rasa() -> None:
    result = run_in_rasa_environment("-m", "rasa_env.patches", "--hashes")
    assert result.returncode == 0, result.stderr[-3000:]
    declared = [
        f"{name}  {target}  {target.sha256}"
        for name in patches.PATCHES
        for target in patches.patch_module(name).TARGETS
    ]
    assert result.stdout.splitlines() == declared
