"""`flask --app wsgi chat`'s screen: the person's WhatsApp as a terminal, printing what
the bot delivers as it is delivered (a background thread), and the e-mails it caused."""
from __future__ import annotations

import logging
import threading
import time

import click
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import func, select

from bot.pipeline.worker import InProcessWorker
from storage.db import transaction
from storage.models import Conversation, EmailSent, InboundMessage, OutboundMessage

log = logging.getLogger(__name__)

PROMPT = "você> "


class ThreadWorker(InProcessWorker):
    """The chat's jobs, run by the screen's thread: no signal handlers (only the main
    thread may set them) and job timeouts by a timer instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


class ChatScreen:
    """The person's WhatsApp screen: a background thread prints the bot's messages as they
    are delivered — an attendant's reply or a release shows at once, not after the person's
    next message. With no worker running (`--inline`) the same thread runs the queue."""

    POLL_SECONDS = 0.2
    SETTLE_SECONDS = 15  # how long the prompt waits for the answer to what was just sent

    def __init__(self, rt, phone: str, inline: bool, last_seen: int):
        self.rt, self.phone, self.inline, self.last_seen = rt, phone, inline, last_seen
        with transaction(rt.sessions) as s:  # e-mails caused from now on are shown
            self.last_mail = s.scalar(select(func.max(OutboundMessage.id))
                                      .where(OutboundMessage.channel == "email")) or 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._prompting = threading.Event()  # the prompt is on screen: reprint it after
        self._thread = threading.Thread(target=self._run, name="chat-screen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Let a job the thread is running finish (it is one transaction), then stop it:
        nothing may use the runtime's connections once the command closes them."""
        self._stopping.set()
        self._thread.join(timeout=30)

    def settle(self) -> None:
        """Wait (a while) until every message sent so far is answered and shown."""
        deadline = time.monotonic() + self.SETTLE_SECONDS
        while time.monotonic() < deadline and self._busy():
            time.sleep(self.POLL_SECONDS)
        self.poll(prompt_after=False)
        self._prompting.set()

    def _run(self) -> None:
        while not self._stopping.wait(self.POLL_SECONDS):
            try:
                self.poll(prompt_after=self._prompting.is_set())
            except Exception:  # a database hiccup: the next poll tries again
                log.warning("chat screen: reading messages failed", exc_info=True)

    def poll(self, *, prompt_after: bool) -> int:
        with self._lock:
            if self.inline:
                ThreadWorker(self.rt.queues, connection=self.rt.redis).work(
                    burst=True, logging_level="WARNING")
            with transaction(self.rt.sessions) as s:
                rows = s.execute(
                    select(OutboundMessage.id, OutboundMessage.body, OutboundMessage.media)
                    .join(Conversation, Conversation.id == OutboundMessage.conversation_id)
                    .where(Conversation.channel == "chat", Conversation.address == self.phone,
                           OutboundMessage.id > self.last_seen,
                           OutboundMessage.status.in_(("local", "sent")))
                    .order_by(OutboundMessage.id)).all()
                mails = _mails_sent_since(s, self.last_mail)
            for row_id, body, media in rows:
                self.last_seen = row_id
                click.echo(("\r" if prompt_after else "") + click.style("bot> ", fg="green")
                           + body.replace("\n", "\n     "))
                for item in media or []:
                    click.echo(f"     [anexo: {item.get('filename', item['kind'])}]")
            for row_id, line in mails:
                self.last_mail = row_id
                click.echo(click.style(f"     {line}", fg="cyan"))
            if rows and prompt_after:
                click.echo(PROMPT, nl=False)
            return len(rows)

    def _busy(self) -> bool:
        """A message of this person not processed yet, or a reply not delivered yet."""
        with transaction(self.rt.sessions) as s:
            waiting_in = s.scalar(select(func.count(InboundMessage.id)).where(
                InboundMessage.channel == "chat", InboundMessage.sender == self.phone,
                InboundMessage.status == "received"))
            waiting_out = s.scalar(
                select(func.count(OutboundMessage.id))
                .join(Conversation, Conversation.id == OutboundMessage.conversation_id)
                .where(Conversation.channel == "chat", Conversation.address == self.phone,
                       OutboundMessage.status.in_(("pending", "sending"))))
        return bool(waiting_in or waiting_out)


def _mails_sent_since(s, last_id: int) -> list[tuple[int, str]]:
    """E-mails the conversation caused (a boleto by e-mail, a case sent to a team), as
    "[e-mail para x@y: assunto (2 anexos)]" lines; the files are under var/mail."""
    rows = s.execute(
        select(OutboundMessage.id, OutboundMessage.recipient, OutboundMessage.subject,
               OutboundMessage.media, EmailSent.subject)
        .outerjoin(EmailSent, EmailSent.outbound_id == OutboundMessage.id)
        .where(OutboundMessage.channel == "email", OutboundMessage.id > last_id,
               OutboundMessage.status.in_(("local", "sent")))
        .order_by(OutboundMessage.id)).all()
    lines = []
    for row_id, recipient, own_subject, media, sent_subject in rows:
        files = len(media or [])
        extra = f" ({files} anexo{'s' if files > 1 else ''})" if files else ""
        lines.append((row_id, f"[e-mail para {recipient}: {sent_subject or own_subject or ''}{extra}]"))
    return lines
