"""Who the reflective case discussion needs, and what its record says about each (SPEC 7, guidance
section 4).

- The auditor holds it: they must have taken part.
- The allocated practitioner and their manager take part, or a reason is recorded (they have left
  the service, are on long-term absence, or another reason with a note): a leaver never blocks it.
- Everyone else whose practice was audited (`practitioners_audited`) is invited; the record shows
  whether each attended (someone not listed as taking part did not).
- On an inadequate effective grade the Service Manager is invited and logs it; the record says
  whether they attended, and their absence never blocks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import AbsenceReason, ParticipantCapacity
from services.ledger.domain.errors import InvalidCommand

if TYPE_CHECKING:
    from collections.abc import Sequence

C = ParticipantCapacity
TAKE_PART_OR_GIVE_A_REASON = (C.ALLOCATED_PRACTITIONER, C.PRACTITIONER_MANAGER)
REASONS = ", ".join(r.value for r in AbsenceReason)


def words(capacity: ParticipantCapacity) -> str:
    return capacity.value.replace("_", " ")


@dataclass(frozen=True)
class Attendance:
    participant_id: str
    capacity: ParticipantCapacity
    attended: bool
    absence_reason: AbsenceReason | None = None
    absence_note: str | None = None

    def as_event_field(self) -> dict[str, Any]:
        return {
            "participant_id": self.participant_id,
            "capacity": self.capacity.value,
            "attended": self.attended,
            "absence_reason": self.absence_reason.value if self.absence_reason else None,
            "absence_note": self.absence_note,
        }


def discussion_attendance(
    *,
    auditor_id: str,
    practitioners_audited: Sequence[str],
    took_part: Sequence[Attendance],
    absent: Sequence[Attendance],
    service_manager_invited: bool,
    logged_by: str,
) -> list[Attendance]:
    """Everyone the discussion needed or invited, checked against the rules above, in one list."""
    listed = [*took_part, *absent]
    ids = [a.participant_id for a in listed]
    if repeated := sorted({i for i in ids if ids.count(i) > 1}):
        raise InvalidCommand("participants", f"{repeated[0]!r} is listed more than once")
    check_held_by_the_auditor(auditor_id, took_part, absent)
    present = {a.capacity for a in took_part}
    for needed in TAKE_PART_OR_GIVE_A_REASON:
        if needed in present:
            continue
        away = [a for a in absent if a.capacity == needed]
        if not away:
            raise InvalidCommand(
                "participants",
                f"the {words(needed)} takes part, or `absences` names them with a reason ({REASONS})",
            )
        if any(a.absence_reason is None for a in away):
            raise InvalidCommand("absences", f"the {words(needed)} did not take part: give a reason ({REASONS})")
    if any(a.absence_reason == AbsenceReason.OTHER and not a.absence_note for a in absent):
        raise InvalidCommand("absences", "a reason of 'other' needs a note saying what it is")
    record = list(listed)
    # Invited because their practice was audited; not listed as taking part, so they did not.
    record += [Attendance(p, C.OTHER_PRACTITIONER, attended=False) for p in practitioners_audited if p not in ids]
    if service_manager_invited and not any(a.capacity == C.SERVICE_MANAGER for a in listed):
        # The Service Manager logging it was the one invited; not listed as taking part.
        record.append(Attendance(logged_by, C.SERVICE_MANAGER, attended=False))
    return record


def check_held_by_the_auditor(auditor_id: str, took_part: Sequence[Attendance], absent: Sequence[Attendance]) -> None:
    auditors = [a for a in took_part if a.capacity == C.AUDITOR]
    if any(a.participant_id != auditor_id for a in auditors):
        raise InvalidCommand("participants", f"the audit's auditor is {auditor_id}: only they take part as auditor")
    if not auditors or any(a.capacity == C.AUDITOR for a in absent):
        raise InvalidCommand(
            "participants", f"the auditor ({auditor_id}) holds the reflective discussion and must take part"
        )
