"""The notifier's tables: read model (staff, cycles, audits, actions), deadlines, outbox, position.

`NotifierTransaction` is the read model as the rules see it (`Directory`, `DeadlineSource`) and
the outbox as the application writes it, all inside one database transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from schemas.notification_rules import canonical_rule, ids_of
from schemas.vocabulary import Role
from services.notifier.adapters.database import Database, Row, Session
from services.notifier.deadlines import Deadline
from services.notifier.domain import (
    ActionItem,
    AuditCase,
    Coverage,
    Cycle,
    Notification,
    StaffMember,
    message_id,
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS notifier_position (
        consumer TEXT PRIMARY KEY, position BIGINT NOT NULL, head BIGINT, updated_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS notifier_staff (
        staff_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, email TEXT NOT NULL, team TEXT NOT NULL,
        service_area TEXT NOT NULL, manager_id TEXT, left_on TEXT)""",
    """CREATE TABLE IF NOT EXISTS notifier_staff_roles (
        staff_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (staff_id, role))""",
    """CREATE TABLE IF NOT EXISTS notifier_cycles (
        cycle_id TEXT PRIMARY KEY, name TEXT NOT NULL, audits_due_on TEXT NOT NULL,
        moderation_week_starts TEXT NOT NULL, moderation_week_ends TEXT NOT NULL,
        floor_percent INTEGER NOT NULL, scheduled_event_id TEXT NOT NULL,
        closed INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS notifier_audits (
        audit_id TEXT PRIMARY KEY, cycle_id TEXT, auditor_id TEXT NOT NULL,
        auditor_service_area TEXT NOT NULL,
        child_ref TEXT NOT NULL, case_team TEXT NOT NULL, case_service_area TEXT NOT NULL, tool TEXT NOT NULL,
        due_on TEXT NOT NULL, allocated_event_id TEXT NOT NULL, submitted_on TEXT, submitted_event_id TEXT,
        grade TEXT, rcd_logged INTEGER NOT NULL DEFAULT 0, moderated INTEGER NOT NULL DEFAULT 0,
        withdrawn INTEGER NOT NULL DEFAULT 0, moderated_grade TEXT, specialist_audit_id TEXT, allocated_by TEXT,
        rcd_due_on TEXT)""",
    """CREATE TABLE IF NOT EXISTS notifier_specialist_audits (
        specialist_audit_id TEXT PRIMARY KEY, commissioned_by TEXT)""",
    """CREATE TABLE IF NOT EXISTS notifier_actions (
        action_id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, source_kind TEXT NOT NULL,
        agreed_on TEXT NOT NULL,
        child_ref TEXT, due_on TEXT NOT NULL, due_set_by_event_id TEXT NOT NULL,
        due_set_by_event_type TEXT NOT NULL, is_open INTEGER NOT NULL DEFAULT 1)""",
    """CREATE TABLE IF NOT EXISTS notifier_deadlines (
        subject_id TEXT NOT NULL, rule TEXT NOT NULL, cause_event_id TEXT NOT NULL,
        evaluated_on TEXT NOT NULL,
        notified INTEGER NOT NULL, PRIMARY KEY (subject_id, rule, cause_event_id))""",
    """CREATE TABLE IF NOT EXISTS notifier_messages (
        message_id TEXT PRIMARY KEY, cause_event_id TEXT NOT NULL, cause_event_type TEXT NOT NULL,
        rule TEXT NOT NULL, recipient_id TEXT NOT NULL, recipient_email TEXT NOT NULL,
        recipient_name TEXT NOT NULL, subject_line TEXT NOT NULL, body TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        created_at TEXT NOT NULL, UNIQUE (cause_event_id, rule, recipient_id))""",
    """CREATE TABLE IF NOT EXISTS notifier_deliveries (
        message_id TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
        next_attempt_at TEXT NOT NULL, last_error TEXT, delivered_at TEXT, receipt_recorded_at TEXT,
        PRIMARY KEY (message_id, channel))""",
    # Receipts read back from the ledger's feed: what was delivered, even by a store since lost.
    """CREATE TABLE IF NOT EXISTS notifier_known_receipts (
        message_id TEXT NOT NULL, channel TEXT NOT NULL, delivered_at TEXT NOT NULL,
        PRIMARY KEY (message_id, channel))""",
    "CREATE INDEX IF NOT EXISTS notifier_deliveries_due ON notifier_deliveries (status, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS notifier_messages_recipient ON notifier_messages (recipient_id, created_at)",
    "CREATE INDEX IF NOT EXISTS notifier_messages_subject ON notifier_messages (subject_id, rule, recipient_id)",
)
# Columns added since a table was first created: a store made by an earlier version gains them on start.
ADDED_COLUMNS: dict[str, dict[str, str]] = {
    "notifier_audits": {
        "moderated_grade": "TEXT",
        "specialist_audit_id": "TEXT",
        "allocated_by": "TEXT",
        "rcd_due_on": "TEXT",
    },
}

PENDING, SENT, DEAD = "pending", "sent", "dead"
DELIVERY_STATUSES = (PENDING, SENT, DEAD)


def stamp(moment: datetime) -> str:
    """UTC, fixed width, so timestamps compare correctly as text on both stores."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Delivery:
    """One message on one channel, as the dispatcher and the API see it."""

    message_id: UUID
    channel: str
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    delivered_at: str | None
    receipt_recorded_at: str | None
    cause_event_id: UUID
    cause_event_type: str
    rule: str
    recipient_id: str
    recipient_email: str
    recipient_name: str
    subject_line: str
    body: str
    subject_id: str
    created_at: str


DELIVERY_COLUMNS = (
    "d.message_id, d.channel, d.status, d.attempts, d.next_attempt_at, d.last_error, d.delivered_at, "
    "d.receipt_recorded_at, m.cause_event_id, m.cause_event_type, m.rule, m.recipient_id, m.recipient_email, "
    "m.recipient_name, m.subject_line, m.body, m.subject_id, m.created_at"
)
DELIVERY_FROM = " FROM notifier_deliveries d JOIN notifier_messages m ON m.message_id = d.message_id"


def _delivery(row: Row) -> Delivery:
    values = list(row)
    values[0] = UUID(values[0])
    values[8] = UUID(values[8])
    return Delivery(*values)


STAFF_COLUMNS = "s.staff_id, s.display_name, s.email, s.team, s.service_area, s.manager_id, s.left_on"
AUDIT_COLUMNS = (
    "audit_id, cycle_id, auditor_id, auditor_service_area, child_ref, case_team, case_service_area, "
    "tool, due_on, "
    "allocated_event_id, submitted_on, submitted_event_id, grade, rcd_logged, moderated, withdrawn, moderated_grade, "
    "specialist_audit_id, allocated_by, rcd_due_on"
)
ACTION_COLUMNS = (
    "action_id, owner_id, source_kind, agreed_on, child_ref, due_on, due_set_by_event_id, "
    "due_set_by_event_type, "
    "is_open"
)
CYCLE_COLUMNS = (
    "cycle_id, name, audits_due_on, moderation_week_starts, moderation_week_ends, floor_percent, scheduled_event_id"
)


class NotifierTransaction:
    """The read model and outbox inside one transaction."""

    def __init__(self, session: Session) -> None:
        self.db = session

    # --- position --------------------------------------------------------------------------------

    def position(self, consumer: str, *, lock: bool = False) -> int:
        row = self.db.one(
            "SELECT position FROM notifier_position WHERE consumer = ?" + (self.db.for_update if lock else ""),
            (consumer,),
        )
        return int(row[0]) if row else 0

    def set_position(self, consumer: str, position: int, head: int | None, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO notifier_position (consumer, position, head, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, "
            "head = COALESCE(excluded.head, notifier_position.head), updated_at = excluded.updated_at",
            (consumer, position, head, stamp(now)),
        )

    def status_row(self, consumer: str) -> tuple[int, int | None, str | None]:
        row = self.db.one("SELECT position, head, updated_at FROM notifier_position WHERE consumer = ?", (consumer,))
        return (int(row[0]), row[1], row[2]) if row else (0, None, None)

    # --- read model: writes ------------------------------------------------------------------------

    def put_staff(self, member: StaffMember) -> None:
        self.db.execute(
            "INSERT INTO notifier_staff "
            "(staff_id, display_name, email, team, service_area, manager_id, left_on) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (staff_id) "
            "DO UPDATE SET display_name = excluded.display_name, "
            "email = excluded.email, team = excluded.team, service_area = excluded.service_area, "
            "manager_id = excluded.manager_id, left_on = excluded.left_on",
            (
                member.staff_id,
                member.display_name,
                member.email,
                member.team,
                member.service_area,
                member.manager_id,
                member.left_on.isoformat() if member.left_on else None,
            ),
        )
        self.db.execute("DELETE FROM notifier_staff_roles WHERE staff_id = ?", (member.staff_id,))
        for role in sorted(member.roles):
            self.db.execute("INSERT INTO notifier_staff_roles (staff_id, role) VALUES (?, ?)", (member.staff_id, role))

    def put_cycle(self, cycle: Cycle) -> None:
        self.db.execute(
            f"INSERT INTO notifier_cycles ({CYCLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (cycle_id) "
            "DO UPDATE SET name = excluded.name, audits_due_on = excluded.audits_due_on, "
            "moderation_week_starts = excluded.moderation_week_starts, "
            "moderation_week_ends = excluded.moderation_week_ends, floor_percent = excluded.floor_percent, "
            "scheduled_event_id = excluded.scheduled_event_id",
            (
                str(cycle.cycle_id),
                cycle.name,
                cycle.audits_due_on.isoformat(),
                cycle.moderation_week_starts.isoformat(),
                cycle.moderation_week_ends.isoformat(),
                cycle.floor_percent,
                str(cycle.scheduled_event_id),
            ),
        )

    def close_cycle(self, cycle_id: UUID) -> None:
        self.db.execute("UPDATE notifier_cycles SET closed = 1 WHERE cycle_id = ?", (str(cycle_id),))

    def put_audit(self, audit: AuditCase) -> None:
        values = (
            str(audit.audit_id),
            str(audit.cycle_id) if audit.cycle_id else None,
            audit.auditor_id,
            audit.auditor_service_area,
            audit.child_ref,
            audit.case_team,
            audit.case_service_area,
            audit.tool,
            audit.due_on.isoformat(),
            str(audit.allocated_event_id),
            audit.submitted_on.isoformat() if audit.submitted_on else None,
            str(audit.submitted_event_id) if audit.submitted_event_id else None,
            audit.grade,
            int(audit.rcd_logged),
            int(audit.moderated),
            int(audit.withdrawn),
            audit.moderated_grade,
            str(audit.specialist_audit_id) if audit.specialist_audit_id else None,
            audit.allocated_by,
            audit.rcd_due_on.isoformat() if audit.rcd_due_on else None,
        )
        columns = AUDIT_COLUMNS.split(", ")
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        self.db.execute(
            f"INSERT INTO notifier_audits ({AUDIT_COLUMNS}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT (audit_id) DO UPDATE SET {updates}",
            values,
        )

    def update_audit(self, audit_id: UUID, **fields: Any) -> None:
        """Set a few columns of an audit already in the read model (dates and ids as text)."""
        assignments = ", ".join(f"{name} = ?" for name in fields)
        values = [
            v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, UUID) else v for v in fields.values()
        ]
        self.db.execute(f"UPDATE notifier_audits SET {assignments} WHERE audit_id = ?", (*values, str(audit_id)))

    def put_action(self, action: ActionItem) -> None:
        values = (
            str(action.action_id),
            action.owner_id,
            action.source_kind,
            action.agreed_on.isoformat(),
            action.child_ref,
            action.due_on.isoformat(),
            str(action.due_set_by_event_id),
            action.due_set_by_event_type,
            int(action.open),
        )
        columns = ACTION_COLUMNS.split(", ")
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        self.db.execute(
            f"INSERT INTO notifier_actions ({ACTION_COLUMNS}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT (action_id) DO UPDATE SET {updates}",
            values,
        )

    def update_action(self, action_id: UUID, **fields: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in fields)
        values = [
            v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, UUID) else v for v in fields.values()
        ]
        self.db.execute(f"UPDATE notifier_actions SET {assignments} WHERE action_id = ?", (*values, str(action_id)))

    # --- read model: Directory -------------------------------------------------------------------

    def _staff(self, rows: list[Row]) -> list[StaffMember]:
        people = []
        for staff_id, name, email, team, area, manager, left_on in rows:
            roles = frozenset(
                r for (r,) in self.db.all("SELECT role FROM notifier_staff_roles WHERE staff_id = ?", (staff_id,))
            )
            people.append(StaffMember(staff_id, name, email, roles, team, area, manager, _day(left_on)))
        return people

    def staff(self, staff_id: str) -> StaffMember | None:
        found = self._staff(
            self.db.all(f"SELECT {STAFF_COLUMNS} FROM notifier_staff s WHERE s.staff_id = ?", (staff_id,))
        )
        return found[0] if found else None

    def holders(self, role: Role, *, service_area: str | None = None, team: str | None = None) -> list[StaffMember]:
        sql = (
            f"SELECT {STAFF_COLUMNS} FROM notifier_staff s "
            "JOIN notifier_staff_roles r ON r.staff_id = s.staff_id "
            "WHERE r.role = ? AND s.left_on IS NULL"
        )
        params: list[Any] = [role.value]
        if service_area is not None:
            sql += " AND s.service_area = ?"
            params.append(service_area)
        if team is not None:
            sql += " AND s.team = ?"
            params.append(team)
        return self._staff(self.db.all(sql + " ORDER BY s.staff_id", params))

    def audit(self, audit_id: UUID) -> AuditCase | None:
        row = self.db.one(f"SELECT {AUDIT_COLUMNS} FROM notifier_audits WHERE audit_id = ?", (str(audit_id),))
        return _audit(row) if row else None

    def cycle(self, cycle_id: UUID) -> Cycle | None:
        row = self.db.one(f"SELECT {CYCLE_COLUMNS} FROM notifier_cycles WHERE cycle_id = ?", (str(cycle_id),))
        return _cycle(row) if row else None

    def put_specialist_audit(self, specialist_audit_id: UUID, commissioned_by: str | None) -> None:
        self.db.execute(
            "INSERT INTO notifier_specialist_audits (specialist_audit_id, commissioned_by) VALUES (?, ?) "
            "ON CONFLICT (specialist_audit_id) DO NOTHING",
            (str(specialist_audit_id), commissioned_by),
        )

    def commissioner(self, specialist_audit_id: UUID) -> str | None:
        row = self.db.one(
            "SELECT commissioned_by FROM notifier_specialist_audits WHERE specialist_audit_id = ?",
            (str(specialist_audit_id),),
        )
        return row[0] if row else None

    def told(self, subject_id: str, rule: str, recipient_id: str) -> bool:
        ids = ids_of(rule)
        row = self.db.one(
            "SELECT 1 FROM notifier_messages WHERE subject_id = ? AND recipient_id = ? "
            f"AND rule IN ({', '.join('?' * len(ids))}) LIMIT 1",
            (subject_id, recipient_id, *ids),
        )
        return row is not None

    def action(self, action_id: UUID) -> ActionItem | None:
        row = self.db.one(f"SELECT {ACTION_COLUMNS} FROM notifier_actions WHERE action_id = ?", (str(action_id),))
        return _action(row) if row else None

    # --- read model: DeadlineSource --------------------------------------------------------------

    def audits_unsubmitted_after_due(self, today: date) -> list[AuditCase]:
        rows = self.db.all(
            f"SELECT {AUDIT_COLUMNS} FROM notifier_audits WHERE submitted_on IS NULL AND withdrawn = 0 "
            "AND due_on < ? ORDER BY due_on, audit_id",
            (today.isoformat(),),
        )
        return [_audit(r) for r in rows]

    def audits_without_rcd_submitted_by(self, day: date) -> list[AuditCase]:
        rows = self.db.all(
            # The reflective case discussion is part of completing a cycle audit (guidance section 4);
            # specialist audits by external auditors are not followed by one.
            f"SELECT {AUDIT_COLUMNS} FROM notifier_audits WHERE submitted_on IS NOT NULL AND rcd_logged = 0 "
            "AND withdrawn = 0 AND cycle_id IS NOT NULL AND submitted_on <= ? ORDER BY submitted_on, audit_id",
            (day.isoformat(),),
        )
        return [_audit(r) for r in rows]

    def audits_without_rcd_due_before(self, today: date) -> list[AuditCase]:
        rows = self.db.all(
            f"SELECT {AUDIT_COLUMNS} FROM notifier_audits WHERE submitted_on IS NOT NULL AND rcd_logged = 0 "
            "AND withdrawn = 0 AND cycle_id IS NOT NULL AND rcd_due_on < ? ORDER BY rcd_due_on, audit_id",
            (today.isoformat(),),
        )
        return [_audit(r) for r in rows]

    def open_actions_due_by(self, day: date) -> list[ActionItem]:
        rows = self.db.all(
            f"SELECT {ACTION_COLUMNS} FROM notifier_actions WHERE is_open = 1 AND due_on <= ? "
            "ORDER BY due_on, action_id",
            (day.isoformat(),),
        )
        return [_action(r) for r in rows]

    def cycles_in_moderation_week(self, today: date) -> list[Cycle]:
        rows = self.db.all(
            f"SELECT {CYCLE_COLUMNS} FROM notifier_cycles WHERE closed = 0 AND moderation_week_starts <= ? "
            "AND moderation_week_ends >= ? ORDER BY moderation_week_starts",
            (today.isoformat(), today.isoformat()),
        )
        return [_cycle(r) for r in rows]

    def coverage(self, cycle_id: UUID) -> Coverage:
        row = self.db.one(
            "SELECT COUNT(*), COALESCE(SUM(moderated), 0) FROM notifier_audits "
            "WHERE cycle_id = ? AND submitted_on IS NOT NULL AND withdrawn = 0",
            (str(cycle_id),),
        )
        assert row is not None
        return Coverage(submitted=int(row[0]), moderated=int(row[1]))

    # --- deadlines -------------------------------------------------------------------------------

    def claim_deadline(self, deadline: Deadline, today: date) -> bool:
        """Record that a deadline is being evaluated; False if it already was (once per subject)."""
        return (
            self.db.execute(
                "INSERT INTO notifier_deadlines (subject_id, rule, cause_event_id, evaluated_on, notified) "
                "VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING",
                (deadline.subject_id, deadline.rule, str(deadline.cause_event_id), today.isoformat()),
            )
            == 1
        )

    def mark_deadline_notified(self, deadline: Deadline, count: int) -> None:
        self.db.execute(
            "UPDATE notifier_deadlines SET notified = ? WHERE subject_id = ? AND rule = ? AND cause_event_id = ?",
            (count, deadline.subject_id, deadline.rule, str(deadline.cause_event_id)),
        )

    # --- outbox ----------------------------------------------------------------------------------

    def enqueue(self, notification: Notification, channels: Sequence[str], now: datetime) -> bool:
        """Add a message and one pending delivery per channel; False if (cause, rule, recipient) exists."""
        person = notification.recipient
        mid = message_id(notification.cause_event_id, notification.rule, person.staff_id)
        added = self.db.execute(
            "INSERT INTO notifier_messages "
            "(message_id, cause_event_id, cause_event_type, rule, recipient_id, "
            "recipient_email, recipient_name, subject_line, body, subject_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                str(mid),
                str(notification.cause_event_id),
                notification.cause_event_type,
                notification.rule,
                person.staff_id,
                person.email,
                person.display_name,
                notification.subject_line,
                notification.body,
                notification.subject_id,
                stamp(now),
            ),
        )
        if added != 1:
            return False
        for channel in channels:
            self.db.execute(
                "INSERT INTO notifier_deliveries (message_id, channel, status, attempts, next_attempt_at) "
                "VALUES (?, ?, ?, 0, ?)",
                (str(mid), channel, PENDING, stamp(now)),
            )
            known = self.db.one(
                "SELECT delivered_at FROM notifier_known_receipts WHERE message_id = ? AND channel = ?",
                (str(mid), channel),
            )
            if known is not None:
                self._settle(mid, channel, str(known[0]))
        return True

    def note_receipt(self, mid: UUID, channel: str, delivered_at: datetime) -> None:
        """The ledger says this was delivered: never send it (again), whoever sent it."""
        self.db.execute(
            "INSERT INTO notifier_known_receipts (message_id, channel, delivered_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (str(mid), channel, stamp(delivered_at)),
        )
        self._settle(mid, channel, stamp(delivered_at))

    def _settle(self, mid: UUID, channel: str, delivered_at: str) -> None:
        self.db.execute(
            "UPDATE notifier_deliveries SET status = ?, delivered_at = COALESCE(delivered_at, ?), "
            "receipt_recorded_at = COALESCE(receipt_recorded_at, ?) WHERE message_id = ? AND channel = ?",
            (SENT, delivered_at, delivered_at, str(mid), channel),
        )

    def deliveries_due(self, now: datetime, limit: int) -> list[Delivery]:
        rows = self.db.all(
            f"SELECT {DELIVERY_COLUMNS}{DELIVERY_FROM} WHERE d.status = ? AND d.next_attempt_at <= ? "
            "ORDER BY d.next_attempt_at, m.created_at LIMIT ?",
            (PENDING, stamp(now), limit),
        )
        return [_delivery(r) for r in rows]

    def receipts_due(self, limit: int) -> list[Delivery]:
        rows = self.db.all(
            f"SELECT {DELIVERY_COLUMNS}{DELIVERY_FROM} WHERE d.status = ? AND d.receipt_recorded_at IS NULL "
            "ORDER BY d.delivered_at LIMIT ?",
            (SENT, limit),
        )
        return [_delivery(r) for r in rows]

    def mark_sent(self, mid: UUID, channel: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE notifier_deliveries "
            "SET status = ?, attempts = attempts + 1, delivered_at = ?, last_error = NULL "
            "WHERE message_id = ? AND channel = ?",
            (SENT, stamp(now), str(mid), channel),
        )

    def mark_failed(self, mid: UUID, channel: str, error: str, next_attempt_at: datetime | None) -> None:
        """Count a failed attempt: retry at `next_attempt_at`, or dead-letter it when that is None."""
        status = PENDING if next_attempt_at is not None else DEAD
        self.db.execute(
            "UPDATE notifier_deliveries SET status = ?, attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = COALESCE(?, next_attempt_at) WHERE message_id = ? AND channel = ?",
            (status, error[:1000], stamp(next_attempt_at) if next_attempt_at else None, str(mid), channel),
        )

    def mark_receipt_recorded(self, mid: UUID, channel: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE notifier_deliveries SET receipt_recorded_at = ? WHERE message_id = ? AND channel = ?",
            (stamp(now), str(mid), channel),
        )

    def requeue(self, mid: UUID, channel: str, now: datetime) -> bool:
        return (
            self.db.execute(
                "UPDATE notifier_deliveries SET status = ?, attempts = 0, next_attempt_at = ? "
                "WHERE message_id = ? AND channel = ? AND status = ?",
                (PENDING, stamp(now), str(mid), channel, DEAD),
            )
            == 1
        )

    def attempts(self, mid: UUID, channel: str) -> int:
        row = self.db.one(
            "SELECT attempts FROM notifier_deliveries WHERE message_id = ? AND channel = ?",
            (str(mid), channel),
        )
        return int(row[0]) if row else 0

    # --- queries for the API ---------------------------------------------------------------------

    def deliveries(
        self,
        *,
        recipient_id: str | None = None,
        rule: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        sql = f"SELECT {DELIVERY_COLUMNS}{DELIVERY_FROM} WHERE 1 = 1"
        params: list[Any] = []
        for column, value in (("m.recipient_id", recipient_id), ("d.status", status)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if rule is not None:  # a rule's old id finds what it sent under either id
            ids = ids_of(canonical_rule(rule))
            sql += f" AND m.rule IN ({', '.join('?' * len(ids))})"
            params.extend(ids)
        sql += " ORDER BY m.created_at DESC, m.message_id, d.channel LIMIT ?"
        return [_delivery(r) for r in self.db.all(sql, [*params, limit])]

    def delivery_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(DELIVERY_STATUSES, 0)
        for status, count in self.db.all("SELECT status, COUNT(*) FROM notifier_deliveries GROUP BY status"):
            counts[status] = int(count)
        row = self.db.one(
            "SELECT COUNT(*) FROM notifier_deliveries WHERE status = ? AND receipt_recorded_at IS NULL",
            (SENT,),
        )
        counts["receipts_pending"] = int(row[0]) if row else 0
        return counts


def _audit(row: Row) -> AuditCase:
    (
        audit_id,
        cycle_id,
        auditor_id,
        auditor_area,
        child_ref,
        case_team,
        case_area,
        tool,
        due_on,
        allocated,
        submitted_on,
        submitted_event,
        grade,
        rcd,
        moderated,
        withdrawn,
        moderated_grade,
        specialist_audit_id,
        allocated_by,
        rcd_due_on,
    ) = row
    return AuditCase(
        UUID(audit_id),
        UUID(cycle_id) if cycle_id else None,
        auditor_id,
        auditor_area,
        child_ref,
        case_team,
        case_area,
        tool,
        date.fromisoformat(due_on),
        UUID(allocated),
        _day(submitted_on),
        UUID(submitted_event) if submitted_event else None,
        grade,
        bool(rcd),
        bool(moderated),
        bool(withdrawn),
        moderated_grade,
        UUID(specialist_audit_id) if specialist_audit_id else None,
        allocated_by,
        _day(rcd_due_on),
    )


def _action(row: Row) -> ActionItem:
    action_id, owner, source_kind, agreed_on, child_ref, due_on, due_event, due_event_type, is_open = row
    return ActionItem(
        UUID(action_id),
        owner,
        source_kind,
        date.fromisoformat(agreed_on),
        child_ref,
        date.fromisoformat(due_on),
        UUID(due_event),
        due_event_type,
        bool(is_open),
    )


def _cycle(row: Row) -> Cycle:
    cycle_id, name, due_on, mod_starts, mod_ends, floor, scheduled = row
    return Cycle(
        UUID(cycle_id),
        name,
        date.fromisoformat(due_on),
        date.fromisoformat(mod_starts),
        date.fromisoformat(mod_ends),
        int(floor),
        UUID(scheduled),
    )


class NotifierStore:
    def __init__(self, database: Database, consumer: str = "notifier") -> None:
        self.database = database
        with self.database.transaction() as session:
            for statement in SCHEMA:
                session.execute(statement)
            for table, added in ADDED_COLUMNS.items():
                present = session.columns(table)
                for column, kind in added.items():
                    if column not in present:
                        session.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            # The position row exists from the start, so `apply` can always lock it (FOR UPDATE).
            session.execute(
                "INSERT INTO notifier_position (consumer, position) VALUES (?, 0) ON CONFLICT DO NOTHING",
                (consumer,),
            )

    @contextmanager
    def transaction(self) -> Iterator[NotifierTransaction]:
        with self.database.transaction() as session:
            yield NotifierTransaction(session)

    def close(self) -> None:
        self.database.close()
