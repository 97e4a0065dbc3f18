"""HTTP: `GET /v1/notifications` and `GET /v1/notifier/status` (plain def routes: the store blocks)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from schemas.notification_rules import RENAMED_RULES
from schemas.vocabulary import Role
from services.notifier.adapters.store import Delivery
from services.notifier.application import Notifier
from services.notifier.domain import RULES
from services.platform.authority import Registration, authorise
from services.platform.http import PrincipalDep
from services.platform.problems import PermissionDenied

SEE_ALL = frozenset({Role.QA_MANAGER, Role.INSPECTOR, Role.SERVICE})


def notifier(request: Request) -> Notifier:
    return request.app.state.notifier  # type: ignore[no-any-return]


NotifierDep = Annotated[Notifier, Depends(notifier)]


def reader_roles(who: PrincipalDep, app: NotifierDep) -> frozenset[Role]:
    """The roles the staff register (the notifier's copy of it) allows the caller now: the same rule
    as the ledger's and the projections' (services/platform/authority.py)."""
    with app.store.transaction() as tx:
        member = tx.staff(who.subject)
    registration = Registration.of(member.roles, member.left_on) if member is not None else None
    authority = authorise(who.subject, who.roles, registration, app.today())
    if not authority.roles:
        raise PermissionDenied(f"{authority.why_not}: no role to read notifications in")
    return authority.roles


ReaderRolesDep = Annotated[frozenset[Role], Depends(reader_roles)]


class DeliveryPublic(BaseModel):
    message_id: UUID
    channel: str
    status: Literal["pending", "sent", "dead"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None
    receipt_recorded_at: datetime | None
    rule: str
    cause_event_id: UUID
    cause_event_type: str
    recipient_id: str
    subject_id: str
    subject_line: str
    body: str
    created_at: datetime

    @classmethod
    def of(cls, d: Delivery) -> DeliveryPublic:
        return cls(
            message_id=d.message_id,
            channel=d.channel,
            status=d.status,  # type: ignore[arg-type]
            attempts=d.attempts,
            next_attempt_at=when(d.next_attempt_at) if d.status == "pending" else None,
            last_error=d.last_error,
            delivered_at=when(d.delivered_at),
            receipt_recorded_at=when(d.receipt_recorded_at),
            rule=d.rule,
            cause_event_id=d.cause_event_id,
            cause_event_type=d.cause_event_type,
            recipient_id=d.recipient_id,
            subject_id=d.subject_id,
            subject_line=d.subject_line,
            body=d.body,
            created_at=datetime.fromisoformat(d.created_at),
        )


def when(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp) if stamp else None


class NotificationList(BaseModel):
    items: list[DeliveryPublic]


class OutboxCounts(BaseModel):
    pending: int
    sent: int
    dead: int
    receipts_pending: int


class ConsumerStall(BaseModel):
    """The notifier cannot apply the event at `position`: it stops there and retries (docs/operations.md)."""

    status: Literal["stalled"]
    consumer: str
    position: int
    event_type: str
    error: str
    error_kind: str
    since: datetime
    attempts: int


class NotifierStatus(BaseModel):
    consumer: str
    position: int
    head: int | None
    lag: int | None
    caught_up: bool
    last_applied_at: datetime | None
    last_error: str | None
    stalled: ConsumerStall | None
    channels: list[str]
    outbox: OutboxCounts
    dead_letters: list[DeliveryPublic]


router = APIRouter(tags=["notifier"])


@router.get("/notifications", summary="Recent deliveries, pending and dead-lettered notifications")
def list_notifications(
    who: PrincipalDep,
    roles: ReaderRolesDep,
    app: NotifierDep,
    recipient: Annotated[str | None, Query(description="staff handle of the recipient")] = None,
    rule: Annotated[
        str | None,
        Query(description=f"one of: {', '.join(RULES)} (or a renamed rule's old id: {', '.join(RENAMED_RULES)})"),
    ] = None,
    status: Annotated[Literal["pending", "sent", "dead"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> NotificationList:
    """QA Manager, inspectors and services see every notification; anyone else sees only their own."""
    if not roles & SEE_ALL:
        if recipient is not None and recipient != who.subject:
            raise PermissionDenied(
                f"recipient: you may only see notifications sent to you ({who.subject}); "
                "qa_manager and inspector see all"
            )
        recipient = who.subject
    with app.store.transaction() as tx:
        rows = tx.deliveries(recipient_id=recipient, rule=rule, status=status, limit=limit)
    return NotificationList(items=[DeliveryPublic.of(d) for d in rows])


@router.get("/notifier/status", summary="Position, lag, outbox counts and dead letters of the notifier")
def notifier_status(request: Request, roles: ReaderRolesDep, app: NotifierDep) -> NotifierStatus:
    if not roles & SEE_ALL:
        raise PermissionDenied("the notifier's status is for qa_manager, inspector and service roles")
    follower = getattr(request.app.state, "notifier_follower", None)
    with app.store.transaction() as tx:
        position, stored_head, updated_at = tx.status_row(app.name)
        counts = tx.delivery_counts()
        dead = tx.deliveries(status="dead", limit=50)
    head = follower.head if follower is not None and follower.head is not None else stored_head
    stall = getattr(follower, "stall", None)
    return NotifierStatus(
        consumer=app.name,
        position=position,
        head=head,
        lag=None if head is None else max(0, head - position),
        caught_up=app.caught_up(),
        last_applied_at=when(updated_at),
        last_error=getattr(follower, "last_error", None),
        stalled=ConsumerStall.model_validate(stall.as_dict()) if stall is not None else None,
        channels=sorted(app.channels),
        outbox=OutboxCounts(**counts),
        dead_letters=[DeliveryPublic.of(d) for d in dead],
    )
