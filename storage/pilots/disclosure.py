"""The disclosure-impact assessment: what an unauthorized disclosure of a pilot's data
would cost, estimated as records x cost per record of the data's class, and the risk
level that estimate falls in, which decides whether the approving lead must give a note.

Classes, costs, levels and the note's threshold come from one file (disclosure_costs.yml,
or ENTRYWAY_DISCLOSURE_COSTS), read once per process; where the default costs come from
is written in that file."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, NonNegativeFloat, ValidationError, model_validator

from storage.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent.parent
CLASSIFICATIONS: Final = ("public", "internal", "confidential", "restricted")
RISK_LEVELS: Final = ("low", "medium", "high")


class DisclosureCostsError(ValueError):
    """The disclosure-costs file cannot be used; the message names the file and why."""


class DisclosureCosts(BaseModel):
    """The file, checked: a cost for every class, levels that rise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cost_per_record: dict[Literal[CLASSIFICATIONS], NonNegativeFloat]
    risk_levels: dict[Literal["medium", "high"], NonNegativeFloat]
    note_required_from: Literal[RISK_LEVELS]

    @model_validator(mode="after")
    def _complete(self) -> "DisclosureCosts":
        missing = [name for name in CLASSIFICATIONS if name not in self.cost_per_record]
        if missing:
            raise ValueError(f"cost_per_record lacks {', '.join(missing)}")
        if set(self.risk_levels) != {"medium", "high"}:
            raise ValueError("risk_levels needs both medium and high")
        if self.risk_levels["medium"] > self.risk_levels["high"]:
            raise ValueError("risk_levels: medium must not start above high")
        return self


@dataclass(frozen=True)
class Assessment:
    classification: str
    records: int
    cost_per_record: float
    estimated_cost: float
    risk_level: str
    lead_note_required: bool


def load(path: Path) -> DisclosureCosts:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as problem:
        raise DisclosureCostsError(f"{path}: cannot be read ({problem})") from problem
    try:
        return DisclosureCosts.model_validate(document)
    except ValidationError as problem:
        raise DisclosureCostsError(f"{path}: {problem}") from problem


@lru_cache
def _costs(path: str) -> DisclosureCosts:
    file = Path(path)
    return load(file if file.is_absolute() else ROOT / file)


def costs() -> DisclosureCosts:
    """The costs in force (the file the settings name)."""
    return _costs(get_settings().disclosure_costs_file)


def assess(classification: str, records: int) -> Assessment:
    """The assessment of `records` records of `classification`, with the costs in force."""
    table = costs()
    per_record = table.cost_per_record[classification]
    estimated = records * per_record
    level = "low"
    for name in ("medium", "high"):
        if estimated >= table.risk_levels[name]:
            level = name
    required = RISK_LEVELS.index(level) >= RISK_LEVELS.index(table.note_required_from)
    return Assessment(classification, records, per_record, estimated, level, required)
