"""The collection rules of the debt-negotiation journey, as a pure module.

Everything that varies between portfolios is data (config/negotiation/*.yaml, validated
here); everything here is arithmetic on Decimal, rounded to centavos explicitly. The
conversation (bot/flows/negotiation.py) only asks these functions and words the answers.
Titles are duck-typed: anything with code, due_date, principal, interest and fine (the
registry's TitleInfo, or `Title` below).

Readings of the script (seed 004) we took:
- One agreement = the titles of one code (`group_agreements`); every builder refuses a
  mixed list, so "different codes, different negotiations" cannot be broken by accident.
- Discount band = the band of the title with the FEWEST days overdue in the agreement
  (`discount_band_scope: agreement`, the default: different codes are separate
  negotiations and the script's rule applies within a negotiation). With
  `discount_band_scope: contact` the fewest-days title is taken over every title the
  person negotiates in the same contact, whatever its code.
- Cash discounts are worked gradually (`cash_ladder`): step 0 is the full amount; each
  further step grants the next thing the band allows; past the last step nothing more.
- One ladder for both ways of paying (`cash_ladder`, "trabalhe o desconto de forma
  gradativa"): at step k a plan gets the interest+fine discount of cash step k, capped at
  the band's installments percentage, and never a principal discount (the rules file
  cannot even express one). So at every step the cash offer is the cheapest way to pay
  ("the cash discount is the maximum"): a plan quoted at step k always totals at least the
  cash offer at step k, and asking for installments never unlocks a discount that cash
  has not reached. A band whose installments percentage exceeds its cash one is refused.
- The minimums (entrada ≥ R$ 100,00, installment ≥ R$ 75,00, entrada > installment)
  apply to the negotiated values; the R$ 2,50 added to every boleto comes on top of them,
  so a plan obeys the minimums under either reading of the script.
- Rounding: percentages are rounded ROUND_HALF_UP on the agreement's totals. In a plan
  every installment has the same value and the entrada absorbs the remaining centavos, so
  the boletos add up exactly to the financed amount and the entrada stays the largest
  boleto. An entrada the PERSON names ("só consigo dar 150") is what they can pay: the
  entrada boleto, R$ 2,50 included, never exceeds it — the installments are rounded UP to
  the centavo, so the entrada lands at most a few centavos below the amount said. An
  entrada the bot chooses (even split, the smallest valid one) rounds the installments
  DOWN instead, so it never falls below the minimum it was computed from.
- Person-facing money limits (minimum entrada, minimum installment) are told with the
  R$ 2,50 included, like every amount the person sees; the rules file holds them without.
- ATZ ("atualização"): "para acordos recentes feito pela Portes com vencimento até 5
  dias, realizar um ATZ" read as an active agreement of ours whose NEXT UNPAID boleto
  expired at most `atz_window_days` ago (1..5 days past due): a boleto to update, not a
  debt to negotiate again. A boleto not yet due (or due today) is still payable, so it
  is sent again as it is, never reissued. Each boleto is reissued at most `atz_max_reissues` times (the
  superseded bill is cancelled); an agreement whose next unpaid boleto is more than
  `agreement_break_after_days` overdue is broken and its titles are open again.
"""
from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from text_to_num import alpha2digit

from bot.language.dates import parse_date_request
from bot.language.text import normalize
from bot.platform.calendar import is_business_day
from bot.platform.config import ROOT, ConfigurationError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def cents(value) -> Decimal:
    return Decimal(str(value) if isinstance(value, float) else value).quantize(CENT, rounding=ROUND_HALF_UP)


# -- the rules file ----------------------------------------------------------------------
class RulesError(ConfigurationError):
    """An invalid rules file: the message names the file and the field."""

    setting = "NEGOTIATION_RULES_FILE"


def of(runtime) -> "NegotiationRules":
    """The deployment's rules, loaded once per process (NEGOTIATION_RULES_FILE)."""
    return runtime.resource("negotiation_rules", load_rules)


Pct = Annotated[Decimal, Field(ge=0, le=100)]
Money = Annotated[Decimal, Field(ge=0, decimal_places=2)]
PLACEHOLDERS = ("phone", "operator", "collector")


class Band(BaseModel):
    """Days overdue [min_days, max_days] (max_days None = open-ended) and its discounts.
    There is deliberately no installments principal field: extra keys are refused."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_days: int = Field(ge=0)
    max_days: int | None = Field(default=None, ge=0)
    cash_interest_fine_pct: Pct
    cash_principal_pct: Pct
    installments_interest_fine_pct: Pct


class TitleCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = Field(min_length=1)
    max_installments: int = Field(ge=1, le=60)  # after the entrada: "Entrada + 9x" -> 9


class NegotiationRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    operator_name: str = Field(min_length=1)
    collector_name: str = Field(min_length=1)
    plan_phone: str = Field(min_length=8)
    boleto_surcharge: Money
    max_due_days: int = Field(ge=0, le=60)
    min_entrada: Money
    min_installment: Money
    atz_window_days: int = Field(ge=0, le=60)
    # Added after the first rules files were written: documented defaults, so an
    # operator's older file keeps working (config/negotiation/cassems.yaml explains each).
    atz_max_reissues: int = Field(default=2, ge=0, le=12)
    agreement_break_after_days: int = Field(default=10, ge=0, le=365)
    discount_band_scope: Literal["agreement", "contact"] = "agreement"
    # Portuguese needs the plan's article: "da CASSEMS", "do Plano de Saúde Demo".
    operator_article: Literal["a", "o"] = "a"
    discount_bands: list[Band] = Field(min_length=1)
    title_codes: dict[str, TitleCode] = Field(min_length=1)
    non_blocking_codes: list[str] = []
    reports_to_credit_bureaus: bool
    phrases: dict[str, str]

    @field_validator("title_codes", "non_blocking_codes", mode="before")
    @classmethod
    def _codes_are_quoted(cls, value):
        # Unquoted, YAML reads 050 as the octal number 40 and 001 as 1: say so plainly.
        for code in (value.keys() if isinstance(value, dict) else value or []):
            if not isinstance(code, str):
                raise ValueError(f"code {code!r} must be a quoted 3-digit string, e.g. \"050\"")
        return value

    @field_validator("title_codes", "non_blocking_codes")
    @classmethod
    def _codes_have_three_digits(cls, codes):
        bad = [c for c in codes if not re.fullmatch(r"\d{3}", c)]
        if bad:
            raise ValueError(f"title codes must have 3 digits: {bad}")
        return codes

    @field_validator("discount_bands")
    @classmethod
    def _bands_cover_every_day_once(cls, bands: list[Band]) -> list[Band]:
        expected = 0
        for i, band in enumerate(bands):
            last = i == len(bands) - 1
            if band.min_days != expected:
                raise ValueError(f"discount_bands[{i}] must start at day {expected} (no gaps or overlaps)")
            if band.max_days is None and not last:
                raise ValueError(f"discount_bands[{i}]: only the last band is open-ended")
            if band.max_days is not None:
                if last:
                    raise ValueError("the last discount band must be open-ended (max_days: null)")
                if band.max_days < band.min_days:
                    raise ValueError(f"discount_bands[{i}]: max_days before min_days")
                expected = band.max_days + 1
        return bands

    @field_validator("phrases")
    @classmethod
    def _phrases_render(cls, phrases: dict[str, str]) -> dict[str, str]:
        if "{phone}" not in phrases.get("closing", ""):
            raise ValueError("phrases.closing (the mandatory closing sentence) is required and must contain {phone}")
        for name, text in phrases.items():
            try:  # a typo in a placeholder would otherwise crash mid-conversation
                text.format(**dict.fromkeys(PLACEHOLDERS, ""))
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"phrases.{name}: bad placeholder {exc}; allowed: "
                                 + ", ".join("{%s}" % p for p in PLACEHOLDERS)) from None
        return phrases

    @model_validator(mode="after")
    def _break_after_the_atz_window(self):
        # Otherwise a boleto overdue by a few days would be broken before it could be reissued.
        if self.agreement_break_after_days < self.atz_window_days:
            raise ValueError(f"agreement_break_after_days ({self.agreement_break_after_days}"
                             f"{', the default' if 'agreement_break_after_days' not in self.model_fields_set else ''}) "
                             "must be at least atz_window_days")
        return self

    @model_validator(mode="after")
    def _cash_discount_is_the_maximum(self):
        for i, band in enumerate(self.discount_bands):
            if band.installments_interest_fine_pct > band.cash_interest_fine_pct:
                raise ValueError(f"discount_bands[{i}]: installments_interest_fine_pct above "
                                 "cash_interest_fine_pct (the cash discount is the maximum)")
        return self

    @model_validator(mode="after")
    def _non_blocking_codes_known(self):
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

    @property
    def of_operator(self) -> str:
        """'da CASSEMS' / 'do Plano de Saúde Demo'."""
        return f"d{self.operator_article} {self.operator_name}"

    @property
    def the_operator(self) -> str:
        """'a CASSEMS' / 'o Plano de Saúde Demo'."""
        return f"{self.operator_article} {self.operator_name}"

    def phrase(self, name: str) -> str:
        return self.phrases[name].format(phone=self.plan_phone, operator=self.operator_name,
                                         collector=self.collector_name)

    def closing_phrase(self) -> str:
        return self.phrase("closing")


RULES_DIR = ROOT / "config" / "negotiation"


def default_rules_path() -> Path:
    """NEGOTIATION_RULES_FILE, else the demo operator's rules (like every other default
    setting, the demo's): a real deployment points it at its operator's file."""
    return Path(os.environ.get("NEGOTIATION_RULES_FILE", "").strip() or RULES_DIR / "demo.yaml")


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


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
        problems = "; ".join(f"{_where(err['loc'])}: {err['msg']}" for err in exc.errors())
        raise RulesError(f"{path}: invalid negotiation rules — {problems}") from exc


# -- titles and agreements ---------------------------------------------------------------
@dataclass(frozen=True)
class Title:
    code: str
    description: str
    competence: date
    due_date: date
    principal: Decimal
    interest: Decimal
    fine: Decimal
    id: str | int

    def __post_init__(self):
        for name in ("principal", "interest", "fine"):
            value = cents(getattr(self, name))
            if value < 0:
                raise ValueError(f"title {self.id}: {name} must not be negative")
            object.__setattr__(self, name, value)


def days_overdue(title, today: date) -> int:
    return max(0, (today - title.due_date).days)  # not yet due counts as 0


def group_agreements(titles) -> list[list]:
    """Same code → one agreement; different codes → separate agreements (by code)."""
    groups: dict[str, list] = {}
    for title in sorted(titles, key=lambda t: (t.code, t.due_date)):
        groups.setdefault(title.code, []).append(title)
    return [groups[code] for code in sorted(groups)]


def _one_agreement(titles) -> list:
    titles = list(titles)
    if not titles:
        raise ValueError("an agreement needs at least one title")
    if len({t.code for t in titles}) > 1:
        raise ValueError("titles of different codes are separate agreements: use group_agreements()")
    return titles


def discount_band(titles, today: date, rules: NegotiationRules, contact_titles=None) -> Band:
    """The band of the title with the FEWEST days overdue (the script's rule): among the
    agreement's titles, or among every title of the contact (`contact_titles`) when the
    rules file says `discount_band_scope: contact`."""
    titles = _one_agreement(titles)
    if rules.discount_band_scope == "contact" and contact_titles:
        titles = [*titles, *contact_titles]
    return rules.band_for(min(days_overdue(t, today) for t in titles))


def _share(amounts: list[Decimal], pct: Decimal) -> list[Decimal]:
    """pct% of each amount, adding up to pct% of the total rounded HALF_UP: each part is
    its exact share rounded down, the leftover centavos go one each to the largest cut-off
    fractions, so no title ever gets more than its exact share rounded up."""
    exact = [a * pct / HUNDRED for a in amounts]
    parts = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    leftover = int((cents(sum(exact, ZERO)) - sum(parts, ZERO)) / CENT)
    for i in sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])[:leftover]:
        parts[i] += CENT
    return parts


@dataclass(frozen=True)
class TitleLine:
    """One title's share of an agreement."""
    title: object
    original: Decimal  # principal + interest + fine
    interest_fine_discount: Decimal
    principal_discount: Decimal

    @property
    def discount(self) -> Decimal:
        return self.interest_fine_discount + self.principal_discount

    @property
    def to_pay(self) -> Decimal:  # without the boleto surcharge
        return self.original - self.discount


def _lines(titles, interest_fine_pct: Decimal, principal_pct: Decimal) -> tuple[TitleLine, ...]:
    principals = [cents(t.principal) for t in titles]
    extras = [cents(t.interest) + cents(t.fine) for t in titles]
    return tuple(TitleLine(t, p + x, xd, pd) for t, p, x, xd, pd in zip(
        titles, principals, extras, _share(extras, interest_fine_pct), _share(principals, principal_pct)))


# -- dates -------------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31/01 + 1 → 28/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_due_date(today: date, rules: NegotiationRules) -> date:
    """The latest due date the rules allow (today + max_due_days calendar days)."""
    return today + timedelta(days=rules.max_due_days)


def first_due_date(today: date, rules: NegotiationRules) -> date:
    """The due date of the first offer: the earliest a boleto issued now can sensibly have
    — the next business day (a boleto issued today may take until tomorrow to be
    registered and to reach the person, and one due on a weekend or national holiday is
    only payable on the next business day) — never beyond the window. The person may ask
    for any day up to `default_due_date`, so later days are a concession, like discounts."""
    latest = default_due_date(today, rules)
    day = today + timedelta(days=1)
    while day < latest and not is_business_day(day, None):
        day += timedelta(days=1)
    return min(day, latest)


@dataclass(frozen=True)
class Refusal:
    """A request the rules do not allow. reason is one of: max_installments (limit = max n
    for the code) | min_installment (limit = R$ minimum) | min_entrada (limit = R$ minimum)
    | entrada_not_greater (limit = the installment value) | installment_value (the
    installment asked for is below the longest plan's; limit = that value, with surcharge)
    | entrada_too_large (limit = the financed amount) | due_date (limit = the latest due date) | due_date_past (a date that
    has passed; limit = the latest due date) | too_small (no plan at all).
    Money limits are negotiated values, without the surcharge: the texts add it, as they
    do to every amount shown. nearest: the closest valid Plan, or None (cash only)."""
    reason: str
    limit: object = None
    nearest: Plan | None = None


def due_date_for(today: date, rules: NegotiationRules, *, day_of_month: int | None = None,
                 requested: date | int | None = None) -> date | Refusal:
    """The boleto's due date: by default the last allowed day (today + max_due_days); the
    person's date if it is within 0..max_due_days calendar days; a day of the month ("dia
    10", or an int `requested`) means the next such date from today on (today included)."""
    latest = default_due_date(today, rules)
    if isinstance(requested, int):
        day_of_month, requested = requested, None
    if day_of_month is not None:
        requested = None
        for ahead in range(2):  # this month or the next: anything later is beyond the window
            month_start = add_months(today.replace(day=1), ahead)
            if 1 <= day_of_month <= calendar.monthrange(month_start.year, month_start.month)[1]:
                candidate = month_start.replace(day=day_of_month)
                if candidate >= today:
                    requested = candidate
                    break
        if requested is None:
            return Refusal("due_date", limit=latest)
    if requested is None:
        return latest
    if not today <= requested <= latest:
        return Refusal("due_date", limit=latest)
    return requested


def requested_due_date(text: str, today: date, rules: NegotiationRules) -> date | Refusal | None:
    """The due date the person asks for in free text, checked against the window: a date,
    a Refusal (`due_date` beyond the window, `due_date_past` already gone), or None when
    the text names no date. "dia 10" / "dia 1º" is the next such day (`due_date_for`);
    "05/12", "sexta", "amanhã", "hoje", "até sexta" are read as the scheduling journey
    reads them (bot.language.dates), except that a dd/mm without year is the occurrence
    nearest to today ("20/11" on 24/11 is four days ago, not next year: nobody pays a
    debt a year ahead); a span ("semana que vem") gives its latest day within the window."""
    latest = default_due_date(today, rules)
    day = parse_installment_request(text).day
    if day is not None:
        return due_date_for(today, rules, day_of_month=day)
    asked = parse_date_request(text, today)
    if asked is None or (asked.from_on and asked.start == today and asked.end is None):
        return None  # no date, or only "o quanto antes": nothing to change
    start = asked.start
    if asked.in_past or _rolled_over_a_year(start, today):
        return Refusal("due_date_past", limit=latest)
    if start > latest:
        return Refusal("due_date", limit=latest)
    if asked.from_on or asked.end is None:
        return start
    return min(asked.end, latest)


def _rolled_over_a_year(day: date, today: date) -> bool:
    """A dd/mm without year that the scheduling reader moved to next year because it had
    passed this year (and is nearer to today in its past reading)."""
    try:
        before = day.replace(year=day.year - 1)
    except ValueError:  # 29/02
        return False
    return before < today and (today - before) < (day - today)


# -- cash --------------------------------------------------------------------------------
@dataclass(frozen=True)
class CashOffer:
    step: int
    max_step: int
    original: Decimal  # principal + interest + fine
    discount: Decimal
    total: Decimal  # what the person pays: original - discount + surcharge
    due_date: date
    surcharge: Decimal = ZERO
    lines: tuple[TitleLine, ...] = ()  # per-title breakdown; discounts add up to `discount`
    kind: str = "cash"

    @property
    def is_max_discount(self) -> bool:
        return self.step >= self.max_step

    @property
    def total_to_pay(self) -> Decimal:
        return self.total

    @property
    def breakdown(self) -> tuple[TitleLine, ...]:
        return self.lines


Offer = CashOffer


def cash_ladder(band: Band) -> list[tuple[Decimal, Decimal]]:
    """Discount steps (interest+fine %, principal %): first nothing, then the band's
    interest+fine discount, then also its principal discount — each step only if the band
    grants it, so a 0–90 band has the single step 0 and is at its maximum at once."""
    steps = [(Decimal(0), Decimal(0))]
    if band.cash_interest_fine_pct > 0:
        steps.append((band.cash_interest_fine_pct, Decimal(0)))
    if band.cash_principal_pct > 0:
        steps.append((band.cash_interest_fine_pct, band.cash_principal_pct))
    return steps


def cash_offer(titles, today: date, rules: NegotiationRules, *, step: int = 0,
               due: date | None = None, due_date: date | None = None,
               contact_titles=None) -> CashOffer:
    """The cash offer at `step` of the ladder (clamped: asking beyond the last step gives
    the maximum discount again). `due`/`due_date` come from `due_date_for`; one outside
    the window (e.g. kept from an old session) gives way to the default due date, so no
    offer ever breaks the 7-day rule."""
    titles = _one_agreement(titles)
    latest = default_due_date(today, rules)
    due = due or due_date
    due = due if due is not None and today <= due <= latest else latest
    ladder = cash_ladder(discount_band(titles, today, rules, contact_titles))
    step = max(0, min(step, len(ladder) - 1))
    lines = _lines(titles, *ladder[step])
    original = sum((x.original for x in lines), ZERO)
    discount = sum((x.discount for x in lines), ZERO)
    return CashOffer(step=step, max_step=len(ladder) - 1, original=original, discount=discount,
                     total=original - discount + rules.boleto_surcharge,
                     due_date=due,
                     surcharge=rules.boleto_surcharge, lines=lines)


cash_offers = cash_offer  # the name the design notes use


# -- installments ------------------------------------------------------------------------
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
    return _lines(titles, installments_pct(band, step), Decimal(0))


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
    titles = _one_agreement(titles)
    latest = default_due_date(today, rules)
    due = due or due_date or latest
    if not today <= due <= latest:
        fallback = installment_plan(titles, today, rules, installments=installments, entrada=entrada,
                                    contact_titles=contact_titles, step=step)
        return Refusal("due_date", limit=latest,
                       nearest=fallback if isinstance(fallback, Plan) else fallback.nearest)
    if installments is not None and installments < 1:
        raise ValueError("installments counts the boletos after the entrada: at least 1")
    max_n = rules.max_installments(titles[0].code)
    lines = _installment_lines(titles, today, rules, contact_titles, step)
    financed = sum((x.to_pay for x in lines), ZERO)
    asked = cents(entrada) if entrada is not None else None

    def build(n: int, cap: Decimal | None = None, at_least: Decimal | None = None) -> Plan:
        return _build(financed, n, due, rules, cap=cap, at_least=at_least,
                      discount=sum((x.discount for x in lines), ZERO), lines=lines)

    def valid(n: int, cap: Decimal | None = None, at_least: Decimal | None = None) -> Plan | None:
        if not 1 <= n <= max_n:
            return None
        plan = build(n, cap, at_least)
        return plan if _problem(plan, rules, max_n) is None else None

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
    limit = {"max_installments": max_n, "min_entrada": rules.min_entrada,
             "min_installment": rules.min_installment, "entrada_not_greater": plan.installment,
             "entrada_too_large": financed}[problem]
    return Refusal(problem, limit=limit,
                   nearest=_nearest(problem, installments, asked, max_n, financed, valid, rules))


def _nearest(problem, n, asked, max_n, financed, valid, rules) -> Plan | None:
    """The valid plan closest to what was asked, changing first what was refused:
    too many → the maximum n; installment too small → fewer installments; entrada too
    small → the smallest valid entrada; entrada not above the installments → more
    installments with the same entrada, else the smallest valid entrada; then any n,
    nearest first, with the person's entrada or an even split. None: cash only."""
    m = min(n, max_n)
    smallest = max(rules.min_entrada, (financed / (m + 1)).quantize(CENT, rounding=ROUND_DOWN) + CENT)
    # (n, the person's cap, an entrada of ours)
    first: list[tuple[int, Decimal | None, Decimal | None]] = {
        "max_installments": [(max_n, asked, None)],
        "min_installment": [(k, asked, None) for k in range(m - 1, 0, -1)],
        "min_entrada": [(m, None, smallest), (m, None, None)],
        "entrada_not_greater": [(k, asked, None) for k in range(m + 1, max_n + 1)]
        + [(m, None, smallest), (m, None, None)],
    }.get(problem, [])
    around = sorted(range(1, max_n + 1), key=lambda k: (abs(k - m), k))
    for k, cap, at_least in first + [(k, cap, None) for k in around for cap in (asked, None)]:
        plan = valid(k, cap, at_least)
        if plan is not None:
            return plan
    return None


# -- ATZ and the life of an agreement --------------------------------------------------------
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


# -- free text ---------------------------------------------------------------------------
@dataclass(frozen=True)
class InstallmentRequest:
    wants_installments: bool = False
    installments: int | None = None  # after the entrada, as in "entrada + 6x"
    entrada: Decimal | None = None
    day: int | None = None  # day of the month for the due date ("dia 10")
    wants_cash: bool = False
    installment_value: Decimal | None = None  # "80 por mês", "parcelas de 300": a boleto's value

    @property
    def empty(self) -> bool:
        return not (self.wants_installments or self.installments or self.entrada
                    or self.day or self.wants_cash)


_WORDS = {"uma": 1, "um": 1, "duas": 2, "dois": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
          "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12}
_COUNT = r"(\d{1,2}|" + "|".join(_WORDS) + r")"
_MONEY = r"(\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+[.,]\d{1,2}(?!\d)|\d+)"
_NOT_A_COUNT = r"(?!\d|[.,]\d| ?(?:x\b|vez|parcela|prestac|mes|por mes|ao mes))"
_N = [re.compile(rf"\b{_COUNT} ?(?:x\b|vez(?:es)?\b|parcelas?\b|prestac(?:oes|ao)\b|meses\b)"),
      re.compile(rf"\b(?:parcel|divid)\w* (?:em |por )?{_COUNT}\b{_NOT_A_COUNT}"),
      re.compile(rf"\b(?:resto|restante|saldo) (?:em |de )?{_COUNT}\b{_NOT_A_COUNT}")]
# Numbers written in words ("quinze vezes", "entrada de cento e cinquenta", "dia dez") are
# read as digits (text2num) before the patterns below. threshold=2 leaves a lone "um"/"uma"
# a word: it is mostly an article ("uma entrada de 200"); `_WORDS` reads it where it is a
# count ("uma parcela").
# "2 mil" (digits, then the word) is ours to read: text2num leaves the 2 and turns "mil"
# into 1000 on its own.
_THOUSANDS = re.compile(r"\b(\d{1,3}) mil\b")


def _digits_for_words(norm: str) -> str:
    norm = _THOUSANDS.sub(lambda m: str(int(m.group(1)) * 1000), norm)
    return alpha2digit(norm, "pt", threshold=2)


# "não quero parcelar", "não vou dividir": the person turns installments down.
_NO_INSTALLMENTS = re.compile(r"\bnao (?:\w+ ){0,2}(?:parcel|divid|prestac)")
_ENTRADA = [
    re.compile(rf"\bentrada (?:de |com |sendo )?(?:r )?{_MONEY}{_NOT_A_COUNT}"),
    re.compile(rf"(?:r )?{_MONEY} (?:reais )?(?:de|na|como|pra|para) (?:a )?entrada\b"),
    re.compile(rf"\b(?:dar|dou|posso dar|consigo dar) (?:r )?{_MONEY}{_NOT_A_COUNT}"),
]
# The installment the person can pay: "parcelas de 300", "80 por mês", "200 mensais".
_VALUE = [
    re.compile(rf"\b(?:parcelas?|prestac(?:oes|ao)) (?:de |de ate |de no maximo )?(?:r )?{_MONEY}{_NOT_A_COUNT}"),
    re.compile(rf"(?:\br )?\b{_MONEY} (?:reais )?(?:por mes|ao mes|mensais|mensal|por parcela|de parcela)\b"),
]
# "dia 10", "dia 1º" (normalized to "1o"/"1deg"), "dia primeiro"; not "dia 10/12".
_DAY = re.compile(r"\bdia (\d{1,2}|primeiro)(?:o|deg)?\b(?![/.-]\d)")


def _money(raw: str) -> Decimal:
    if "," in raw:  # 1.200,50
        return cents(Decimal(raw.replace(".", "").replace(",", ".")))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):  # 1.200
        return cents(Decimal(raw.replace(".", "")))
    return cents(Decimal(raw))


def parse_installment_request(text: str) -> InstallmentRequest:
    """'em 5x', 'parcelar', 'quanto fica em 10 vezes', 'só consigo dar 150 de entrada',
    'consigo pagar dia 10', 'entrada de R$ 200,00 e 6x', '12 parcelas', 'à vista'.
    A bare "1x"/"uma vez" is read as cash: people say it for a single payment."""
    norm = _digits_for_words(normalize(re.sub(r"(?i)r\$", " r ", text or "")))
    n = next((m for m in (p.search(norm) for p in _N) if m), None)
    count = (_WORDS.get(n.group(1)) or int(n.group(1))) if n else None
    entrada = next((_money(m.group(1)) for m in (p.search(norm) for p in _ENTRADA) if m), None)
    value = next((_money(m.group(1)) for m in (p.search(norm) for p in _VALUE) if m), None)
    day = _DAY.search(norm)
    day = (1 if day.group(1) == "primeiro" else int(day.group(1))) if day else None
    day = day if day and 1 <= day <= 31 else None
    cash = bool(re.search(r"\ba ?vista\b", norm))
    if _NO_INSTALLMENTS.search(norm):
        return InstallmentRequest(day=day, wants_cash=True)
    if count == 1 and entrada is None and not re.search(r"\bentrada\b", norm):
        count, cash = None, True  # "1x", "uma vez": a single payment; "entrada + 1x" is not
    if count == 0:
        count = None
    wants = bool(count or entrada or value or re.search(r"\bparcel|\bprestac|\bdivid", norm))
    return InstallmentRequest(wants_installments=wants, installments=count, entrada=entrada,
                              day=day, wants_cash=cash and not wants,
                              installment_value=value if value and not count else None)
