"""The collection rules of the debt-negotiation journey, pure functions in one import.

Everything that varies between portfolios is data (config/negotiation/*.yaml, validated
in `rules_file`); everything else is arithmetic on Decimal, rounded to centavos
explicitly (`centavos`). The conversation (flow.py and its modules) only asks these
functions and words the answers. The rules live in small modules beside this one:

- `rules_file`: the rules file's model and loading (`load_rules`, `of`, `RulesError`);
- `titles`: titles, one agreement per code, discount bands, each title's share;
- `due_dates`: the due-date window, the first offer's date, dates asked for in words;
- `cash`: the cash offer and its discount ladder;
- `plans`: installment plans, their minimums and rounding, the nearest valid plan;
- `refusal`: what a request outside the rules gets;
- `agreement_status`: where an active agreement stands (ATZ, overdue, broken);
- `language.parse_installment_request`: payment requests read from free text.

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

from bot.flows.negotiation.agreement_status import agreement_action, next_unpaid
from bot.flows.negotiation.cash import CashOffer, Offer, cash_ladder, cash_offer, cash_offers
from bot.flows.negotiation.centavos import CENT, HUNDRED, ZERO, cents
from bot.flows.negotiation.due_dates import (
    add_months,
    default_due_date,
    due_date_for,
    first_due_date,
    requested_due_date,
)
from bot.flows.negotiation.language import InstallmentRequest, parse_installment_request
from bot.flows.negotiation.plans import Boleto, Plan, installment_plan, installments_pct
from bot.flows.negotiation.refusal import Refusal
from bot.flows.negotiation.rules_file import (
    PLACEHOLDERS,
    RULES_DIR,
    Band,
    NegotiationRules,
    RulesError,
    TitleCode,
    default_rules_path,
    load_rules,
    of,
)
from bot.flows.negotiation.titles import (
    Title,
    TitleLine,
    days_overdue,
    discount_band,
    group_agreements,
)

__all__ = [
    "CENT", "HUNDRED", "PLACEHOLDERS", "RULES_DIR", "ZERO", "Band", "Boleto", "CashOffer",
    "InstallmentRequest", "NegotiationRules", "Offer", "Plan", "Refusal", "RulesError",
    "Title", "TitleCode", "TitleLine", "add_months", "agreement_action", "cash_ladder",
    "cash_offer", "cash_offers", "cents", "days_overdue", "default_due_date",
    "default_rules_path", "discount_band", "due_date_for", "first_due_date",
    "group_agreements", "installment_plan", "installments_pct", "load_rules", "next_unpaid",
    "of", "parse_installment_request", "requested_due_date",
]
