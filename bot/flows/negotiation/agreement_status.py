"""Where an active agreement stands (paid, payable, to reissue (ATZ), overdue, broken),
from its boletos' due dates: pure, used by agreements.py."""
from __future__ import annotations

from datetime import date

from bot.flows.negotiation.rules_file import NegotiationRules


def next_unpaid(boletos, paid_refs) -> dict | None:
    """The first boleto (by number) whose bill is not in `paid_refs`; None = all paid."""
    for boleto in sorted(boletos, key=lambda b: b["number"]):
        if boleto["bill_ref"] not in paid_refs:
            return boleto
    return None


def agreement_action(next_due: date | None, reissues: int, today: date,
                     rules: NegotiationRules) -> str:
    """What a contact (or the daily check) does with an active agreement, given the due
    date of its next unpaid boleto and how often that boleto was reissued already:
    paid: nothing left to pay | broken: overdue beyond agreement_break_after_days, the
    titles are open again | reissue: past due by 1..atz_window_days and reissues left
    (ATZ) | overdue: overdue, but neither reissuable nor broken yet (a person decides) |
    active: not yet due, or due today (still payable: the person is told about it and
    the same boleto is sent again — reissuing a valid boleto would only add one to pay
    attention to and spend a reissue)."""
    if next_due is None:
        return "paid"
    late = (today - next_due).days
    if late > rules.agreement_break_after_days:
        return "broken"
    if 0 < late <= rules.atz_window_days and reissues < rules.atz_max_reissues:
        return "reissue"
    return "overdue" if late > 0 else "active"
