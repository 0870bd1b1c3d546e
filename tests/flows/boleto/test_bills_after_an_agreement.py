"""2ª via after an agreement: its open boletos are offered, negotiated titles are not."""
from __future__ import annotations

from sqlalchemy import select, update

from storage.db import transaction
from storage.models import Agreement, FinancialTitle

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _agreement_by_whatsapp(wa, plan="em 3x"):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    wa.say(ROBERTO, "tá caro")  # interest and fine waived, for the plan too
    wa.say(ROBERTO, plan)
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    wa.say(ROBERTO, "menu")


def _agreement(rt):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Agreement)).one()


def _numbered(listing: str) -> list[str]:
    return [line for line in listing.splitlines() if line[:1].isdigit() and ". " in line[:4]]


# -- 7a: the agreement's boletos -----------------------------------------------------------------
def test_after_an_agreement_its_open_boletos_are_in_the_second_copy(wa, rt, twilio):
    _agreement_by_whatsapp(wa)
    agreement = _agreement(rt)
    listing = wa.say(ROBERTO, "2a via")[0]
    lines = _numbered(listing)
    assert lines[0] == f"1. Acordo {agreement.id} – título 002 – entrada – R$ 330,03 – vence 25/11/2026"
    assert lines[1].startswith(f"2. Acordo {agreement.id} – título 002 – parcela 1/3 – ")
    assert "vence 25/12/2026" in lines[1] and len(lines) == 4
    assert "Contribuição Plano Especial" not in listing  # the negotiated titles: not bills to pay
    bill = wa.say(ROBERTO, "1")[0]
    assert f"*Acordo {agreement.id} – título 002 – entrada*" in bill and "Linha digitável" in bill
    assert twilio.created[-1]["MediaUrl"].endswith(f"/boleto-acordo-{agreement.id}-entrada.pdf")


def test_negotiated_titles_the_operator_still_reports_open_are_not_offered_again(wa, rt):
    _agreement_by_whatsapp(wa)
    with transaction(rt.sessions) as s:  # an operator system that does not mark them
        s.execute(update(FinancialTitle).where(FinancialTitle.code == "002").values(status="open"))
    listing = wa.say(ROBERTO, "2a via")[0]
    assert "(vencido)" not in listing and "Contribuição Plano Especial" not in listing
    wa.say(ROBERTO, "menu")
    again = "\n".join(wa.say(ROBERTO, "quero negociar"))
    assert "acordo em andamento" in again and "Encontrei estes títulos" not in again

