"""The disclosure-impact assessment from the costs file: records x cost per record of
the class, the risk level it falls in, whether a lead's note is required; and a costs
file that cannot be used is named, not guessed around."""

from pathlib import Path

import pytest

from storage.pilots import disclosure


def costs_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "costs.yml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_default_costs_place_the_examples():
    assert disclosure.assess("internal", 20_000).risk_level == "medium"
    assert disclosure.assess("public", 10**9).estimated_cost == 0
    high = disclosure.assess("confidential", 5_000)
    assert high.estimated_cost == 825_000 and high.risk_level == "high"
    assert high.lead_note_required and not disclosure.assess("internal", 9_999).lead_note_required


def test_the_settings_name_another_file(tmp_path, monkeypatch):
    path = costs_file(
        tmp_path,
        "cost_per_record: {public: 0, internal: 1, confidential: 50, restricted: 100}\n"
        "risk_levels: {medium: 100, high: 1000}\nnote_required_from: medium\n",
    )
    monkeypatch.setenv("ENTRYWAY_DISCLOSURE_COSTS", str(path))
    assessed = disclosure.assess("internal", 150)
    assert (assessed.estimated_cost, assessed.risk_level) == (150, "medium")
    assert assessed.lead_note_required


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("cost_per_record: {public: 0}\nrisk_levels: {medium: 1, high: 2}\n"
         "note_required_from: high\n", "cost_per_record lacks internal"),
        ("cost_per_record: {public: 0, internal: 1, confidential: 2, restricted: 3}\n"
         "risk_levels: {medium: 5, high: 2}\nnote_required_from: high\n", "medium must not"),
        ("cost_per_record: {public: -1, internal: 1, confidential: 2, restricted: 3}\n"
         "risk_levels: {medium: 1, high: 2}\nnote_required_from: high\n", "greater than or equal"),
        ("cost_per_record: [1, 2\n", "cannot be read"),
    ],
)  # fmt: skip
def test_an_unusable_file_is_named(tmp_path, body: str, said: str):
    path = costs_file(tmp_path, body)
    with pytest.raises(disclosure.DisclosureCostsError, match=said) as problem:
        disclosure.load(path)
    assert str(path) in str(problem.value)
