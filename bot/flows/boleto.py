"""2ª via de boleto: identify → pick the competência → amount, due date, linha digitável
and the bill as a PDF. Three messages from the person at most."""
from __future__ import annotations

from bot import competence
from bot.billing.boleto import format_linha
from bot.engine import Flow, Turn, flows, register
from bot.registry.base import RegistryUnavailable
from bot.text import digits

MAX_LISTED = 6

flow = register(Flow(
    "segunda_via", journey="segunda_via", needs_identity=True, menu_order=1,
    menu_label="2ª via de boleto",
    intents=["2a via", "2 via", "segunda via", "segunda via do boleto", "2a via do boleto",
             "boleto", "boleto atrasado", "fatura", "mensalidade", "codigo de barras",
             "linha digitavel", "pagar o plano", "boleto do mes"],
))


@flow.on_entry
def start(turn: Turn) -> None:
    try:
        titles = turn.registry.titles(turn.conversation.beneficiary_ref)[:MAX_LISTED]
    except RegistryUnavailable:
        turn.say("generic_error")
        turn.close_protocol("cancelado", "sistema do plano indisponível")
        turn.end()
        return
    if not titles:
        turn.say("boleto/none_open")
        turn.close_protocol("concluido", "nenhum título em aberto")
        turn.end()
        return
    turn.remember(titles=[t.ref for t in titles])
    if len(titles) == 1:
        _deliver(turn, titles[0])
        return
    turn.goto("choose")
    turn.say("boleto/choose", titles=titles, today=turn.today)


@flow.state("choose")
def choose(turn: Turn) -> None:
    refs = turn.data["titles"]
    if turn.message.payload in refs:
        index = refs.index(turn.message.payload)
    else:
        index = _pick(turn, refs)
    if index is None:
        turn.retry("boleto/choose_again", count=len(refs))
        return
    title = turn.registry.title(refs[index])
    if title is None or title.status != "open":
        turn.retry("boleto/choose_again", count=len(refs))
        return
    _deliver(turn, title)


def _pick(turn: Turn, refs: list[str]) -> int | None:
    number = digits(turn.text)
    stripped = turn.norm.strip(" .)")
    if number and stripped.isdigit() and 1 <= int(number) <= len(refs):
        return int(number) - 1
    titles = [turn.registry.title(ref) for ref in refs]
    return competence.pick(turn.text, [t.competence for t in titles if t is not None])


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
                "filename": f"boleto-{title.competence:%Y-%m}.pdf"}],
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
