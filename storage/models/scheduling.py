"""Appointments booked through the bot (the slot itself lives in the registry)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_reminder", "reminder_status", "reminder_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_number: Mapped[str] = mapped_column(String(40), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    patient_ref: Mapped[str] = mapped_column(String(64), index=True)
    patient_name: Mapped[str] = mapped_column(String(160))
    booked_by_ref: Mapped[str] = mapped_column(String(64), index=True)
    slot_ref: Mapped[str] = mapped_column(String(64))
    booking_key: Mapped[str] = mapped_column(String(120), unique=True)  # idempotency key
    specialty: Mapped[str] = mapped_column(String(40))
    provider: Mapped[dict] = mapped_column(default=dict)  # snapshot shown to the person
    starts_at: Mapped[datetime]  # operator local time
    # booked | cancelled | rescheduled (replaced by a newer appointment of the same protocol)
    status: Mapped[str] = mapped_column(String(20), default="booked")
    reminder_at: Mapped[datetime | None]  # UTC
    # pending | queued | skipped | cancelled | none
    reminder_status: Mapped[str] = mapped_column(String(20), default="pending")
    confirmed_at: Mapped[datetime | None]
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    # Its slot still has to be freed at the operator (a reschedule during an API outage);
    # the sweeper retries until the release goes through.
    release_pending: Mapped[bool] = mapped_column(default=False, server_default=false(),
                                                  index=True)
