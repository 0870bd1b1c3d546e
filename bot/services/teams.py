"""Internal teams (contas médicas, finance, registration): a case handed to a team leaves
as an e-mail to the team's configured address; the team's reply comes back to the case.

Sending is an outbox row on the team's own e-mail conversation (keyed by the team address),
written in the caller's transaction: never lost, never sent twice, in order. The Subject
carries `[Protocolo N]` and the row's Message-ID is recorded (bot.channels.email.threads),
so the team's reply finds its case by In-Reply-To/References — only when it comes from the
team's address — or, failing that, by the protocol number in its subject.

A reply is attached to the case (a protocol event with the team's text and the stored
attachments' ids) by the pipeline (bot/pipeline/team_replies.py), which then calls the
journey's `team_reply` hook (bot.engine.Flow) with a `TeamReply`: a journey that says so
moves the case on (closes it, tells the beneficiary …).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.language.templates import render
from bot.platform import clock
from bot.services import outbox
from bot.services.protocols import set_status
from storage.models import Conversation, OutboundMessage, Protocol

CONTAS_MEDICAS = "contas_medicas"
FINANCE = "finance"
REGISTRATION = "registration"
TEAMS = (CONTAS_MEDICAS, FINANCE, REGISTRATION)
EMBEDDED_DOMAIN = "planbot.localhost"
SUBJECT_MAX = 200  # outbound_messages.subject
_PROTOCOL_TAG = re.compile(r"\[\s*Protocolo\s+(\d{6,40})\s*\]", re.I)


class UnknownTeam(ValueError):
    """Not one of TEAMS, or its address is not configured (SMTP_HOST without it)."""


def address_of(settings, team: str) -> str:
    """The team's address: TEAM_EMAIL_<TEAM>; in the embedded mode (no SMTP_HOST) an
    unconfigured team gets equipe-<team>@planbot.localhost, written as .eml files."""
    if team not in TEAMS:
        raise UnknownTeam(f"unknown team {team!r} (one of {', '.join(TEAMS)})")
    configured = getattr(settings, f"team_email_{team}", "")
    if configured:
        return _addr_spec(configured)
    if settings.smtp_host:
        raise UnknownTeam(f"TEAM_EMAIL_{team.upper()} is not configured")
    return f"equipe-{team.replace('_', '-')}@{EMBEDDED_DOMAIN}"


def team_of(settings, address: str) -> str | None:
    """Which team an address is (a reply's sender, a conversation's address)."""
    address = (address or "").lower()
    for team in TEAMS:
        try:
            if address_of(settings, team) == address:
                return team
        except UnknownTeam:
            continue
    return None


def _addr_spec(value: str) -> str:
    from email.policy import default

    return default.header_factory("to", value).addresses[0].addr_spec.lower()


def case_subject(subject: str, protocol_number: str) -> str:
    """`subject [Protocolo N]`: the tag a reply keeps, for the threads' fallback."""
    subject = " ".join((subject or "").split())
    tag = f"[Protocolo {protocol_number}]"
    if tag in subject:
        return subject[:SUBJECT_MAX]
    return f"{subject[:SUBJECT_MAX - len(tag) - 1]} {tag}".strip()


def protocol_in_subject(subject: str | None) -> str | None:
    found = _PROTOCOL_TAG.search(subject or "")
    return found.group(1) if found else None


def team_conversation(session: Session, settings, team: str) -> Conversation:
    """The team's e-mail conversation (one per team address; never runs a journey)."""
    address = address_of(settings, team)
    conversation = session.scalars(select(Conversation).where(
        Conversation.channel == "email", Conversation.address == address)
        .with_for_update()).first()
    if conversation is None:
        conversation = Conversation(channel="email", address=address, data={"team": team},
                                    created_at=clock.now())
        try:
            with session.begin_nested():
                session.add(conversation)
        except IntegrityError:  # created meanwhile by another worker
            conversation = session.scalars(select(Conversation).where(
                Conversation.channel == "email", Conversation.address == address)).one()
    if (conversation.data or {}).get("team") != team:
        conversation.data = {**(conversation.data or {}), "team": team}
    return conversation


def send_case(session: Session, settings, team: str, protocol: Protocol, subject: str,
              body: str, attachments: list[dict] | tuple = ()) -> OutboundMessage:
    """Hand a case to a team by e-mail, in the caller's transaction.

    `body`: the case data as the team should read it (plain text; the journey's own
    template). `attachments`: outbox media items — `{"kind": "bill", "ref": …,
    "filename": …}` or a stored file `{"kind": "attachment", "id": <attachments.id>,
    "filename": …}`. The protocol moves to "encaminhado" with a note naming the team.
    Returns the outbox row; the caller's pipeline delivers it (`queueing.deliver_later`
    on `row.conversation_id`, e.g. through `turn.defer`), and the sweeper does if not.
    """
    conversation = team_conversation(session, settings, team)
    text = render("teams/case", team=render("teams/name", team=team), body=body,
                  protocol=protocol, journey=protocol.journey)
    (row,) = outbox.enqueue_text(session, conversation, text, media=list(attachments),
                                 subject=case_subject(subject, protocol.number),
                                 author="system")
    set_status(protocol, "encaminhado", render("teams/sent_note",
                                               team=render("teams/name", team=team)))
    return row


@dataclass
class TeamReply:
    """What a journey's `team_reply` hook receives (inside the reply's transaction)."""

    session: Session
    runtime: object
    team: str
    protocol: Protocol
    text: str  # the new part of the team's mail (quotes and signature stripped)
    subject: str
    sender: str
    attachment_ids: tuple[int, ...] = ()
    deliver_to: list[int] = field(default_factory=list)  # conversations to deliver after

    def tell_beneficiary(self, template: str, *, media: list | None = None, **context) -> bool:
        """A message to the case's beneficiary on the conversation the case came from
        (template under templates/messages/); False when the case has none."""
        conversation = (self.session.get(Conversation, self.protocol.conversation_id)
                        if self.protocol.conversation_id else None)
        if conversation is None:
            return False
        context.setdefault("channel", conversation.channel)
        outbox.enqueue_text(self.session, conversation, render(template, **context),
                            media=media, author="system")
        self.deliver_to.append(conversation.id)
        return True

    def set_status(self, status: str, note: str | None = None) -> None:
        set_status(self.protocol, status, note)


def record_reply(session: Session, team: str, protocol: Protocol, text: str,
                 attachment_ids: tuple[int, ...] = ()) -> None:
    """The team's answer in the case's history (the status stays as it is)."""
    note = render("teams/reply_note", team=render("teams/name", team=team), text=text.strip(),
                  files=len(attachment_ids))
    set_status(protocol, protocol.status, note[:4000])
    replies = list((protocol.details or {}).get("team_replies", []))
    replies.append({"team": team, "at": clock.now().isoformat(), "text": text.strip()[:4000],
                    "attachments": list(attachment_ids)})
    protocol.details = {**(protocol.details or {}), "team_replies": replies}
