"""The noise state file's model and what a report says about noise (``FleetReport.noise``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dozor.noise.acks import Ack
from dozor.noise.silences import Silence

NOISE_FILE = "noise.json"


class NoiseState(BaseModel):
    """``<state_dir>/noise.json``: silences (active and recently ended) and acknowledged incidents."""

    version: int = 1
    silences: list[Silence] = Field(default_factory=list)
    acks: list[Ack] = Field(default_factory=list)


class AckNote(BaseModel):
    """An incident of this report that someone acknowledged."""

    note: str
    by: str
    since: datetime
    new_symptoms: list[str] = Field(default_factory=list, description="Fingerprints of problems that joined since.")


class NoiseSummary(BaseModel):
    """What silences, acks and baselines did to this report."""

    silenced: int = Field(default=0, description="Problems hidden by a silence (kept in the alerts with silenced_by).")
    silenced_until: list[datetime] = Field(
        default_factory=list, description="Ends of the silences applied, soonest first.")
    silences: list[str] = Field(default_factory=list, description="Ids of the silences that hid something.")
    broke_through: int = Field(default=0, description="Silenced problems shown again because they got worse.")
    acks: dict[str, AckNote] = Field(default_factory=dict, description="By incident id.")
    candidates: list[str] = Field(
        default_factory=list, description="Silence candidates: patterns firing at a steady rate for days.")
    warning: str | None = Field(default=None, description="Why silences/acks/baselines could not be applied.")


__all__ = ["NOISE_FILE", "AckNote", "NoiseState", "NoiseSummary"]
