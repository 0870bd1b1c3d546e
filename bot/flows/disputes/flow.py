"""Contestação de cobrança: protocol → identity → which bill (a competência from the
list, the linha digitável typed, or a photo of the boleto) → which charge (the bill's
lines, or free text) → registered with the operator → e-mailed to contas médicas → the
person told the protocol and the answer deadline. The result comes later
(`outcome.record`): a valid charge gets its proof sent; an undue one asks how to take the
credit (here, state "credit_choice")."""
from __future__ import annotations

from datetime import date

from bot.engine import FirstWords, Flow, MenuEntry, Turn
from bot.flows.disputes import credit, rules, team_mail, team_reply
from bot.flows.procedures import files
from bot.language import choices, competence
from bot.language.formatting import brdate
from bot.language.templates import render
from bot.language.text import digits, normalize
from bot.platform import clock, queueing
from bot.registry.base import RegistryUnavailable
from bot.services import protocols
from storage.models import BillingDispute

LISTED_MONTHS = 6

flow = Flow(
    "contestacao", journey="contestacao", needs_identity=True,
    menu=MenuEntry(7, "Contestar uma cobrança"),
    intents=["cobranca indevida", "contestar cobranca", "contestar boleto", "contestar uma cobranca",
             "fui cobrado", "cobrado por uma consulta", "consulta que nao fiz", "exame que nao fiz",
             "nao reconheco essa cobranca", "cobraram a mais", "cobranca errada", "valor errado",
             "cobranca duplicada", "cobrado duas vezes", "coparticipacao que eu nao usei",
             "estorno", "contestacao", "cobranca que nao reconheco", "credito da contestacao",
             "veio mais caro", "muito mais caro", "mensalidade aumentou", "reajuste ta errado",
             "cobrando de novo", "valor da fatura", "diferente do contrato", "nao e minha"],
    first_words=FirstWords(30, phrases=("contestar", "contestacao", "cobraram a mais",
                                        "cobrado a mais", "cobrando a mais", "valor errado",
                                        "cobrado errado", "mais caro", "mais cara", "duas vezes",
                                        "cobranca duplicada", "cobrando de novo", "cobrando meu",
                                        "tao cobrando", "estao cobrando", "nao reconheco",
                                        "aumentou", "reajuste", "nao usei", "cobranca indevida",
                                        "nao e minha", "estorno", "diferente do contrato",
                                        "continua aparecendo", "continua em aberto", "ja paguei e")),
)
flow.hook("team_reply")(team_reply.on_team_reply)


@flow.on_entry
def start(turn: Turn) -> None:
    waiting = credit.awaiting_choice(turn.session, turn.conversation.beneficiary_ref)
    if waiting is not None:  # the answer to an undue charge, asked while the person was busy
        turn.close_protocol("concluido", f"escolha do crédito do protocolo {waiting.protocol_number}")
        return credit.ask(turn, waiting)
    try:
        titles = _titles(turn)
    except RegistryUnavailable:
        turn.say("generic_error")
        turn.close_protocol("cancelado", "sistema do plano indisponível")
        return turn.end()
    turn.remember(titles=[t.ref for t in titles])
    turn.goto("bill")
    turn.say("disputes/ask_bill", titles=titles)


def _titles(turn: Turn) -> list:
    today = turn.today
    months = today.year * 12 + today.month - 1 - (LISTED_MONTHS - 1)
    since = date(months // 12, months % 12 + 1, 1)
    ref = turn.conversation.beneficiary_ref
    return turn.registry.titles(ref, ("open", "paid"), competence_from=since)


@flow.state("bill", files=True)
def bill(turn: Turn) -> None:
    titles = [turn.registry.title(ref) for ref in turn.data["titles"]]
    photos, _ = files.documents(turn)
    if photos:  # a photo of the boleto: contas médicas reads it
        files.take_over_media_note(turn)
        turn.remember(files=photos, title_ref=None, competence=None)
        turn.goto("charge")
        return turn.say("disputes/ask_charge_text")
    chosen = _chosen_title(turn, titles)
    if chosen is None:
        return turn.retry("disputes/ask_bill_again", titles=titles)
    items = turn.registry.bill_items(chosen.ref)
    turn.remember(title_ref=chosen.ref, competence=chosen.competence.isoformat(),
                  items=[{"ref": i.ref, "description": i.description, "amount": str(i.amount),
                          "service_date": brdate(i.service_date) if i.service_date else None,
                          "provider": i.provider} for i in items])
    turn.goto("charge")
    turn.say("disputes/ask_charge", title=chosen, items=items)


def _chosen_title(turn: Turn, titles: list):
    number = choices.single(turn.choice, len(titles))
    if number is not None and 1 <= number <= len(titles):
        return titles[number - 1]
    typed = digits(turn.text)
    if len(typed) in (47, 48):  # the linha digitável (or a 48-digit collection line)
        for title in titles:
            if turn.registry.bill_for_title(title.ref).linha_digitavel == typed[:47]:
                turn.remember(linha=typed)
                return title
        return None
    index = competence.pick(turn.text, [t.competence for t in titles])
    return titles[index] if index is not None else None


@flow.state("charge")
def charge(turn: Turn) -> None:
    items = turn.data.get("items") or []
    picked = choices.numbers(turn.choice, len(items)) if items else None
    if picked and all(1 <= n <= len(items) for n in picked):
        chosen = [items[n - 1] for n in sorted(set(picked))]
        return _register(turn, chosen, "")
    said = " ".join(turn.text.split())
    if len(normalize(said)) < 8:
        return turn.retry("disputes/ask_charge_again", items=items)
    _register(turn, [], said[:2000])


def _register(turn: Turn, items: list[dict], description: str) -> None:
    data, person = turn.data, turn.beneficiary
    comp = date.fromisoformat(data["competence"]) if data.get("competence") else None
    try:
        turn.registry.register_dispute(person.ref, data.get("title_ref"), comp,
                                       [i["ref"] for i in items], description,
                                       data["protocol"], idempotency_key=data["protocol"])
    except RegistryUnavailable:
        return turn.reject("disputes/try_later")  # nothing stored: the same answer works later
    deadline = rules.answer_deadline(clock.today(), turn.settings.operator_state)
    dispute = BillingDispute(
        protocol_number=data["protocol"], conversation_id=turn.conversation.id,
        beneficiary_ref=person.ref, title_ref=data.get("title_ref"), competence=comp,
        linha_digitavel=data.get("linha"), items=items, description=description,
        files=data.get("files", []), deadline=deadline, created_at=clock.now())
    turn.session.add(dispute)
    turn.session.flush()
    body = render("disputes/email_contas_medicas", dispute=dispute, person=person,
                  operator=turn.settings.operator_name)
    protocol = turn.protocol
    try:
        team = team_mail.send(turn.session, turn.settings, team_mail.CONTAS_MEDICAS,
                              dispute.protocol_number, render("disputes/email_subject", dispute=dispute),
                              body)
    except team_mail.NoTeamAddress:
        team = None
    protocol.details = {**(protocol.details or {}), "dispute": dispute.id}
    if team is None:  # nobody to e-mail: the attendants forward it (an owed case)
        protocols.set_status(protocol, "encaminhado", "contestação sem e-mail de contas médicas configurado")
        protocol.details = {**protocol.details, "handoff": "case"}
    else:
        protocols.set_status(protocol, "aberto", f"enviada a contas médicas; resposta até {deadline:%d/%m/%Y}")
        runtime = turn.runtime
        turn.defer(lambda: queueing.deliver_later(runtime, team))
    turn.say("disputes/registered", protocol=dispute.protocol_number, deadline=deadline,
             items=items, description=description)
    turn.forget("protocol")  # open with the team: leaving the chat does not cancel it
    turn.end()


@flow.state("credit_choice")
def credit_choice(turn: Turn) -> None:
    credit.answer(turn)

