"""2ª via de boleto: identify → pick the competência → amount, due date, linha digitável
and the bill as a PDF. Three messages from the person at most.

The list holds the open bills, the recently paid competências and the open boletos of the
person's agreements (a negotiated title is never offered again as an overdue bill: its
boletos are the agreement's). The person answers with a number, a month, several of them
("1 e 2", "os dois", "todos") — or already said the month when asking ("boleto de
outubro"). After a bill from a longer list, another one can be picked for a few minutes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.engine import Flow, MenuEntry, Turn, handle_idle
from bot.flows.boleto import email_copy as email_copy_rules
from bot.flows.boleto import months
from bot.flows.negotiation import agreements as agreement_life
from bot.flows.negotiation import rules as negotiation_rules
from bot.flows.negotiation.rules import cash_offer, group_agreements
from bot.language import choices, intents
from bot.language.formatting import format_linha
from bot.language.templates import render
from bot.language.text import normalize
from bot.platform import clock
from bot.registry.base import Bill, RegistryUnavailable, TitleInfo
from bot.services import protocols
from storage.models import Agreement

MAX_LISTED = 6
MAX_AGREEMENT_BOLETOS = 4  # the next ones; later installments are listed as they come due
# "Open and recent competências": paid titles of the current month and the two before it
# are listed too, so a person checking whether a month is settled gets an answer.
RECENT_PAID_MONTHS = 3
# After a bill from a list of several, the same list answers "2" for this long; then a
# number means the menu again.
ANOTHER_CHOICE_MINUTES = 10

flow = Flow(
    "segunda_via", journey="segunda_via", needs_identity=True,
    menu=MenuEntry(1, "2ª via de boleto"),
    intents=["2a via", "2 via", "segunda via", "segunda via do boleto", "2a via do boleto",
             "boleto", "boleto atrasado", "fatura", "mensalidade", "codigo de barras",
             "linha digitavel", "pagar o plano", "boleto do mes",
             # issue 11: written together, and an overdue one (no debt asked about)
             "2via", "2avia", "segundavia", "boleto vencido", "boleto em atraso"],
)


@dataclass(frozen=True)
class Item:
    """One line of the list: a title (its competência's bill) or an agreement boleto."""
    key: str  # "t:<title ref>" | "a:<agreement id>:<boleto number>"
    title: TitleInfo | None = None
    bill: Bill | None = None  # agreement boletos: the current bill
    agreement_kind: str | None = None  # cash | installments

    @property
    def agreement_id(self) -> int:
        return int(self.key.split(":")[1])

    @property
    def number(self) -> int:
        return int(self.key.split(":")[2])

    @property
    def ref(self) -> str:
        """For protocol notes."""
        return self.title.ref if self.title else f"acordo {self.agreement_id} boleto {self.number}"

    @property
    def month(self) -> date:
        """What "outubro" refers to: the competência, or an agreement boleto's due month."""
        return self.title.competence if self.title else self.bill.due_date.replace(day=1)

    @property
    def paid(self) -> bool:
        return self.title is not None and self.title.status == "paid"

    @property
    def due_date(self) -> date:
        return self.title.due_date if self.title else self.bill.due_date

    def overdue(self, today: date) -> bool:
        return not self.paid and self.due_date < today


# -- listing -------------------------------------------------------------------------------
@flow.on_entry
def start(turn: Turn) -> None:
    try:
        items, paid = _items(turn)
    except RegistryUnavailable:
        return _unavailable_at_start(turn)
    if not any(not i.paid for i in items):
        turn.say("boleto/none_open", paid=paid)
        turn.close_protocol("concluido", "nenhum título em aberto")
        return turn.end()
    turn.remember(items=[i.key for i in items])
    entry = turn.data.get("entry_text") or ""
    asked = months.by_months(entry, items) if months.mentions_month(entry) else None
    try:
        if asked and len(asked) > 1 and months.single_month(entry):
            return _ask_which(turn, asked)
        if asked:  # no list was shown: nothing to pick "another" from
            return _deliver(turn, asked, listed=asked)
        if len(items) == 1 and not months.mentions_month(entry):
            return _deliver(turn, items, listed=items)
    except RegistryUnavailable:
        return _unavailable_at_start(turn)
    turn.goto("choose")
    _show_list(turn, items, month_not_found=months.mentions_month(entry))


def _show_list(turn: Turn, items: list[Item], *, month_not_found: bool = False) -> None:
    turn.say("boleto/choose", items=items, today=turn.today, any_paid=any(i.paid for i in items),
             any_overdue=any(i.overdue(turn.today) for i in items), month_not_found=month_not_found)


def _unavailable_at_start(turn: Turn) -> None:
    turn.say("generic_error")
    turn.close_protocol("cancelado", "sistema do plano indisponível")
    turn.end()


def _items(turn: Turn) -> tuple[list[Item], list[TitleInfo]]:
    ref = turn.conversation.beneficiary_ref
    active = agreement_life.active_for(turn.session, ref)
    negotiated = {r for a in active for r in a.title_refs}
    open_titles = [t for t in turn.registry.titles(ref) if t.ref not in negotiated]
    paid = turn.registry.titles(ref, ("paid",), competence_from=_first_recent_month(turn.today))
    titles = _listing(open_titles, paid)
    return [Item(f"t:{t.ref}", title=t) for t in titles] + _agreement_items(turn, active), paid


def _first_recent_month(today: date) -> date:
    months = today.year * 12 + today.month - 1 - (RECENT_PAID_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1)


def _listing(open_titles: list, paid: list) -> list:
    """Open titles take the places first (they are what people come for); recent paid
    ones fill the rest. Newest competência first, open before paid within a month."""
    chosen = open_titles[:MAX_LISTED]
    chosen += paid[:MAX_LISTED - len(chosen)]
    return sorted(chosen, key=lambda t: (t.competence, t.status == "open"), reverse=True)


def _agreement_items(turn: Turn, active: list[Agreement]) -> list[Item]:
    """The next unpaid boletos of the person's agreements, soonest first."""
    items = []
    for agreement in active:
        for boleto in sorted(agreement.boletos, key=lambda b: b["number"]):
            if boleto.get("paid"):
                continue
            bill = turn.registry.bill(boleto["bill_ref"])
            if bill is not None and bill.status == "open":
                items.append(Item(f"a:{agreement.id}:{boleto['number']}", bill=bill,
                                  agreement_kind=agreement.kind))
    return sorted(items, key=lambda i: i.due_date)[:MAX_AGREEMENT_BOLETOS]


def _load(turn: Turn) -> list[Item | None]:
    """The list as shown (positions kept); None where an item is gone since (an agreement
    boleto paid or cancelled meanwhile)."""
    return [_item(turn, key) for key in turn.data["items"]]


def _item(turn: Turn, key: str) -> Item | None:
    kind, _, rest = key.partition(":")
    if kind == "t":
        title = turn.registry.title(rest)
        return Item(key, title=title) if title is not None else None
    agreement_id, _, number = rest.partition(":")
    agreement = turn.session.get(Agreement, int(agreement_id))
    boleto = next((b for b in (agreement.boletos if agreement else []) if str(b["number"]) == number), None)
    bill = turn.registry.bill(boleto["bill_ref"]) if boleto else None
    if bill is None or bill.status != "open":
        return None
    return Item(key, bill=bill, agreement_kind=agreement.kind)


# -- choosing ------------------------------------------------------------------------------
@flow.state("choose")
def choose(turn: Turn) -> None:
    try:
        items = _load(turn)
        chosen = _chosen(turn, items)
        if chosen is None and _asks_for_this_journey(turn) and not months.mentions_month(turn.text):
            # "2a via" again at the list: they are where they asked to be; show it again.
            return _show_list(turn, [i for i in items if i is not None])
        if chosen is None:
            present = [i for i in items if i is not None]
            # The hint names a month that is in the list, never a made-up one.
            return turn.retry("boleto/choose_again", count=len(items),
                              example=present[0].month if present else None,
                              any_overdue=any(i.overdue(turn.today) for i in present))
        if len(chosen) > 1 and (months.single_month(turn.text) or turn.scratch.get("ask_which")):
            return _ask_which(turn, chosen)
        _deliver(turn, chosen, listed=[i for i in items if i])
    except RegistryUnavailable:
        # The plan's system did not answer: nothing was sent or closed, so the person can
        # simply repeat the choice later from this same state.
        turn.say("generic_error")


@flow.state("another")
def another(turn: Turn) -> None:
    """Right after a bill from a list of several: "2" is the next bill of the same list,
    for a few minutes. Anything else is a fresh message."""
    try:
        if clock.now() < _until(turn) and email_copy_rules.wanted(turn):
            return email_copy_rules.send(turn)
        items = _load(turn) if clock.now() < _until(turn) else []
        chosen = _chosen(turn, items) if items else None
        if chosen is None:
            turn.end()
            return handle_idle(turn)
        if len(chosen) > 1 and months.single_month(turn.text):
            return _ask_which(turn, chosen)
        _deliver(turn, chosen, listed=[i for i in items if i])
    except RegistryUnavailable:
        turn.say("generic_error")


def _asks_for_this_journey(turn: Turn) -> bool:
    match = intents.detect(turn.text, {flow.name: flow.intents}, threshold=101)
    return match is not None


def _until(turn: Turn) -> datetime:
    return datetime.fromisoformat(turn.data["another_until"])


_NUMBERS = re.compile(r"(?:(?:o|os|a|as|n|no|numero|numeros|boleto|boletos)\s+)*"
                      r"\d{1,2}(?:\s*(?:,|e|&)\s*(?:o\s+|a\s+)?\d{1,2})*")
_ALL = re.compile(r"(?:(?:quero|manda|mande|pode mandar|envia|envie)\s+)?"
                  r"(?:todos|todas|tudo|todos eles|todas elas|todos os boletos|ambos|ambas|"
                  r"os dois|as duas|os 2|as 2|os dois boletos)")
_PAIR = {"ambos", "ambas", "dois", "duas", "2"}


def _chosen(turn: Turn, items: list[Item | None]) -> list[Item] | None:
    """The items the answer names, in list order; None if it names none (or a number
    outside the list). A month naming several items returns them all (asked which)."""
    picked = _named(turn, items)
    picked = [i for i in picked or [] if i is not None]
    return picked or None


def _named(turn: Turn, items: list[Item | None]) -> list[Item | None] | None:
    present = [i for i in items if i is not None]
    by_payload = [i for i in present if turn.message.payload and i.key == turn.message.payload]
    if by_payload:
        return by_payload
    norm = normalize(turn.text).strip(" .!)")
    # "1 e 3", "o primeiro e o terceiro", "dois", "o último" (`bot.language.choices`); "1e3"
    picked = choices.numbers(turn.text, len(items)) or (
        [int(n) for n in re.findall(r"\d{1,2}", norm)] if _NUMBERS.fullmatch(norm) else None)
    if picked:
        numbers = sorted(set(picked))
        if all(1 <= n <= len(items) for n in numbers):
            return [items[n - 1] for n in numbers]
        return None
    if _ALL.fullmatch(norm):
        wanted = [i for i in present if not i.paid]
        if _PAIR & set(norm.split()) and len(wanted) != 2:
            return None  # "os dois" with three open bills: which two?
        return wanted
    by_month = months.by_months(turn.text, present)
    if by_month:
        return by_month
    # "o vencido", "esse mês", "o mais recente" (bot.language.choices); several fitting
    # ("esse mês" with two bills this month): asked which, as for a month's name.
    found = choices.described(turn.text, [_option(i, turn.today) for i in present], today=turn.today)
    if len(found) > 1:
        turn.scratch["ask_which"] = True
    return [present[n - 1] for n in found] or None


def _option(item: Item, today: date) -> dict:
    """An item as bot.language.choices.pick reads it."""
    status = "pago" if item.paid else "vencido" if item.overdue(today) else "aberto"
    return {"label": item.ref, "month": item.month, "status": status}


def _ask_which(turn: Turn, items: list[Item]) -> None:
    turn.remember(items=[i.key for i in items])
    turn.goto("choose")
    turn.say("boleto/which", items=items, today=turn.today)


# -- delivering ----------------------------------------------------------------------------
def _deliver(turn: Turn, chosen: list[Item], listed: list[Item]) -> None:
    """Each chosen bill: sent (PDF and linha digitável), or said to be paid, or — overdue —
    pointed to the negotiation, which issues a new boleto (for an agreement: reissues it)."""
    paid = [i for i in chosen if i.paid]
    overdue = [i for i in chosen if i.overdue(turn.today)]
    payable = [i for i in chosen if i not in paid and i not in overdue]
    bills = [(i, _bill_of(turn, i)) for i in payable]
    # Another bill of the same list can be asked for right after, unless this turn ends
    # on the overdue question.
    others = [n for n, i in enumerate(listed, 1) if i not in chosen and not i.paid]
    another = others[0] if bills and not overdue and others else None
    for item in paid:
        turn.say("boleto/paid", title=item.title)
    offer = email_copy_rules.offer(turn) if bills and not overdue else None
    for index, (item, bill) in enumerate(bills):
        last = index == len(bills) - 1
        _send_bill(turn, item, bill, another=another if last else None,
                   email_offer=offer if last else None)
    notes = [f"2ª via enviada: {i.ref}" for i in payable] + \
            [f"título {i.ref} já pago; beneficiário informado" for i in paid]
    if overdue:
        return _overdue(turn, overdue, notes)
    _close(turn, "; ".join(notes))
    if offer:
        turn.remember(email_copy=[_media(i, b) for i, b in bills])
    if another:
        _offer_another(turn, listed)
    elif offer:
        turn.remember(another_until=(clock.now() + timedelta(minutes=ANOTHER_CHOICE_MINUTES)).isoformat())
        turn.goto("email_copy")
    else:
        turn.end()


def _bill_of(turn: Turn, item: Item) -> Bill:
    return item.bill if item.bill is not None else turn.registry.bill_for_title(item.title.ref)


def _media(item: Item, bill: Bill) -> dict:
    filename = render("boleto/filename", title=item.title) if item.title else \
        render("negotiation/boleto_filename", agreement_id=item.agreement_id, kind=item.agreement_kind,
               number=item.number)
    return {"kind": "bill", "ref": bill.ref, "filename": filename}


def _send_bill(turn: Turn, item: Item, bill: Bill, another: int | None = None,
               email_offer: str | None = None) -> None:
    """`another`: the number of a bill still on the list, for "precisa de outro?";
    `email_offer`: the masked address on file, for "quer receber por e-mail?"."""
    turn.say_media("boleto/bill", media=[_media(item, bill)],
                   bill=bill, title=item.title, linha=format_linha(bill.linha_digitavel),
                   another=another, another_minutes=ANOTHER_CHOICE_MINUTES,
                   email_offer=email_offer)


@flow.state("email_copy")
def email_copy(turn: Turn) -> None:
    """Right after the bill: "sim"/"e-mail" sends the PDF to the address on file, for a
    few minutes; anything else is a fresh message."""
    if clock.now() < _until(turn) and email_copy_rules.wanted(turn):
        return email_copy_rules.send(turn)
    turn.end()
    handle_idle(turn)


def _close(turn: Turn, note: str) -> None:
    """Concluded now; a later pick from the same list adds its own note to the protocol."""
    number = turn.data.get("protocol") or turn.data.get("closed_protocol")
    protocol = protocols.by_number(turn.session, number) if number else None
    if protocol is not None:
        protocols.set_status(protocol, "concluido", note)


def _offer_another(turn: Turn, listed: list[Item]) -> None:
    # The protocol is settled: kept under another key so an idle expiry of this short
    # extra choice never marks it "expirado".
    number = turn.data.get("protocol") or turn.data.get("closed_protocol")
    turn.forget("protocol")
    turn.remember(items=[i.key for i in listed], closed_protocol=number,
                  another_until=(clock.now() + timedelta(minutes=ANOTHER_CHOICE_MINUTES)).isoformat())
    turn.goto("another")


def _overdue(turn: Turn, overdue: list[Item], notes: list[str]) -> None:
    can_negotiate = "negociacao" in turn.journeys
    titles = [i.title for i in overdue if i.title]
    turn.say("boleto/overdue", titles=[{"t": t, "days": t.days_overdue(turn.today)} for t in titles],
             boletos=[i.bill for i in overdue if i.bill], can_negotiate=can_negotiate,
             discount=can_negotiate and _negotiation_discounts(turn, titles))
    notes += [f"título {t.ref} vencido; orientado a negociar" for t in titles]
    notes += [f"{i.ref} vencido; orientado à negociação" for i in overdue if i.bill]
    _close(turn, "; ".join(notes))
    turn.forget("protocol", "closed_protocol")
    if can_negotiate:
        turn.goto("offer_negotiation")
    else:
        turn.end()


def _negotiation_discounts(turn: Turn, titles: list[TitleInfo]) -> bool:
    """Whether the negotiation of these titles would offer any discount (their band and
    their interest and fine decide), so the invitation never promises one that is not
    there. The negotiation takes every overdue title of the same code together."""
    if not titles:
        return False
    rules = negotiation_rules.of(turn.runtime)
    codes = {t.code for t in titles}
    overdue = [t for t in turn.registry.titles(turn.conversation.beneficiary_ref)
               if t.is_overdue(turn.today) and t.code in codes]
    best = [cash_offer(group, turn.today, rules, step=99) for group in group_agreements(overdue)]
    return any(offer.discount > 0 for offer in best)


NEGOTIATE_YES = frozenset({"quero", "1", "negociar", "quero sim", "vamos", "bora", "pode"})
NEGOTIATE_NO = frozenset({"agora nao", "2", "depois", "deixa pra depois", "deixa para depois",
                          "nao quero", "outra hora", "mais tarde"})


@flow.state("offer_negotiation")
def offer_negotiation(turn: Turn) -> None:
    norm = turn.norm.strip(" .!")
    answer = True if norm in NEGOTIATE_YES else False if norm in NEGOTIATE_NO else \
        intents.yes_no(turn.text, extra_yes=NEGOTIATE_YES)
    if answer is True:
        turn.end()
        turn.start_flow("negociacao")
    elif answer is False:
        turn.end()
        turn.say("boleto/no_negotiation")
    elif _asks_for_this_journey(turn):
        # "2a via", "quero outro boleto": another bill of the list, not an answer to this.
        turn.goto("choose")
        choose(turn)
    else:
        turn.retry("boleto/negotiate_yes_no")
