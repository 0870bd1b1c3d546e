"""The collection rules of the debt-negotiation journey, as a pure module.

Everything that varies between portfolios is data (config/negotiation/*.yaml, validated
here); everything here is arithmetic on Decimal, rounded to centavos explicitly. The
conversation (bot/flows/negotiation.py) only asks these functions and words the answers.

Readings of the script we took (seed 004):
- The minimums (entrada ≥ R$ 100,00, installment ≥ R$ 75,00, entrada > installment) apply
  to the negotiated values; the R$ 2,50 added to every boleto comes on top of them.
- Installment rounding: every installment has the same value (rounded down to the
  centavo) and the entrada absorbs the remaining centavos, so the boletos add up exactly
  to the financed amount and the entrada stays the largest.
- ATZ: an active agreement of ours whose next due date is within `atz_window_days`
  (before or after today) is reissued with a new due date instead of a new agreement.
"""
from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.config import ROOT
from bot.text import normalize

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# -- the rules file ----------------------------------------------------------------------
class RulesError(Exception):
    """An invalid rules file: the message names the file and the field."""


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_days: int = Field(ge=0)
    max_days: int | None = Field(default=None, ge=0)
    cash_interest_fine_pct: Decimal = Field(ge=0, le=100)
    cash_principal_pct: Decimal = Field(ge=0, le=100)
    installments_interest_fine_pct: Decimal = Field(ge=0, le=100)


class TitleCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = Field(min_length=1)
    max_installments: int = Field(ge=1, le=60)


class NegotiationRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    operator_name: str = Field(min_length=1)
    collector_name: str = Field(min_length=1)
    plan_phone: str = Field(min_length=8)
    boleto_surcharge: Decimal = Field(ge=0)
    max_due_days: int = Field(ge=0, le=60)
    min_entrada: Decimal = Field(ge=0)
    min_installment: Decimal = Field(ge=0)
    atz_window_days: int = Field(ge=0, le=60)
    discount_bands: list[Band] = Field(min_length=1)
    title_codes: dict[str, TitleCode] = Field(min_length=1)
    non_blocking_codes: list[str] = []
    reports_to_credit_bureaus: bool
    phrases: dict[str, str]

    @field_validator("title_codes")
    @classmethod
    def _codes_have_three_digits(cls, codes: dict) -> dict:
        bad = [c for c in codes if not re.fullmatch(r"\d{3}", c)]
        if bad:
            raise ValueError(f"title codes must have 3 digits: {bad}")
        return codes

    @field_validator("phrases")
    @classmethod
    def _closing_phrase(cls, phrases: dict) -> dict:
        if "closing" not in phrases or "{phone}" not in phrases["closing"]:
            raise ValueError("phrases.closing is required and must contain {phone}")
        return phrases

    @model_validator(mode="after")
    def _bands_cover_every_day_once(self):
        expected = 0
        for i, band in enumerate(self.discount_bands):
            if band.min_days != expected:
                raise ValueError(f"discount_bands[{i}] must start at day {expected} (no gaps or overlaps)")
            last = i == len(self.discount_bands) - 1
            if band.max_days is None:
                if not last:
                    raise ValueError(f"discount_bands[{i}]: only the last band is open-ended")
            else:
                if band.max_days < band.min_days:
                    raise ValueError(f"discount_bands[{i}]: max_days before min_days")
                if last:
                    raise ValueError("the last discount band must be open-ended (max_days: null)")
                expected = band.max_days + 1
        unknown = [c for c in self.non_blocking_codes if c not in self.title_codes]
        if unknown:
            raise ValueError(f"non_blocking_codes not in title_codes: {unknown}")
        return self

    def band_for(self, days: int) -> Band:
        for band in self.discount_bands:
            if days >= band.min_days and (band.max_days is None or days <= band.max_days):
                return band
        raise AssertionError("validated bands cover every day")

    def max_installments(self, code: str) -> int:
        entry = self.title_codes.get(code)
        # An unknown code is negotiated in cash or with one installment until the operator
        # adds it to the table: the bot never invents a longer plan.
        return entry.max_installments if entry else 1

    def closing_phrase(self) -> str:
        return self.phrases["closing"].format(phone=self.plan_phone)


def default_rules_path() -> Path:
    return Path(os.environ.get("NEGOTIATION_RULES_FILE") or ROOT / "config" / "negotiation" / "cassems.yaml")


def load_rules(path: Path | str | None = None) -> NegotiationRules:
    path = Path(path or default_rules_path())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the negotiation rules ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise RulesError(f"{path}: expected a mapping of rules")
    try:
        return NegotiationRules.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}" for err in exc.errors()
        )
        raise RulesError(f"{path}: invalid negotiation rules — {problems}") from exc


# -- titles and agreements ---------------------------------------------------------------
def days_overdue(title, today: date) -> int:
    return max(0, (today - title.due_date).days)


def group_agreements(titles) -> list[list]:
    """Same code → one agreement; different codes → separate agreements (by code)."""
    groups: dict[str, list] = {}
    for title in sorted(titles, key=lambda t: (t.code, t.due_date)):
        groups.setdefault(title.code, []).append(title)
    return [groups[code] for code in sorted(groups)]


def discount_band(titles, today: date, rules: NegotiationRules) -> Band:
    """The band of the title with the FEWEST days overdue (the script's rule)."""
    return rules.band_for(min(days_overdue(t, today) for t in titles))


def _sums(titles) -> tuple[Decimal, Decimal]:
    principal = sum((Decimal(t.principal) for t in titles), Decimal(0))
    extras = sum((Decimal(t.interest) + Decimal(t.fine) for t in titles), Decimal(0))
    return cents(principal), cents(extras)


@dataclass(frozen=True)
class CashOffer:
    step: int
    max_step: int
    original: Decimal  # principal + interest + fine
    discount: Decimal
    total: Decimal  # what the person pays (surcharge included)
    due_date: date

    @property
    def is_max_discount(self) -> bool:
        return self.step >= self.max_step


def cash_ladder(band: Band) -> list[tuple[Decimal, Decimal]]:
    """Discount steps (interest+fine %, principal %): first none, then interest and fine,
    then the principal — each step only when the band grants it, never beyond it."""
    steps = [(Decimal(0), Decimal(0))]
    if band.cash_interest_fine_pct > 0:
        steps.append((band.cash_interest_fine_pct, Decimal(0)))
    if band.cash_principal_pct > 0:
        steps.append((band.cash_interest_fine_pct, band.cash_principal_pct))
    return steps


def cash_offer(titles, today: date, rules: NegotiationRules, *, step: int = 0,
               due: date | None = None) -> CashOffer:
    ladder = cash_ladder(discount_band(titles, today, rules))
    step = max(0, min(step, len(ladder) - 1))
    extras_pct, principal_pct = ladder[step]
    principal, extras = _sums(titles)
    discount = cents(extras * extras_pct / HUNDRED) + cents(principal * principal_pct / HUNDRED)
    original = principal + extras
    return CashOffer(step=step, max_step=len(ladder) - 1, original=original, discount=discount,
                     total=original - discount + rules.boleto_surcharge,
                     due_date=due or default_due_date(today, rules))


def financed_amount(titles, today: date, rules: NegotiationRules) -> tuple[Decimal, Decimal]:
    """(amount financed in installments, its discount): interest and fine only."""
    band = discount_band(titles, today, rules)
    principal, extras = _sums(titles)
    discount = cents(extras * band.installments_interest_fine_pct / HUNDRED)
    return principal + extras - discount, discount


@dataclass(frozen=True)
class Boleto:
    number: int  # 0 = entrada
    due_date: date
    value: Decimal  # negotiated value
    amount: Decimal  # value + surcharge: what the boleto charges


@dataclass(frozen=True)
class Plan:
    financed: Decimal
    discount: Decimal
    entrada: Decimal
    installments: int
    installment: Decimal
    boletos: tuple[Boleto, ...]

    @property
    def total(self) -> Decimal:
        return sum((b.amount for b in self.boletos), Decimal(0))

    @property
    def due_date(self) -> date:
        return self.boletos[0].due_date

    @property
    def entrada_amount(self) -> Decimal:
        return self.boletos[0].amount

    @property
    def installment_amount(self) -> Decimal:
        return self.boletos[1].amount


@dataclass(frozen=True)
class Refusal:
    reason: str  # max_installments | min_installment | min_entrada | entrada_not_greater |
    #              entrada_too_large | due_date | too_small
    limit: object = None
    nearest: Plan | None = None


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_due_date(today: date, rules: NegotiationRules) -> date:
    return today + timedelta(days=rules.max_due_days)


def due_date_for(today: date, rules: NegotiationRules, *, day_of_month: int | None = None,
                 requested: date | None = None) -> date | Refusal:
    """The boleto's due date: the person's day if it is within the allowed window."""
    if day_of_month is not None:
        requested = None
        for ahead in range(0, 2):
            index = today.month - 1 + ahead
            year, month = today.year + index // 12, index % 12 + 1
            if day_of_month <= calendar.monthrange(year, month)[1]:
                candidate = date(year, month, day_of_month)
                if candidate >= today:
                    requested = candidate
                    break
        if requested is None:
            return Refusal("due_date", limit=default_due_date(today, rules))
    if requested is None:
        return default_due_date(today, rules)
    if requested < today or requested > default_due_date(today, rules):
        return Refusal("due_date", limit=default_due_date(today, rules))
    return requested


def _build(financed: Decimal, discount: Decimal, n: int, entrada: Decimal | None,
           due: date, rules: NegotiationRules) -> Plan:
    if entrada is None:
        # Smallest entrada that is both above the minimum and above each installment.
        installment = (financed / (n + 1)).quantize(CENT, rounding=ROUND_DOWN)
        entrada = financed - installment * n
        if entrada == installment:
            installment -= CENT
            entrada = financed - installment * n
        if entrada < rules.min_entrada:
            entrada = rules.min_entrada
            installment = ((financed - entrada) / n).quantize(CENT, rounding=ROUND_DOWN)
            entrada = financed - installment * n
    else:
        installment = ((financed - entrada) / n).quantize(CENT, rounding=ROUND_DOWN)
        entrada = financed - installment * n  # the rounding centavos go to the entrada
    boletos = [Boleto(0, due, entrada, entrada + rules.boleto_surcharge)]
    boletos += [Boleto(k, add_months(due, k), installment, installment + rules.boleto_surcharge)
                for k in range(1, n + 1)]
    return Plan(financed, discount, entrada, n, installment, tuple(boletos))


def _problem(plan: Plan, financed: Decimal, rules: NegotiationRules, max_n: int) -> str | None:
    if plan.installments > max_n:
        return "max_installments"
    if plan.entrada >= financed or plan.installment <= 0:
        return "entrada_too_large"
    if plan.entrada < rules.min_entrada:
        return "min_entrada"
    if plan.installment < rules.min_installment:
        return "min_installment"
    if plan.entrada <= plan.installment:
        return "entrada_not_greater"
    return None


def installment_plan(titles, today: date, rules: NegotiationRules, *,
                     installments: int | None = None, entrada: Decimal | None = None,
                     due: date | None = None) -> Plan | Refusal:
    """The plan asked for, or a Refusal naming the limit and the nearest valid plan."""
    due = due or default_due_date(today, rules)
    if due < today or due > default_due_date(today, rules):
        return Refusal("due_date", limit=default_due_date(today, rules))
    code = titles[0].code
    max_n = rules.max_installments(code)
    financed, discount = financed_amount(titles, today, rules)
    entrada = cents(entrada) if entrada is not None else None
    n = installments or _longest_valid(financed, discount, entrada, due, rules, max_n) or 1
    if n < 1:
        return Refusal("min_installment", limit=rules.min_installment)
    plan = _build(financed, discount, n, entrada, due, rules)
    problem = _problem(plan, financed, rules, max_n)
    if problem is None:
        return plan
    return Refusal(problem, limit=_limit(problem, rules, max_n, plan, financed),
                   nearest=_nearest(problem, financed, discount, n, entrada, due, rules, max_n))


def _limit(problem: str, rules: NegotiationRules, max_n: int, plan: Plan, financed: Decimal):
    return {
        "max_installments": max_n, "min_entrada": rules.min_entrada,
        "min_installment": rules.min_installment, "entrada_not_greater": plan.installment,
        "entrada_too_large": financed,
    }.get(problem)


def _valid(financed, discount, n, entrada, due, rules, max_n) -> Plan | None:
    if n < 1:
        return None
    plan = _build(financed, discount, n, entrada, due, rules)
    return plan if _problem(plan, financed, rules, max_n) is None else None


def _longest_valid(financed, discount, entrada, due, rules, max_n) -> int | None:
    for n in range(max_n, 0, -1):
        if _valid(financed, discount, n, entrada, due, rules, max_n):
            return n
    return None


def _nearest(problem, financed, discount, n, entrada, due, rules, max_n) -> Plan | None:
    """The valid plan closest to what was asked: same n with a valid entrada, else the
    nearest number of installments (fewer first), else none (cash only)."""
    candidates: list[tuple[int, Decimal | None]] = []
    if entrada is not None:
        candidates.append((min(n, max_n), None))  # let the rules pick the entrada
        smallest = max(rules.min_entrada, (financed / (min(n, max_n) + 1)).quantize(CENT, rounding=ROUND_DOWN) + CENT)
        candidates.append((min(n, max_n), smallest))
    for m in list(range(min(n, max_n), 0, -1)) + list(range(min(n, max_n) + 1, max_n + 1)):
        candidates.append((m, entrada))
        candidates.append((m, None))
    for m, e in candidates:
        plan = _valid(financed, discount, m, e, due, rules, max_n)
        if plan is not None:
            return plan
    return None


# -- ATZ (reissue of a recent agreement) -------------------------------------------------
def find_reissue(agreements, today: date, rules: NegotiationRules):
    """The active agreement to reissue instead of negotiating again, if any.

    `agreements`: objects with `status` and `due_date` (next boleto due)."""
    window = timedelta(days=rules.atz_window_days)
    for agreement in sorted(agreements, key=lambda a: a.due_date):
        if agreement.status == "active" and today - window <= agreement.due_date <= today + window:
            return agreement
    return None


# -- free text ---------------------------------------------------------------------------
@dataclass(frozen=True)
class InstallmentRequest:
    wants_installments: bool = False
    installments: int | None = None
    entrada: Decimal | None = None
    day: int | None = None
    wants_cash: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.wants_installments or self.installments or self.entrada
                    or self.day or self.wants_cash)


_N = re.compile(r"\b(\d{1,2})\s*(?:x|vezes|parcelas?|prestacoes?|meses)\b")
_ENTRADA = [
    re.compile(r"entrada (?:de )?(?:r\$ ?)?(\d+(?:[.,]\d{1,2})?)"),
    re.compile(r"(?:r\$ ?)?(\d+(?:[.,]\d{1,2})?) (?:reais )?(?:de|na|como) entrada"),
    re.compile(r"(?:dar|dou|posso dar|consigo dar) (?:r\$ ?)?(\d+(?:[.,]\d{1,2})?)"),
]
_DAY = re.compile(r"\bdia (\d{1,2})\b")


def _money(raw: str) -> Decimal:
    raw = raw.replace(".", "").replace(",", ".") if "," in raw else raw
    return cents(Decimal(raw))


def parse_installment_request(text: str) -> InstallmentRequest:
    """'em 5x', 'parcelar', 'quanto fica em 10 vezes', 'só consigo dar 150 de entrada',
    'consigo pagar dia 10', 'entrada de R$ 200,00 e 6x', 'à vista'."""
    norm = normalize(re.sub(r"(?i)r\$", " ", text or ""))
    n = _N.search(norm)
    entrada = None
    for pattern in _ENTRADA:
        m = pattern.search(norm)
        if m:
            entrada = _money(m.group(1))
            break
    day = _DAY.search(norm)
    wants = bool(n or entrada or re.search(r"\bparcel|\bprestac|\bem vezes\b|\bdividir\b", norm))
    cash = bool(re.search(r"\ba vista\b|\bavista\b", norm))
    return InstallmentRequest(
        wants_installments=wants, installments=int(n.group(1)) if n else None,
        entrada=entrada, day=int(day.group(1)) if day else None, wants_cash=cash and not wants,
    )
