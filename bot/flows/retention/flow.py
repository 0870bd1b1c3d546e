"""Retenção da rede: a dentist's or clinic's messages about its request to leave.

The journey has no menu entry and no intents: it takes a message by WHO sent it (the
`claim` hook, run before any intent routing): a phone or e-mail of a provider with an
open case. So a provider's reply lands in its case and never in a beneficiary journey; a
dentist who is also a beneficiary is asked which subject it is. The bot acknowledges,
suggests a reason read from the text (the attendant confirms it), asks whether the clinic
would stay with the action configured for that reason, and hands the case to the
retention attendant. Any reply stops the outreach cadence (cadence.py, the due work).
"""
from __future__ import annotations

from datetime import timedelta

from bot.engine import Flow, Turn
from bot.engine.session import show_menu
from bot.flows.retention import cadence, cadence_rules, cases, reasons
from bot.flows.retention.vocabulary import AREAS, REASONS
from bot.language import choices, intents
from bot.registry.base import RegistryUnavailable
from storage.models import RetentionCase

flow = Flow("retencao", journey=None, needs_identity=False)
flow.due(cadence.run_cadence)

ROLE_CASE, ROLE_PLAN = "descredenciamento", "plano"


@flow.hook("claim")
def claim(turn: Turn) -> bool:
    c = turn.conversation
    if c.channel not in ("whatsapp", "email"):
        return False
    try:
        provider = turn.registry.dental_provider_by_contact(c.address)
    except RegistryUnavailable:
        return False  # the beneficiary side still works; the case hears of it next time
    case = cases.open_case_for(turn.session, provider.ref) if provider else None
    if case is None or _plan_chosen_recently(turn, case):
        return False
    turn.start_flow(flow.name, case_id=case.id)
    return True


@flow.on_entry
def start(turn: Turn) -> None:
    case = _case(turn)
    if turn.conversation.beneficiary_ref is not None:  # also one of our beneficiaries
        turn.say("retention/which_subject", case=case)
        return turn.goto("which")
    _take_reply(turn, case, turn.data.get("entry_text") or "")


@flow.state("which")
def which(turn: Turn) -> None:
    options = [ROLE_CASE, ROLE_PLAN]
    picked = choices.numbers(turn.text, 2)
    norm = turn.norm
    role = options[picked[0] - 1] if picked and len(picked) == 1 else \
        ROLE_PLAN if "plano" in norm else ROLE_CASE if "descredenci" in norm or "clinica" in norm else None
    if role is None:
        return turn.retry("retention/which_subject_again")
    case = _case(turn)
    if role == ROLE_PLAN:
        # For this session the person talks as a beneficiary: no claim until it lapses.
        case.plan_side_until = turn.now + timedelta(minutes=turn.settings.session_idle_minutes)
        turn.end()
        return show_menu(turn)
    _take_reply(turn, case, turn.data.get("entry_text") or "")


def _plan_chosen_recently(turn: Turn, case: RetentionCase) -> bool:
    return case.plan_side_until is not None and turn.now < case.plan_side_until


def _take_reply(turn: Turn, case: RetentionCase, text: str) -> None:
    """The first reply stops the cadence; every reply is acknowledged and read."""
    rules = cadence_rules.of(turn.runtime)
    first = case.replied_at is None
    if first:
        case.replied_at, case.reply_channel = turn.now, turn.conversation.channel
    if case.status == "open":
        case.status = "replied"
    suggestion = reasons.suggest(text)
    case.suggested_reason = suggestion or case.suggested_reason
    turn.remember(case_id=case.id)
    if not first and turn.data.get("asked_stay"):
        return _hand_over(turn, case, text, stays=None)
    offer = rules.stay_offers.get(case.suggested_reason or "", rules.stay_offers.get("default", "suporte"))
    turn.remember(offer=offer, asked_stay=True, reply_text=text[:500])
    turn.say("retention/acknowledge", case=case, reason=REASONS.get(case.suggested_reason or ""),
             offer=offer, areas=[AREAS[a] for a in case.areas if a in AREAS],
             last_day=rules.last_service_day(case.opened_on))
    turn.goto("stay")


@flow.state("stay")
def stay(turn: Turn) -> None:
    case = _case(turn)
    answer = intents.yes_no(turn.text)
    if case.suggested_reason is None:
        case.suggested_reason = reasons.suggest(turn.text)
    _hand_over(turn, case, turn.text, stays=answer)


def _hand_over(turn: Turn, case: RetentionCase, text: str, *, stays: bool | None) -> None:
    offer = turn.data.get("offer")
    if stays is True and offer:
        action = "divulgacao" if offer == "partial_areas" else offer
        if action not in case.actions:
            case.actions = [*case.actions, action]
    stay_note = {True: "aceitaria a proposta", False: "não aceita a proposta", None: "respondeu"}[stays]
    reason = REASONS.get(case.suggested_reason or "", "a confirmar")
    turn.end()
    turn.remember(case_id=case.id)
    turn.escalate(f"retenção {case.protocol_number}: clínica {stay_note}; motivo sugerido: {reason}",
                  template="retention/handed_over", case=case, stays=stays)


def _case(turn: Turn) -> RetentionCase:
    return turn.session.get(RetentionCase, turn.data["case_id"])
