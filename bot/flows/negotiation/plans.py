"""Installment plans: entrada + n equal installments, the minimums, the rounding, and
the nearest valid plan when a request breaks a limit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from bot.flows.negotiation.cash import cash_ladder
from bot.flows.negotiation.centavos import CENT, ZERO, cents
from bot.flows.negotiation.due_dates import add_months, default_due_date
from bot.flows.negotiation.refusal import Refusal
from bot.flows.negotiation.rules_file import Band, NegotiationRules
from bot.flows.negotiation.titles import TitleLine, discount_band, one_agreement, title_lines


@dataclass(frozen=True)
class Boleto:
    number: int  # 0 = entrada, then 1..n
    due_date: date
    value: Decimal  # negotiated value (what the minimums are about)
    amount: Decimal  # value + surcharge: what the boleto charges and the person is told


@dataclass(frozen=True)
class Plan:
    financed: Decimal  # original - discount: what entrada + installments add up to
    discount: Decimal  # interest and fine only
    entrada: Decimal  # negotiated values, without the surcharge
    installments: int  # after the entrada
    installment: Decimal
    boletos: tuple[Boleto, ...]
    surcharge: Decimal = ZERO
    lines: tuple[TitleLine, ...] = ()
    kind: str = "installments"

    @property
    def original(self) -> Decimal:
        return self.financed + self.discount

    @property
    def total(self) -> Decimal:  # financed + surcharge × boletos
        return sum((b.amount for b in self.boletos), ZERO)

    total_to_pay = total

    @property
    def due_date(self) -> date:
        return self.boletos[0].due_date

    @property
    def entrada_amount(self) -> Decimal:
        return self.boletos[0].amount

    @property
    def installment_amount(self) -> Decimal:
        return self.boletos[1].amount


def installments_pct(band: Band, step: int | None) -> Decimal:
    """The interest+fine discount of a plan at `step` of the cash ladder: the cash step's,
    capped at the band's installments percentage (None: the band's maximum)."""
    if step is None:
        return band.installments_interest_fine_pct
    ladder = cash_ladder(band)
    return min(band.installments_interest_fine_pct, ladder[max(0, min(step, len(ladder) - 1))][0])


def _installment_lines(titles, today, rules, contact_titles=None, step=None) -> tuple[TitleLine, ...]:
    band = discount_band(titles, today, rules, contact_titles)
    return title_lines(titles, installments_pct(band, step), Decimal(0))


def _ceil_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_CEILING)


def _build(financed: Decimal, n: int, due: date, rules: NegotiationRules, *,
           cap: Decimal | None = None, at_least: Decimal | None = None, **extra) -> Plan:
    """A plan of n equal installments after the entrada. `cap`: the most the person said
    they can give as entrada (the boleto, surcharge included): the installments round UP
    so the entrada stays within it. `at_least`: an entrada of the bot's choosing, never
    rounded below. Neither: an even split, the entrada one centavo-step above the
    installments and never below the minimum entrada."""
    fee = rules.boleto_surcharge
    if cap is not None:
        installment = _ceil_cent((financed - (cap - fee)) / n)
    else:
        if at_least is None:
            installment = (financed / (n + 1)).quantize(CENT, rounding=ROUND_DOWN)
            if financed - installment * n == installment:
                installment -= CENT
            at_least = max(rules.min_entrada, financed - installment * n)
        installment = ((financed - at_least) / n).quantize(CENT, rounding=ROUND_DOWN)
    entrada = financed - installment * n  # the rounding centavos go to the entrada
    boletos = [Boleto(0, due, entrada, entrada + fee)]
    boletos += [Boleto(k, add_months(due, k), installment, installment + fee) for k in range(1, n + 1)]
    return Plan(financed, entrada=entrada, installments=n, installment=installment,
                boletos=tuple(boletos), surcharge=fee, **extra)


def _problem(plan: Plan, rules: NegotiationRules, max_n: int) -> str | None:
    if plan.installments > max_n:
        return "max_installments"
    if plan.entrada >= plan.financed or plan.installment <= 0:
        return "entrada_too_large"
    if plan.entrada < rules.min_entrada:
        return "min_entrada"
    if plan.installment < rules.min_installment:
        return "min_installment"
    if plan.entrada <= plan.installment:
        return "entrada_not_greater"
    return None


def _gt(plan: Plan) -> bool:
    return plan.entrada > plan.installment


@dataclass(frozen=True)
class _Plans:
    """The plans of one agreement at one discount step and due date."""
    financed: Decimal
    discount: Decimal
    lines: tuple[TitleLine, ...]
    due: date
    rules: NegotiationRules
    max_n: int

    def build(self, n: int, cap: Decimal | None = None, at_least: Decimal | None = None) -> Plan:
        return _build(self.financed, n, self.due, self.rules, cap=cap, at_least=at_least,
                      discount=self.discount, lines=self.lines)

    def valid(self, n: int, cap: Decimal | None = None, at_least: Decimal | None = None) -> Plan | None:
        if not 1 <= n <= self.max_n:
            return None
        plan = self.build(n, cap, at_least)
        return plan if _problem(plan, self.rules, self.max_n) is None else None

    def smallest_entrada(self, n: int) -> Plan | None:
        """The valid plan of n installments with the smallest entrada: the installments as
        large as the minimum entrada and "entrada above each installment" let them be
        (rounded down), the entrada taking the centavos left. None: no plan of n."""
        return self.valid(n, at_least=max(self.rules.min_entrada, (self.financed / (n + 1)).quantize(
            CENT, rounding=ROUND_DOWN) + CENT))


def _plans(titles, today: date, rules: NegotiationRules, due: date, contact_titles, step) -> _Plans:
    lines = _installment_lines(titles, today, rules, contact_titles, step)
    return _Plans(sum((x.to_pay for x in lines), ZERO), sum((x.discount for x in lines), ZERO),
                  lines, due, rules, rules.max_installments(titles[0].code))


def installment_plan(titles, today: date, rules: NegotiationRules, *,
                     installments: int | None = None, entrada: Decimal | None = None,
                     due: date | None = None, due_date: date | None = None,
                     contact_titles=None, step: int | None = None) -> Plan | Refusal:
    """The plan asked for, or a Refusal naming the limit and the nearest valid plan.

    installments: the number after the entrada (None → the longest valid plan);
    entrada: what the person says they can give (the entrada boleto never exceeds it;
    None → even split); due/due_date: the entrada's due date (None → today +
    max_due_days), installments monthly after it; step: the discount step reached in the
    conversation (`installments_pct`; None → the band's installments maximum)."""
    titles = one_agreement(titles)
    latest = default_due_date(today, rules)
    due = due or due_date or latest
    if not today <= due <= latest:
        fallback = installment_plan(titles, today, rules, installments=installments, entrada=entrada,
                                    contact_titles=contact_titles, step=step)
        return Refusal("due_date", limit=latest,
                       nearest=fallback if isinstance(fallback, Plan) else fallback.nearest)
    if installments is not None and installments < 1:
        raise ValueError("installments counts the boletos after the entrada: at least 1")
    plans = _plans(titles, today, rules, due, contact_titles, step)
    max_n, build, valid = plans.max_n, plans.build, plans.valid
    asked = cents(entrada) if entrada is not None else None

    if valid(1) is None:  # one installment, even split: the least any plan needs
        return Refusal("too_small", limit=rules.min_entrada + rules.min_installment)
    if installments is None:
        # The longest valid plan; if none fits this entrada, the first n where it is
        # above the installments, so the refusal names the limit that really bites.
        installments = next((n for n in range(max_n, 0, -1) if valid(n, asked)), None) or next(
            (n for n in range(1, max_n + 1) if _gt(build(n, asked))), max_n)
    plan = build(installments, asked)
    problem = _problem(plan, rules, max_n)
    if problem is None:
        return plan
    nearest = _nearest(problem, installments, asked, plans)
    limit = {"max_installments": max_n, "min_entrada": rules.min_entrada,
             "min_installment": rules.min_installment, "entrada_not_greater": plan.installment,
             "entrada_too_large": plans.financed}[problem]
    if problem == "min_entrada" and nearest is not None:
        # The minimum said is the entrada shown: the smallest one with that many
        # installments, rounded as every plan is (never "mínima de R$ 102,50" followed by
        # an entrada of R$ 102,52).
        limit = nearest.entrada
    return Refusal(problem, limit=limit, nearest=nearest)


def _nearest(problem, n, asked, plans: _Plans) -> Plan | None:
    """The valid plan closest to what was asked, changing first what was refused:
    too many → the maximum n; installment too small → fewer installments; entrada too
    small → the smallest valid entrada, with the same n, else the nearest n; entrada not
    above the installments → more installments with the same entrada, else the smallest
    valid entrada; then any n, nearest first, with the person's entrada or an even split.
    None: cash only."""
    max_n, valid = plans.max_n, plans.valid
    m = min(n, max_n)
    around = sorted(range(1, max_n + 1), key=lambda k: (abs(k - m), k))
    if problem == "min_entrada":
        return next((p for p in map(plans.smallest_entrada, around) if p is not None), None)
    smallest = max(plans.rules.min_entrada,
                   (plans.financed / (m + 1)).quantize(CENT, rounding=ROUND_DOWN) + CENT)
    # (n, the person's cap, an entrada of ours)
    first: list[tuple[int, Decimal | None, Decimal | None]] = {
        "max_installments": [(max_n, asked, None)],
        "min_installment": [(k, asked, None) for k in range(m - 1, 0, -1)],
        "entrada_not_greater": [(k, asked, None) for k in range(m + 1, max_n + 1)]
        + [(m, None, smallest), (m, None, None)],
    }.get(problem, [])
    for k, cap, at_least in first + [(k, cap, None) for k in around for cap in (asked, None)]:
        plan = valid(k, cap, at_least)
        if plan is not None:
            return plan
    return None


@dataclass(frozen=True)
class PlanRange:
    """What installment plans a debt allows at a discount step, for the texts that
    suggest one: never "até entrada + 9x" or "em 6x" on a debt that cannot have them."""
    longest: int  # installments after the entrada of the longest valid plan; 0: none at all
    smallest_entrada: Decimal | None  # the smallest entrada boleto of any valid plan
    entradas: tuple[Decimal, ...] = ()  # round entradas (boletos) that give a valid plan

    def installments_example(self, prefer: int, besides: int | None = None) -> int | None:
        """`prefer` when this debt allows it (and it is not `besides`), else the nearest
        number of installments that it does; None when there is none."""
        options = [n for n in range(1, self.longest + 1) if n != besides]
        return min(options, key=lambda n: (abs(n - prefer), -n)) if options else None

    def entrada_example(self, prefer: Decimal) -> Decimal | None:
        prefer = Decimal(prefer)
        return prefer if prefer in self.entradas else next(iter(self.entradas), None)


ROUND_ENTRADAS = tuple(Decimal(v) for v in (150, 200, 300, 500, 1000, 2000, 5000))


def plan_range(titles, today: date, rules: NegotiationRules, *, due: date | None = None,
               contact_titles=None, step: int | None = None) -> PlanRange:
    titles = one_agreement(titles)
    plans = _plans(titles, today, rules, due or default_due_date(today, rules), contact_titles, step)
    longest = next((n for n in range(plans.max_n, 0, -1) if plans.valid(n)), 0)
    if not longest:
        return PlanRange(0, None)
    smallest = min((p for p in map(plans.smallest_entrada, range(1, plans.max_n + 1)) if p),
                   key=lambda p: (p.entrada, -p.installments))
    fee = rules.boleto_surcharge
    entradas = tuple(e for e in ROUND_ENTRADAS if e >= smallest.entrada_amount and any(
        plans.valid(n, e) for n in range(plans.max_n, 0, -1)))
    return PlanRange(longest, smallest.entrada + fee, entradas)
