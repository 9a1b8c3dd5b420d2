"""Acknowledged incidents: "someone is on it", with a note, kept in every report until the incident resolves.

An ack names an incident by its id (the root cause's fingerprint) or by any of its problems' fingerprints, or
the first 6+ characters of one. It is checked against the problems dozor's recent diagnoses remembered
(``<state_dir>/memory/``, the cron state): an id no diagnosis saw is refused, so a typo never acks nothing.

In a report, an incident is acknowledged when its id or one of its problems is one the ack holds; the ack
learns the incident's problems the first time it applies. Problems that join later are its NEW symptoms:
they are named in the report and notify as any new problem does. A full diagnosis (every service of the
ack's hosts, all of which answered) in which none of the ack's problems is left drops the ack: the incident
resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field

from dozor.errors import NoiseRefused

MAX_NOTE = 500


class Ack(BaseModel):
    """One acknowledged incident."""

    incident: str = Field(description="The incident id (root cause fingerprint) as acknowledged.")
    note: str
    by: str
    since: datetime
    hosts: list[str] = Field(default_factory=list)
    title: str = ""
    fingerprints: list[str] = Field(default_factory=list, description="Its problems when the ack first applied.")

    def holds(self, fingerprints: Iterable[str]) -> bool:
        """True when any of ``fingerprints`` is this incident's (by id or by a known problem)."""
        mine = {self.incident, *self.fingerprints}
        return any(fp in mine for fp in fingerprints)


class Known(BaseModel):
    """A problem a recent diagnosis remembered (what an ack id is resolved against)."""

    fingerprint: str
    host: str
    title: str


def resolve_id(given: str, known: Iterable[Known]) -> Known:
    """The one remembered problem ``given`` names (whole or a 6+ character prefix); ``NoiseRefused`` otherwise."""
    text = (given or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{6,64}", text):
        raise NoiseRefused(f"incident id {given!r}: give the incident id shown by diagnose (hex, at least 6 "
                           "characters)")
    found = [k for k in known if k.fingerprint.startswith(text)]
    if not found:
        raise NoiseRefused(f"no incident or problem {given!r} in dozor's recent diagnoses; run dozor diagnose and "
                           "copy the id it shows")
    if len(found) > 1:
        raise NoiseRefused(f"{given!r} is the start of {len(found)} problems' ids; give more characters")
    return found[0]


def clean_note(note: str) -> str:
    """The note on one line; an empty one is refused."""
    text = " ".join((note or "").split())
    if not text:
        raise NoiseRefused("an ack needs a note (--note): who is on it, or what is being done")
    return text[:MAX_NOTE]


__all__ = ["Ack", "Known", "clean_note", "resolve_id"]
