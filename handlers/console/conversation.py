"""The conversation page: transcript (CPFs masked), the bot's state, take / reply /
release / transfer / supervisor force-take, and the 360° view with audited reveals.

Replies and the messages a take or release sends go through bot.engine.attendants, i.e. the same
transactional outbox as the bot's; the console never talks to Twilio. Every action and
every reveal writes an audit row in the same transaction.
"""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.engine import accounts
from bot.engine import attendants as handoff
from bot.language.text import storable
from bot.platform import clock, queueing
from bot.services import protocols
from storage.db import MAX_ROW_ID, transaction
from storage.models import Attendant, AuditEntry, ConsoleUser, Conversation, EmailBounce

from . import audit, customer, labels
from .auth import requires
from .blueprint import bp
from .canned import canned_replies
from .masking import REVEALABLE, mask_address, mask_cpfs_in, masked, revealed

TRANSCRIPT_LIMIT = 200
NOTE_MAX = 1000
REPLY_MAX = 4000


def _rt():
    return current_app.extensions["planbot"]


def may_open(session, viewer, c: Conversation) -> bool:
    """Supervisors see every conversation; an attendant those in the queue (waiting for a
    person, or with a case the team owes) and their own — not a colleague's, nor one the
    bot is serving, whatever id they type."""
    if viewer.supervises:
        return True
    if c.handoff == "attendant":
        return c.attendant_id == viewer.attendant_id
    if c.handoff == "waiting":
        return True
    return bool(handoff.open_cases(session, c))


def _conversation(session, conversation_id: int, *, lock: bool = False) -> Conversation:
    if not 1 <= conversation_id <= MAX_ROW_ID:
        abort(404)
    c = session.get(Conversation, conversation_id, with_for_update=lock)
    if c is None or not may_open(session, g.viewer, c):
        abort(404)  # not "forbidden": an id that is not yours tells nothing
    return c


def _transcript(session, c: Conversation) -> list[dict]:
    items = handoff.transcript(session, c, limit=TRANSCRIPT_LIMIT)
    for item in items:
        item["text"] = mask_cpfs_in(item["text"])
        item["label"] = labels.AUTHORS.get(item["from"], item["from"])
    return items


def _page(conversation_id: int, *, revealed_fields: dict | None = None, error: str | None = None,
          status: int = 200):
    rt = _rt()
    with transaction(rt.sessions) as s:
        c = _conversation(s, conversation_id)
        view = customer.load(s, rt.registry, c)
        owner = s.get(Attendant, c.attendant_id) if c.attendant_id else None
        audit_rows = list(s.scalars(select(AuditEntry).where(AuditEntry.conversation_id == c.id)
                                    .order_by(AuditEntry.id.desc()).limit(20)))
        users = {u.id: u.name for u in s.scalars(select(ConsoleUser))}
        context = dict(
            c=c, transcript=_transcript(s, c), view=view, owner=owner,
            mine=c.attendant_id == g.viewer.attendant_id, open_cases=handoff.open_cases(s, c),
            colleagues=accounts.colleagues(s, except_id=g.viewer.id), audit_rows=audit_rows,
            users=users, address=mask_address(c.address), labels=labels,
            canned=canned_replies(rt.settings, view.beneficiary, c),
            bounce=s.get(EmailBounce, c.address) if c.channel == "email" else None,
        )
        fields = {name: masked(name, view.beneficiary) for name in REVEALABLE} if view.beneficiary else {}
        fields.update(revealed_fields or {})
        return render_template("console/conversation.html", fields=fields, revealable=REVEALABLE,
                               error=error, **context), status


@bp.get("/conversations/<int:conversation_id>")
@requires("attendant")
def conversation(conversation_id: int):
    return _page(conversation_id)


@bp.get("/conversations/<int:conversation_id>/transcript")
@requires("attendant")
def transcript(conversation_id: int):
    with transaction(_rt().sessions) as s:
        c = _conversation(s, conversation_id)
        return render_template("console/_transcript.html", transcript=_transcript(s, c), c=c,
                               labels=labels)


def _act(conversation_id: int, action: str, work, *, deliver: bool = True, what: str | None = None,
         note: str | None = None, done: str | None = None):
    """Run `work(session, conversation, me)` under the conversation's row lock, audit it,
    then wake the delivery of whatever it put in the outbox."""
    rt = _rt()
    try:
        with transaction(rt.sessions) as s:
            c = _conversation(s, conversation_id, lock=True)
            me = s.get(Attendant, g.viewer.attendant_id)
            details = work(s, c, me) or {}
            audit.record(s, g.viewer.id, action, conversation_id=c.id, what=what, note=note, **details)
    except handoff.HandoffError as exc:
        return _page(conversation_id, error=_REASONS.get(exc.reason, exc.reason), status=exc.status)
    if deliver:
        queueing.deliver_later(rt, conversation_id)
    if done:  # the conversation left the viewer's hands: back to the queue, saying so
        flash(done)
        return redirect(url_for("console.queue"))
    return redirect(url_for("console.conversation", conversation_id=conversation_id))


# The API's reasons (English, for integrators) as the console says them.
_REASONS = {
    "another attendant already owns this conversation": "Outra pessoa da equipe já assumiu esta conversa.",
    "another attendant owns this conversation": "Outra pessoa da equipe está com esta conversa.",
    "take the conversation before replying": "Assuma a conversa antes de responder.",
    "take the conversation before releasing it": "Assuma a conversa antes de encerrá-la.",
    "the bot already owns this conversation": "O bot já está com esta conversa.",
    "text is required": "Escreva a mensagem antes de enviar.",
}


@bp.post("/conversations/<int:conversation_id>/take")
@requires("attendant")
def take(conversation_id: int):
    return _act(conversation_id, "take", _take)


def _take(s, c: Conversation, me: Attendant) -> dict | None:
    # How long the person waited for a person (the dashboard's p50/p90).
    waited = (clock.now() - c.escalated_at).total_seconds() \
        if c.handoff == "waiting" and c.escalated_at else None
    handoff.take(s, me, c.id, _rt().settings)
    return {"waited_seconds": round(waited)} if waited is not None else None


@bp.post("/conversations/<int:conversation_id>/force-take")
@requires("supervisor")
def force_take(conversation_id: int):
    """A supervisor takes a conversation a colleague owns (away, off shift): without this
    the person would wait for ever, since nobody else may take it."""
    def work(s, c, me):
        previous = s.get(Attendant, c.attendant_id) if c.handoff == "attendant" else None
        if previous is not None and previous.id != me.id:
            c.attendant_id = me.id
            _note_on_case(s, c, f"supervisor(a) {me.name} assumiu a conversa de {previous.name}")
            return {"from_attendant": previous.name}
        return _take(s, c, me)
    return _act(conversation_id, "force_take", work)


def _note_on_case(session, c: Conversation, note: str) -> None:
    number = (c.data or {}).get("protocol")
    protocol = protocols.by_number(session, number) if number else None
    if protocol is not None and not protocols.is_closed(protocol):
        protocols.set_status(protocol, protocol.status, note[:500])


@bp.post("/conversations/<int:conversation_id>/reply")
@requires("attendant")
def reply(conversation_id: int):
    text = storable(request.form.get("text", "")).strip()
    if len(text) > REPLY_MAX:
        return _page(conversation_id, error=f"A mensagem passa de {REPLY_MAX} caracteres.", status=400)
    return _act(conversation_id, "reply",
                lambda s, c, me: handoff.reply(s, me, c.id, text) and {"chars": len(text)})


@bp.post("/conversations/<int:conversation_id>/release")
@requires("attendant")
def release(conversation_id: int):
    outcome = request.form.get("outcome", "")
    if outcome not in ("resolved", "in_progress"):
        return _page(conversation_id, error="Escolha se o caso foi resolvido ou segue em andamento.",
                     status=400)
    note = storable(request.form.get("note", "")).strip()[:NOTE_MAX] or None
    return _act(conversation_id, "release",
                lambda s, c, me: handoff.release(s, me, c.id, outcome == "resolved", note)
                and {"outcome": outcome}, note=note,
                done=f"Conversa {conversation_id} devolvida ao bot "
                     f"({'resolvida' if outcome == 'resolved' else 'segue em andamento'}).")


@bp.post("/conversations/<int:conversation_id>/transfer")
@requires("attendant")
def transfer(conversation_id: int):
    try:
        target_id = int(request.form.get("to", ""))
    except ValueError:
        return _page(conversation_id, error="Escolha para quem transferir.", status=400)

    def work(s, c, me):
        target = s.get(ConsoleUser, target_id)
        if target is None or not target.active:
            raise handoff.HandoffError("Essa pessoa não está ativa na equipe.", 400)
        if c.handoff != "attendant":
            raise handoff.HandoffError("Assuma a conversa antes de transferi-la.", 409)
        if c.attendant_id != me.id and not g.viewer.supervises:
            raise handoff.HandoffError("another attendant owns this conversation")
        c.attendant_id = target.attendant_id
        _note_on_case(s, c, f"conversa transferida de {me.name} para {target.name}")
        return {"to_user": target.id, "to_name": target.name}
    return _act(conversation_id, "transfer", work, deliver=False,
                done=f"Conversa {conversation_id} transferida.")


@bp.post("/conversations/<int:conversation_id>/reveal")
@requires("attendant")
def reveal(conversation_id: int):
    field = request.form.get("field", "")
    if field not in REVEALABLE:
        abort(400)
    rt = _rt()
    with transaction(rt.sessions) as s:
        c = _conversation(s, conversation_id)
        view = customer.load(s, rt.registry, c)
        if view.beneficiary is None:
            abort(404)
        value = revealed(field, view.beneficiary)
        audit.record(s, g.viewer.id, "reveal", conversation_id=c.id, what=field,
                     beneficiary_ref=view.beneficiary.ref)
    if request.headers.get("HX-Request"):
        return render_template("console/_revealed.html", value=value, field=field)
    return _page(conversation_id, revealed_fields={field: value})
