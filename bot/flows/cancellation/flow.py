"""Cancelamento do plano (RN 561/2022): protocol → identity → the cancellation registered
with the operator AT ONCE → confirmation, consequences and the proof (PDF) → at most one
retention offer, answered (or ignored) with one word.

Nothing the person says can stop the cancellation once identity is confirmed: the request
row is written in that same turn and registered either then or by `register_pending`
(the sweeper's due work) while the operator's systems are down. The offer comes after the
confirmation and the proof, is never a question the cancellation waits on, and any answer
other than a clear "sim" is read as a no (the message is then handled as a fresh one).
"""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.engine import FirstWords, Flow, MenuEntry, Turn, handle_idle
from bot.flows.cancellation import registration, rules
from bot.language import intents
from bot.platform import clock
from bot.registry.base import RegistryUnavailable
from bot.services import protocols
from storage.models import Cancellation

flow = Flow(
    "cancelamento", journey="cancelamento", needs_identity=True,
    menu=MenuEntry(85, "Cancelar o plano"),
    intents=["cancelar meu plano", "quero cancelar meu plano", "cancelar o plano",
             "cancelar plano", "cancelamento do plano", "cancelamento de plano",
             "quero cancelar o plano", "encerrar meu plano", "encerrar o plano",
             "sair do plano", "rescindir o contrato", "cancelar o contrato do plano",
             "quero o cancelamento do plano", "quero cancelar", "preciso cancelar",
             "gostaria de cancelar"],
    first_words=FirstWords(40, phrases=("cancelar plano", "cancelar convenio",
                                        "cancelamento do plano", "cancelamento do contrato",
                                        "cancelamento do meu plano", "sair do plano",
                                        "nao quero mais o plano", "rescindir", "rescisao",
                                        "excluir dependente", "outro convenio"),
                           patterns=(r"\b(?:tirar|excluir|remover) (?:o |a |meu |minha )?\w+ "
                                     r"do plano\b",)),
)
flow.due(registration.register_pending)

ACCEPT = frozenset({"quero", "quero sim", "sim", "tenho interesse", "pode ser", "aceito"})


_NAMES_THE_PLAN = re.compile(r"\b(plano|contrato|convenio|assinatura|adesao)\b")


@flow.hook("screen")
def _screen(turn: Turn) -> bool:
    """Free text must name the plan: "quero cancelar" alone may be about an appointment,
    and this journey registers the cancellation as soon as identity is confirmed. (The
    menu option is explicit and skips this.)"""
    if _NAMES_THE_PLAN.search(turn.norm):
        return False
    turn.say("cancellation/which_cancel")
    return True


@flow.hook("on_leave")
def _left(turn: Turn):
    """Leaving after the request (e.g. "sair" at the offer) never undoes it."""
    row = _row(turn)
    if row is None:
        return None
    if row.status == "registered":
        return ("concluido", "cancelamento registrado; oferta de retenção não respondida")
    return ("encaminhado", "cancelamento solicitado; registro na operadora pendente")


@flow.on_entry
def start(turn: Turn) -> None:
    person = turn.beneficiary
    registry = turn.registry
    protocol = turn.protocol
    done = _earlier_request(turn)
    if done is not None:
        return _asked_again(turn, done)
    try:
        dependents = registry.dependents(person.ref) if person.is_holder else []
    except RegistryUnavailable:
        dependents = None  # the operator cancels the whole contract anyway; named later
    key = registration.idempotency_key(person.ref, turn.message.external_id, protocol.number)
    row = registration.existing(turn.session, key) or Cancellation(
        protocol_number=protocol.number, beneficiary_ref=person.ref,
        conversation_id=turn.conversation.id, idempotency_key=key,
        dependent_refs=[d.ref for d in dependents or []], requested_at=turn.now)
    turn.session.add(row)
    turn.session.flush()
    turn.remember(cancellation_id=row.id)
    registered = registration.try_register(registry, row)
    context = dict(row=row, person=person, dependents=dependents, holder=person.is_holder,
                   open_debts=_open_debts(turn), when=clock.to_local(row.requested_at))
    if registered:
        turn.say("cancellation/registered", **context)
        turn.say_media("cancellation/proof", media=registration.proof_media(row), row=row)
        row.proof_sent_at = turn.now
        protocols.set_status(protocol, "concluido", "cancelamento registrado na operadora")
    else:
        turn.say("cancellation/pending", **context)
        protocols.set_status(protocol, "encaminhado", "cancelamento solicitado; operadora fora do ar, "
                             "registro automático pendente")
    offer = _offer(turn, person, dependents)
    if offer is None:
        return turn.end()
    row.offer = offer.id
    turn.say("cancellation/offer", offer=offer)
    turn.goto("offer")


@flow.state("offer")
def offer(turn: Turn) -> None:
    row = _row(turn)
    answer = intents.yes_no(turn.text, extra_yes=ACCEPT)
    if turn.norm.strip(" .!") in ACCEPT:
        answer = True
    if answer is True:
        if row is not None:
            row.offer_answer = "accepted"
        turn.end()
        return turn.escalate(f"retenção: interesse na oferta após cancelamento ({row.offer if row else '-'})",
                             template="cancellation/offer_accepted")
    if row is not None:
        row.offer_answer = "declined" if answer is False else "ignored"
    turn.end()
    if answer is False:
        return turn.say("cancellation/offer_declined")
    handle_idle(turn)  # not an answer to the offer: the message is read as a fresh one


def _row(turn: Turn) -> Cancellation | None:
    cancellation_id = turn.data.get("cancellation_id")
    return turn.session.get(Cancellation, cancellation_id) if cancellation_id else None


def _earlier_request(turn: Turn) -> Cancellation | None:
    return turn.session.scalars(
        select(Cancellation).where(Cancellation.beneficiary_ref == turn.conversation.beneficiary_ref)
        .order_by(Cancellation.id.desc())).first()


def _asked_again(turn: Turn, done: Cancellation) -> None:
    """One cancellation per person: asking again (even while the first still waits for
    the operator) repeats where it stands, and the proof, never a second request."""
    if done.status == "pending" and registration.try_register(turn.registry, done):
        original = protocols.by_number(turn.session, done.protocol_number)
        if original is not None:
            protocols.set_status(original, "concluido", "cancelamento registrado na operadora")
    when = clock.to_local(done.requested_at)
    if done.status == "registered":
        turn.say("cancellation/already", row=done, when=when)
        turn.say_media("cancellation/proof_again", media=registration.proof_media(done), row=done)
        done.proof_sent_at = done.proof_sent_at or turn.now
    else:
        turn.say("cancellation/already_pending", row=done, when=when)
    turn.close_protocol("concluido", f"mesmo pedido do protocolo {done.protocol_number}")
    turn.end()


def _open_debts(turn: Turn) -> list:
    try:
        return turn.registry.titles(turn.conversation.beneficiary_ref)
    except RegistryUnavailable:
        return []


def _offer(turn: Turn, person, dependents) -> rules.Offer | None:
    """The first configured offer whose conditions this person's contract meets."""
    try:
        titles = turn.registry.titles(person.ref)
        profile = rules.Profile(
            loss_ratio_pct=turn.registry.loss_ratio(person.ref),
            days_late=max((t.days_overdue(turn.today) for t in titles), default=0),
            age=rules.age_on(person.birth_date, turn.today),
            lives=1 + len(dependents or []))
    except RegistryUnavailable:
        return None  # no data, no offer: the cancellation is what matters
    return rules.matching_offer(rules.of(turn.runtime), profile)
