"""Issue 11: "a entrada mínima é de R$ 102,50" followed by "Entrada de *R$ 102,51*". One
rounding rule: installments are equal and rounded to the centavo (down for an entrada
the bot chooses, up for one the person names, so it is never exceeded), the entrada
takes the centavos left. The minimum entrada the bot states is the entrada of the plan it
shows with it, computed by that same rule — and said back, it gives that same plan."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.flows.negotiation.plans import Plan, installment_plan, plan_range
from bot.flows.negotiation.refusal import Refusal
from bot.flows.negotiation.rules_file import RULES_DIR, load_rules
from bot.flows.negotiation.titles import Title

from ...conftest import MARIA

ROBERTO = "+5567999990004"  # code 002, R$ 1.408,25; 150 and 180 days overdue
RULES = load_rules(RULES_DIR / "demo.yaml")
TODAY = date(2026, 11, 24)


def _minimum_and_entrada(reply: str) -> tuple[str, str]:
    minimum = re.search(r"a entrada mínima é de (R\$ \d[\d.]*,\d\d)", reply).group(1)
    shown = re.search(r"Entrada de \*(R\$ \d[\d.]*,\d\d)\*", reply).group(1)
    return minimum, shown


def test_the_rules_minimum_said_back_gets_the_minimum_shown_and_that_one_is_accepted(wa):
    wa.say(MARIA, "quero negociar")
    wa.say(MARIA, "116")  # R$ 502,97
    reply = wa.say(MARIA, "entrada de 102,50")[0]  # R$ 100,00 + the boleto's R$ 2,50
    assert _minimum_and_entrada(reply) == ("R$ 102,52", "R$ 102,52")
    assert "com 5 parcelas, a entrada mínima é de R$ 102,52" in reply
    again = wa.say(MARIA, "entrada de 102,52")[0]
    assert again.startswith("Fica assim:") and "Entrada de *R$ 102,52*" in again


def test_a_minimum_above_the_rules_one_is_the_entrada_shown(wa):
    wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530")
    reply = wa.say(ROBERTO, "entrada de 100")[0]
    minimum, shown = _minimum_and_entrada(reply)
    assert minimum == shown == "R$ 143,37"  # 9x: the entrada must be above each installment
    again = wa.say(ROBERTO, f"entrada de {minimum}")[0]
    assert again.startswith("Fica assim:") and f"Entrada de *{minimum}*" in again


def _title(principal: D, days: int, code: str) -> list[Title]:
    due = TODAY - timedelta(days=days)
    return [Title(code, "x", due.replace(day=1), due, principal, D("0"), D("0"), 1)]


@hsettings(max_examples=300, deadline=None)
@given(st.decimals(D("150"), D("9000"), places=2), st.integers(0, 800),
       st.sampled_from(["001", "050"]), st.one_of(st.none(), st.integers(1, 14)),
       st.decimals(D("0"), D("200"), places=2))
def test_every_stated_minimum_is_the_nearest_plans_entrada_and_gives_it_back(principal, days, code, n, said):
    titles = _title(principal, days, code)
    result = installment_plan(titles, TODAY, RULES, installments=n, entrada=said)
    if not isinstance(result, Refusal) or result.reason != "min_entrada":
        return
    nearest = result.nearest
    assert isinstance(nearest, Plan) and result.limit == nearest.entrada
    back = installment_plan(titles, TODAY, RULES, installments=nearest.installments,
                            entrada=nearest.entrada_amount)
    assert back == nearest  # the minimum said back is exactly the plan shown


@hsettings(max_examples=300, deadline=None)
@given(st.decimals(D("100"), D("9000"), places=2), st.integers(0, 800), st.sampled_from(["001", "050"]))
def test_the_smallest_entrada_a_debt_allows_is_accepted_as_said(principal, days, code):
    titles = _title(principal, days, code)
    allows = plan_range(titles, TODAY, RULES)
    if not allows.longest:
        assert isinstance(installment_plan(titles, TODAY, RULES), Refusal)
        return
    plan = installment_plan(titles, TODAY, RULES, entrada=allows.smallest_entrada)
    assert isinstance(plan, Plan) and plan.entrada_amount == allows.smallest_entrada
    assert installment_plan(titles, TODAY, RULES, installments=allows.longest).installments == allows.longest
    assert allows.longest == RULES.max_installments(code) or isinstance(
        installment_plan(titles, TODAY, RULES, installments=allows.longest + 1), Refusal)
    for entrada in allows.entradas:  # the round examples the texts may give
        assert isinstance(installment_plan(titles, TODAY, RULES, entrada=entrada), Plan)
