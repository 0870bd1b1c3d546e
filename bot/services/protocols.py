"""ANS protocol numbers: opened as the first action of every journey."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.platform import clock
from storage.models import Protocol, ProtocolEvent, ProtocolSequence

JOURNEY_TITLES = {}  # filled by flows: journey code -> template-facing title key


def next_sequence(session: Session, ans_code: str, day: date) -> int:
    """Atomic per-day counter: one upsert statement, so concurrent workers never collide.

    On PostgreSQL the upsert commits on its own connection: inside the turn's transaction
    the day's counter row would stay locked until the turn commits (registry calls
    included), so every journey started anywhere would wait for the one before it. The
    price is a skipped number when a turn rolls back — protocols stay unique and
    increasing, not gapless. SQLite has a single writer anyway (and a second connection
    would wait on the turn's own write lock), so there it stays in the turn.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ProtocolSequence).values(ans_code=ans_code, day=day, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["ans_code", "day"],
        set_={"last_value": ProtocolSequence.last_value + 1},
    ).returning(ProtocolSequence.last_value)
    if dialect == "postgresql":
        with session.get_bind().engine.begin() as own:
            return own.execute(stmt).scalar_one()
    return session.execute(stmt).scalar_one()


def format_number(fmt: str, ans_code: str, day: date, seq: int) -> str:
    return fmt.format(ans=ans_code, date=day, seq=seq)


def open_protocol(session: Session, settings, journey: str, *, beneficiary_ref: str | None,
                  conversation_id: int | None, details: dict | None = None) -> Protocol:
    day = clock.today()
    seq = next_sequence(session, settings.operator_ans_code, day)
    protocol = Protocol(
        number=format_number(settings.protocol_format, settings.operator_ans_code, day, seq),
        journey=journey, beneficiary_ref=beneficiary_ref, conversation_id=conversation_id,
        status="aberto", details=details or {}, created_at=clock.now(), updated_at=clock.now(),
    )
    protocol.events.append(ProtocolEvent(status="aberto", created_at=clock.now()))
    session.add(protocol)
    session.flush()
    return protocol


# Every status a protocol can end in (grep set_status / close_protocol when adding one):
# a journey finished ("concluido"), an appointment booked ("agendado") or moved to a new
# time ("remarcado"), a debt agreement made ("acordo"), given up ("cancelado"), left idle
# ("expirado"). Open ones are "aberto" (also: kept open by an attendant) and "encaminhado"
# (with the team). A closed protocol is never re-routed: a new request gets a new number.
OPEN_STATUSES = frozenset({"aberto", "encaminhado"})
CLOSED_STATUSES = frozenset({"concluido", "cancelado", "expirado", "agendado", "remarcado",
                             "acordo"})


def is_closed(protocol: Protocol) -> bool:
    return protocol.status in CLOSED_STATUSES


def set_status(protocol: Protocol, status: str, note: str | None = None) -> None:
    protocol.status = status
    protocol.updated_at = clock.now()
    protocol.events.append(ProtocolEvent(status=status, note=note, created_at=clock.now()))


def recent_for(session: Session, beneficiary_ref: str, limit: int = 5) -> list[Protocol]:
    return list(session.scalars(
        select(Protocol).where(Protocol.beneficiary_ref == beneficiary_ref)
        .order_by(Protocol.created_at.desc(), Protocol.id.desc()).limit(limit)
    ))


def by_number(session: Session, number: str) -> Protocol | None:
    return session.scalars(select(Protocol).where(Protocol.number == number)).first()
