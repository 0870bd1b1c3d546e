"""What the protocol and the supervisor are told of the case: the titles, the offer on
the table, the agreements closed — from the conversation's data."""
from __future__ import annotations

from datetime import date

from bot.engine import Turn
from bot.flows.negotiation.offers import (
    plan_again,
)
from bot.flows.negotiation.plans import Plan
from bot.flows.negotiation.titles import days_overdue
from bot.language.formatting import brdate, money


def case_context(turn: Turn) -> dict:
    titles = [turn.registry.title(ref) for group in turn.data.get("groups", []) for ref in group]
    case = {"message": turn.text[:500], "titles": [
        {"ref": t.ref, "code": t.code, "description": t.description,
         "competence": t.competence.isoformat(), "due_date": t.due_date.isoformat(),
         "days_overdue": days_overdue(t, turn.today), "amount": str(t.amount)} for t in titles]}
    offer = _offer_on_table(turn)
    if offer:
        case["offer"] = offer
    return case


def _offer_on_table(turn: Turn, *, recompute: bool = True) -> dict | None:
    """The last offer shown, as quoted. A plan quoted before its amounts were kept in the
    conversation is recomputed (registry) only when `recompute`."""
    pending = turn.data.get("pending")
    if not pending:
        return None
    offer = {"kind": pending["kind"], "total": pending["total"], "due": pending["due"]}
    if pending["kind"] != "cash":
        offer.update(n=pending["n"])
        if "installment" in pending:
            offer.update(entrada=pending["entrada_amount"], installment=pending["installment"])
        elif recompute:
            plan = plan_again(turn, pending)
            if isinstance(plan, Plan):
                offer.update(entrada=str(plan.entrada_amount), installment=str(plan.installment_amount))
    return offer


def left_with_offer(turn: Turn) -> str | tuple[str, str] | None:
    """The history note when the person leaves (sair, tchau, idle, another journey) after
    an offer was shown: a conciliador calling back knows what was on the table. From the
    conversation's data only: leaving must work with the registry down. Agreements already
    closed in this contact (one code done, the next under way) make the protocol `acordo`,
    not cancelled: their boletos are out."""
    offer = _offer_on_table(turn, recompute=False)
    note = None
    if offer is not None:
        codes = turn.data.get("codes") or []
        group = turn.data.get("group", 0)
        code = f" (código {codes[group]})" if group < len(codes) else ""
        note = f"última proposta apresentada{code}: {offer_text(offer)}"
    done = turn.data.get("agreement_ids") or []
    if done:
        closed = agreements_note(done)
        return "acordo", f"{closed}; {note}" if note else closed
    return note


def agreements_note(ids: list[int]) -> str:
    return "acordos: " + ", ".join(str(i) for i in ids)


def offer_text(offer: dict) -> str:
    due = date.fromisoformat(offer["due"])
    if offer["kind"] == "cash":
        return f"à vista {money(offer['total'])}, venc. {brdate(due)}"
    parts = f"entrada {money(offer['entrada'])} + {offer['n']}x {money(offer['installment'])}" \
        if "entrada" in offer else f"entrada + {offer['n']}x"
    return f"{parts} (total {money(offer['total'])}), venc. {brdate(due)}"


def case_text(case: dict) -> str:
    titles = "; ".join(
        f"{t['code']} {t['description']} competência {date.fromisoformat(t['competence']):%m/%Y}, "
        f"{t['days_overdue']} dias em atraso, {money(t['amount'])}" for t in case["titles"])
    offer = case.get("offer")
    return f"Títulos: {titles}." + (f" Proposta na mesa: {offer_text(offer)}." if offer else "")
