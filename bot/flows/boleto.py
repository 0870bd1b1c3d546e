"""2ª via de boleto: identify → pick the competência → amount, due date, linha digitável
and the bill as a PDF. Three messages from the person at most."""
from __future__ import annotations

from datetime import date

from bot import competence
from bot.billing.boleto import format_linha
from bot.engine import Flow, Turn, flows, register
from bot.registry.base import RegistryUnavailable
from bot.templates import render
from bot.text import digits

MAX_LISTED = 6
# "Open and recent competências": paid titles of the current month and the two before it
# are listed too, so a person checking whether a month is settled gets an answer.
RECENT_PAID_MONTHS = 3

flow = register(Flow(
    "segunda_via", journey="segunda_via", needs_identity=True, menu_order=1,
    menu_label="2ª via de boleto",
    intents=["2a via", "2 via", "segunda via", "segunda via do boleto", "2a via do boleto",
             "boleto", "boleto atrasado", "fatura", "mensalidade", "codigo de barras",
             "linha digitavel", "pagar o plano", "boleto do mes"],
))


@flow.on_entry
def start(turn: Turn) -> None:
    ref = turn.conversation.beneficiary_ref
    try:
        open_titles = turn.registry.titles(ref)
        paid = turn.registry.titles(ref, ("paid",),
                                    competence_from=_first_recent_month(turn.today))
    except RegistryUnavailable:
        _unavailable_at_start(turn)
        return
    if not open_titles:
        turn.say("boleto/none_open", paid=paid)
        turn.close_protocol("concluido", "nenhum título em aberto")
        turn.end()
        return
    titles = _listing(open_titles, paid)
    turn.remember(titles=[t.ref for t in titles])
    if len(titles) == 1:
        try:
            _deliver(turn, titles[0])
        except RegistryUnavailable:
            _unavailable_at_start(turn)
        return
    turn.goto("choose")
    turn.say("boleto/choose", titles=titles, today=turn.today,
             any_paid=any(t.status == "paid" for t in titles))


def _unavailable_at_start(turn: Turn) -> None:
    turn.say("generic_error")
    turn.close_protocol("cancelado", "sistema do plano indisponível")
    turn.end()


def _first_recent_month(today: date) -> date:
    months = today.year * 12 + today.month - 1 - (RECENT_PAID_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1)


def _listing(open_titles: list, paid: list) -> list:
    """Open titles take the places first (they are what people come for); recent paid
    ones fill the rest. Newest competência first, open before paid within a month."""
    chosen = open_titles[:MAX_LISTED]
    chosen += paid[:MAX_LISTED - len(chosen)]
    return sorted(chosen, key=lambda t: (t.competence, t.status == "open"), reverse=True)


@flow.state("choose")
def choose(turn: Turn) -> None:
    refs = turn.data["titles"]
    try:
        title = _chosen_title(turn, refs)
        if title is None:
            turn.retry("boleto/choose_again", count=len(refs))
        elif title.status == "paid":
            _tell_paid(turn, title)
        elif title.status != "open":
            turn.retry("boleto/choose_again", count=len(refs))
        else:
            _deliver(turn, title)
    except RegistryUnavailable:
        # The plan's system did not answer: nothing was sent or closed, so the person can
        # simply repeat the choice later from this same state.
        turn.say("generic_error")


def _chosen_title(turn: Turn, refs: list[str]):
    if turn.message.payload in refs:
        index = refs.index(turn.message.payload)
    else:
        index = _pick(turn, refs)
    return turn.registry.title(refs[index]) if index is not None else None


def _pick(turn: Turn, refs: list[str]) -> int | None:
    number = digits(turn.text)
    stripped = turn.norm.strip(" .)")
    if number and stripped.isdigit() and 1 <= int(number) <= len(refs):
        return int(number) - 1
    titles = [turn.registry.title(ref) for ref in refs]
    known = [i for i, t in enumerate(titles) if t is not None]
    picked = competence.pick(turn.text, [titles[i].competence for i in known])
    return known[picked] if picked is not None else None


def _tell_paid(turn: Turn, title) -> None:
    # A paid boleto is not re-sent: its barcode may still be accepted by a bank, and a
    # second payment is far worse for the person than one more question to an attendant.
    turn.say("boleto/paid", title=title)
    turn.close_protocol("concluido", f"título {title.ref} já pago; beneficiário informado")
    turn.end()


def _deliver(turn: Turn, title) -> None:
    if title.is_overdue(turn.today):
        negotiation = "negociacao" in flows()
        turn.say("boleto/overdue", title=title, days=title.days_overdue(turn.today),
                 can_negotiate=negotiation)
        turn.close_protocol("concluido", f"título {title.ref} vencido; orientado a negociar")
        if negotiation:
            turn.remember(overdue_title=title.ref)
            turn.goto("offer_negotiation")
        else:
            turn.end()
        return
    bill = turn.registry.bill_for_title(title.ref)
    turn.say_media(
        "boleto/bill",
        media=[{"kind": "bill", "ref": bill.ref,
                "filename": render("boleto/filename", competence=title.competence)}],
        bill=bill, title=title, linha=format_linha(bill.linha_digitavel),
    )
    turn.close_protocol("concluido", f"2ª via enviada: {title.ref}")
    turn.end()


@flow.state("offer_negotiation")
def offer_negotiation(turn: Turn) -> None:
    if turn.norm in {"sim", "s", "quero", "pode ser", "ok", "1", "negociar"}:
        turn.end()
        turn.start_flow("negociacao")
    elif turn.norm in {"nao", "n", "agora nao", "2"}:
        turn.end()
        turn.say("boleto/no_negotiation")
    else:
        turn.retry("boleto/negotiate_yes_no")
