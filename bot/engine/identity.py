"""Identity gate: no financial or health data before the person proves who they are.

Known phone: the first 3 CPF digits (as the collection script asks), or the whole CPF.
Some flows also accept the script's alternatives (last 2 digits, full name, surname).
Unknown phone: full CPF (check digits validated) and then the birth date; the CPF alone
is too easy to find to unlock someone's bills. We ask the birth date whether or not the
CPF exists, so the answers never reveal who is a beneficiary.
"""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from validate_docbr import CPF

from bot.language import birthdate
from bot.language.names import is_first_name_only, name_matches, names_someone
from bot.language.text import digits
from bot.platform import clock
from bot.registry.base import RegistryUnavailable

log = logging.getLogger(__name__)

STATES = {"identity_cpf3", "identity_cpf", "identity_birth"}
_cpf = CPF()


def begin(turn, flow) -> None:
    c = turn.conversation
    try:
        known = c.beneficiary_ref and turn.beneficiary is not None
    except RegistryUnavailable:
        # The plan's system is down before anything was asked: end the request at once
        # (as the journeys do when their first lookup fails) instead of failing the turn.
        turn.say("generic_error")
        turn.close_protocol("cancelado", "sistema do plano indisponível")
        turn.end()
        return
    if flow.identity_notice:
        turn.say(flow.identity_notice)
        turn.remember(identity_notice_said=True)  # the flow need not say it again
    if known:
        c.state = "identity_cpf3"
        turn.say("identity/ask_cpf3", name=turn.beneficiary.first_name,
                 alternatives=flow.identity_alternatives)
    else:
        c.state = "identity_cpf"
        turn.say("identity/ask_cpf")


def handle(turn, flow) -> None:
    if _blocked(turn):
        return
    state = turn.conversation.state
    try:
        if state == "identity_cpf3":
            _check_known(turn, flow)
        elif state == "identity_cpf":
            _check_cpf(turn, flow)
        else:
            _check_birth(turn, flow)
    except _LookupFailed:
        # Nothing was changed: the same answer works once the plan's system is back, and
        # it spends no attempt.
        turn.reject("identity/try_later")


class _LookupFailed(Exception):
    """The registry was down while checking an answer (not while running the journey
    the confirmation then enters, which handles its own outages)."""


def _lookup(fn, *args):
    try:
        return fn(*args)
    except RegistryUnavailable as exc:
        raise _LookupFailed from exc


# "Não sei", "não lembro", "esqueci": not a wrong answer. No attempt is spent on it; the
# other ways to confirm (or a person) are offered instead.
DONT_KNOW = re.compile(r"\b(?:nao (?:sei|lembro|recordo|tenho|to lembrando|estou lembrando|me lembro|sei de cor)|"
                       r"esqueci|sei la|nao faco ideia)\b")


def _check_known(turn, flow) -> None:
    person = _lookup(lambda: turn.beneficiary)
    answer = digits(turn.text)
    has_letters = any(ch.isalpha() for ch in turn.norm)
    if not answer and DONT_KNOW.search(turn.norm):
        turn.reject("identity/dont_know", alternatives=flow.identity_alternatives)
        return
    if len(answer) == 3:
        ok = person.cpf[:3] == answer
    elif len(answer) == 11:
        ok = person.cpf == answer
    elif flow.identity_alternatives and len(answer) == 2:
        ok = person.cpf[-2:] == answer
    elif flow.identity_alternatives and has_letters and not answer and names_someone(turn.text):
        if is_first_name_only(turn.text, person.name):
            # The first name alone proves nothing (the prompt itself says it): ask for more,
            # without spending an attempt.
            turn.reject("identity/first_name_only", name=person.first_name)
            return
        ok = name_matches(turn.text, person.name)
    else:
        turn.retry("identity/format_cpf3", alternatives=flow.identity_alternatives)
        return
    if ok:
        _confirmed(turn, flow)
    else:
        _failed(turn, again_state="identity_cpf3")


# A CPF inside a longer message ("116.764.967-26 05/03/1980"): 11 digits in a row, or the
# usual 000.000.000-00 shape; not part of a longer digit run.
_CPF_IN_TEXT = re.compile(r"(?<![\d.-])(\d{11}|\d{3}\.\d{3}\.\d{3}-\d{2})(?![\d.-]?\d)")


def _check_cpf(turn, flow) -> None:
    answer = digits(turn.text)
    if not answer and DONT_KNOW.search(turn.norm):
        turn.reject("identity/dont_know", asked="cpf")
        return
    rest = None
    if len(answer) > 11 and (found := _CPF_IN_TEXT.search(turn.text)):
        # The CPF and the birth date in one message: both are read.
        answer = digits(found.group(1))
        rest = f"{turn.text[:found.start()]} {turn.text[found.end():]}"
    if not answer:  # an audio, "oi", an emoji: no CPF to call invalid
        turn.retry("identity/format_cpf")
        return
    if len(answer) != 11 or not _cpf.validate(answer):
        turn.retry("identity/invalid_cpf")
        return
    candidate = _lookup(turn.registry.beneficiary_by_cpf, answer)
    turn.remember(identity_candidate=candidate.ref if candidate else None)
    turn.conversation.state = "identity_birth"
    parsed = birthdate.parse(rest, turn.today) if rest else None
    if parsed is None or parsed.problem == "unreadable":
        turn.say("identity/ask_birth")
    elif parsed.problem:
        turn.say("identity/unusable_birth", problem=parsed.problem, typed=parsed.typed)
    else:
        _compare_birth(turn, flow, parsed.value)


def _check_birth(turn, flow) -> None:
    if not digits(turn.text) and DONT_KNOW.search(turn.norm):
        turn.reject("identity/dont_know", asked="birth")
        return
    parsed = birthdate.parse(turn.text, turn.today)
    if parsed.problem == "unreadable":
        turn.retry("identity/invalid_birth")
        return
    if parsed.problem:
        # Understood but unusable (31/02, a future date, a two-digit year): no attempt is
        # spent and it is not a misunderstanding; the same question stands.
        turn.reject("identity/unusable_birth", problem=parsed.problem, typed=parsed.typed)
        return
    _compare_birth(turn, flow, parsed.value)


def _compare_birth(turn, flow, given) -> None:
    ref = turn.data.get("identity_candidate")
    person = _lookup(turn.registry.beneficiary, ref) if ref else None
    turn.forget("identity_candidate")
    if person is not None and person.birth_date == given:
        turn.conversation.beneficiary_ref = person.ref
        protocol = turn.protocol
        if protocol is not None and protocol.beneficiary_ref is None:
            protocol.beneficiary_ref = person.ref
        _confirmed(turn, flow)
    else:
        _failed(turn, again_state="identity_cpf", ask="identity/ask_cpf")


def _confirmed(turn, flow) -> None:
    c = turn.conversation
    c.identity_verified_at = clock.now()
    c.identity_failures = 0
    c.state = None
    flow.entry(turn)


def _failed(turn, *, again_state: str, ask: str | None = None) -> None:
    c = turn.conversation
    c.identity_failures = (c.identity_failures or 0) + 1
    limit = turn.settings.identity_max_attempts
    log.info("identity check failed for conversation %s (%d/%d)", c.id, c.identity_failures, limit)
    if c.identity_failures >= limit:
        c.identity_failures = 0
        c.blocked_until = clock.now() + timedelta(minutes=turn.settings.identity_block_minutes)
        turn.close_protocol("cancelado", "identidade não confirmada")
        turn.end()
        turn.say("identity/blocked", minutes=turn.settings.identity_block_minutes, attempts=limit)
        return
    c.state = again_state
    turn.say("identity/wrong", remaining=limit - c.identity_failures)
    if ask:
        turn.say(ask)


def refused_while_blocked(turn) -> bool:
    """A journey that needs identity, asked for during the lockout: one short reply (until
    when, or a person), and nothing else — no protocol opened and cancelled each time, no
    state change. True when the person is blocked."""
    until = turn.conversation.blocked_until
    if not until or until <= clock.now():
        return False
    turn.say("identity/still_blocked", until=until)
    return True


def _blocked(turn) -> bool:
    """A conversation left in an identity state while blocked (none is, since a blocked
    request never starts its journey; kept for rows written by older versions)."""
    if not refused_while_blocked(turn):
        return False
    turn.close_protocol("cancelado", "identidade bloqueada")
    turn.end()
    return True


PHONE_CHANNELS = ("whatsapp", "chat")


def refresh_binding(turn) -> None:
    """Look the phone (or e-mail address) up again at the start of a session (no journey running, identity
    not confirmed): a phone added to the registry, moved to another beneficiary or
    removed since the conversation began counts from now on. A binding made by full CPF +
    birth date from an unregistered phone lapses with its session, so that phone proves
    the full identity again rather than only 3 digits of someone else's CPF."""
    c = turn.conversation
    if c.channel not in (*PHONE_CHANNELS, "email"):
        return
    try:
        # E-mail as the phone: the registered address binds (3 CPF digits then), since
        # every reply goes to that address and never to a Reply-To — a forged From only
        # sends the person's data to the person's own mailbox.
        person = (turn.registry.beneficiary_by_email(c.address) if c.channel == "email"
                  else turn.registry.beneficiary_by_phone(c.address))
    except RegistryUnavailable:
        return  # keep the last binding: identity is still checked before any data
    c.beneficiary_ref = person.ref if person else None
