"""The ledger application's core: persistence, the acting stamp, idempotency and loading.

Use cases live in one mixin per aggregate beside this module; each is: check who may act,
load, call the aggregate, save once, return plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application, Recording
from eventsourcing.persistence import IntegrityError, JSONTranscoder, StoredEvent, Transcoding

from schemas.envelope import Presentation
from schemas.vocabulary import Role
from services.ledger.adapters.recorders import ProofSwitchedOff, require_chain
from services.ledger.application.group_commit import GroupCommitter
from services.ledger.application.register import ACTING_ORDER, StaffRegister
from services.ledger.domain import IdempotentRequest, StaffMember
from services.ledger.domain.base import LedgerAggregate, Stamp, stamp_cvar
from services.ledger.domain.errors import NotFound, NotPermitted, StateConflict, VersionConflict
from services.ledger.domain.permissions import COMMANDS
from services.ledger.envelopes import PUBLISHED_TOPICS, new_link_hash, raw_event

if TYPE_CHECKING:
    from eventsourcing.domain import BaseAggregate

    from services.platform.authority import Authority

A = TypeVar("A", bound=LedgerAggregate)
LONDON = ZoneInfo("Europe/London")


def london_today() -> date:
    """The department works on UK dates: 'due by day 14' means London's day 14."""
    return datetime.now(LONDON).date()


@dataclass(frozen=True)
class Actor:
    """Who is calling, from their verified token: staff handle, the roles the token claims, and the
    request's correlation. The claim only narrows: what they may do comes from the staff register."""

    id: str
    roles: frozenset[Role]
    correlation_id: str = ""
    causation_id: str | None = None


@dataclass(frozen=True)
class Decision:
    """What a use case decided: the aggregates to save and the answer to give."""

    aggregates: list[BaseAggregate[UUID]]
    body: dict[str, Any]
    status_code: int = 200


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    position: int | None
    replayed: bool = False


@dataclass(frozen=True)
class CommandContext:
    """The request-level parts of a command: retry key, body fingerprint, expected version."""

    idempotency_key: str | None = None
    fingerprint: str = ""
    expected_version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class LedgerCore(Application[UUID]):
    name = "ledger"

    def __init__(self, env: dict[str, str] | None = None, clock: Callable[[], date] = london_today) -> None:
        super().__init__(env=env)
        try:
            require_chain(self.recorder)  # no setting may write events without the hash chain
        except ProofSwitchedOff:
            self.close()
            raise
        self.presentation = Presentation()  # how envelopes name types, sources, schemas (wiring sets it)
        self.today = clock
        # Called after each commit: in-process followers wake instead of waiting for a poll.
        self.after_commit: list[Callable[[], None]] = []
        self.recorder.linker = self.chain_link  # type: ignore[attr-defined]
        self.committer = GroupCommitter(self.save)
        self.register = StaffRegister(self.repository, self.recorder)

    def chain_link(self, stored: StoredEvent, position: int, sequence: int, prevhash: str | None) -> str | None:
        """The hash-chain link of a stored event: over its published envelope and the previous link."""
        if stored.topic not in PUBLISHED_TOPICS:
            return None
        return new_link_hash(raw_event(self.mapper, stored), position, sequence, prevhash)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        super()._notify(recordings)
        for callback in self.after_commit:
            callback()

    # --- who may act -------------------------------------------------------------------------------

    def authority(self, actor: Actor) -> tuple[StaffMember | None, Authority]:
        """What the staff register allows the actor now: their record and the roles they may act in."""
        return self.register.authority(actor.id, actor.roles, self.today())

    def permit(self, actor: Actor, command: str) -> Role:
        """The register's role the actor acts in for this command, or NotPermitted."""
        allowed = COMMANDS[command]
        _, authority = self.authority(actor)
        for role in ACTING_ORDER:
            if role in allowed and role in authority.roles:
                return role
        wanted = ", ".join(sorted(r.value for r in allowed))
        why = f"; {authority.why_not}" if authority.why_not else ""
        raise NotPermitted(f"{command.replace('_', ' ')} needs one of the roles: {wanted}{why}")

    def holds(self, actor: Actor, *roles: Role) -> bool:
        """Whether the register allows the actor any of these roles now (for scope rules)."""
        return self.authority(actor)[1].holds(*roles)

    @contextmanager
    def stamped(self, actor: Actor, role: Role) -> Iterator[None]:
        token = stamp_cvar.set(Stamp(actor.id, role.value, actor.correlation_id, actor.causation_id))
        try:
            yield
        finally:
            stamp_cvar.reset(token)

    @staticmethod
    def acting_as(role: Role) -> None:
        """Inside a command, name the role that allowed this part of it, for the events still to come
        (someone who is both Team Manager and Service Manager logs a good audit's RCD as Team Manager)."""
        stamp_cvar.set(replace(stamp_cvar.get(), actor_role=role.value))

    # --- running a command -----------------------------------------------------------------------

    def execute(
        self,
        actor: Actor,
        command: str,
        ctx: CommandContext,
        decide: Callable[[Role], Decision],
    ) -> Outcome:
        """Run one command: permission, idempotent replay, decision, one atomic save."""
        role = self.permit(actor, command)
        guard_id = IdempotentRequest.id_for(actor.id, ctx.idempotency_key) if ctx.idempotency_key else None
        if guard_id and (previous := self._previous_answer(guard_id, ctx.fingerprint)):
            return previous
        with self.stamped(actor, role):
            decision = decide(role)
            pending = list(decision.aggregates)
            if guard_id and ctx.idempotency_key:
                pending.append(
                    IdempotentRequest(
                        requester=actor.id,
                        key=ctx.idempotency_key,
                        fingerprint=ctx.fingerprint,
                        status_code=decision.status_code,
                        body=decision.body,
                    )
                )
        try:
            recordings = self.committer.save(pending)
        except IntegrityError:
            if guard_id and (previous := self._previous_answer(guard_id, ctx.fingerprint)):
                return previous
            raise VersionConflict(
                "another change to the same record was saved first: reload it and try again"
            ) from None
        # Ledger-Position names a published position: the last this command's events got, or
        # the head when it published nothing (an idempotency record alone is not published).
        published = [r.notification.id for r in recordings if r.notification.topic in PUBLISHED_TOPICS]
        position = max(published, default=None) or self.recorder.max_published_position()  # type: ignore[attr-defined]
        return Outcome(decision.status_code, decision.body, position)

    def _previous_answer(self, guard_id: UUID, fingerprint: str) -> Outcome | None:
        try:
            guard: Any = self.repository.get(guard_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(guard, IdempotentRequest)
        if guard.fingerprint != fingerprint:
            raise StateConflict("this Idempotency-Key was already used for a different request")
        head = self.recorder.max_published_position()  # type: ignore[attr-defined]
        return Outcome(guard.status_code, guard.body, head, replayed=True)

    # --- loading ---------------------------------------------------------------------------------

    def load(self, cls: type[A], aggregate_id: UUID, what: str, ctx: CommandContext | None = None) -> A:
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"no {what} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"no {what} with id {aggregate_id}")
        if ctx is not None:
            self.check_version(aggregate, ctx, what)
        return aggregate

    @staticmethod
    def check_version(aggregate: LedgerAggregate, ctx: CommandContext, what: str) -> None:
        """Optimistic concurrency: If-Match must name the version the client last read."""
        if ctx.expected_version is not None and aggregate.version != ctx.expected_version:
            raise VersionConflict(
                f"If-Match: the {what} is at version {aggregate.version}, not {ctx.expected_version}; "
                "reload it and try again"
            )

    def staff(self, staff_id: str, what: str = "staff member") -> StaffMember:
        try:
            member: Any = self.repository.get(StaffMember.id_for(staff_id))
        except AggregateNotFoundError:
            raise NotFound(f"{what} '{staff_id}' is not registered") from None
        assert isinstance(member, StaffMember)
        return member

    def acting_staff(self, actor: Actor) -> StaffMember:
        """The actor's own staff record: scope rules need their team and service area."""
        member, authority = self.authority(actor)
        if member is None:
            raise NotPermitted(f"'{actor.id}' is not in the staff register, so has no team or service area")
        if not authority.roles:
            raise NotPermitted(f"{authority.why_not}: no role to act in")
        return member

    def exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True
