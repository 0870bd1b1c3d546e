"""Campaign pacing: whatever the backlog, the number of workers or campaigns, the provider
never sees more than `rate` campaign messages in any one second (bot.pacing)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot import clock, jobs
from storage.db import transaction
from storage.loader import load
from storage.models import Campaign, CampaignTarget, OutboundMessage

from .conftest import drain

TEMPLATE = "HXnegotiate"


def _add_debtors(rt, count: int) -> None:
    """`count` more delinquent beneficiaries, so the campaign has enough targets."""
    from validate_docbr import CPF

    cpfs = CPF().generate_list(count)
    data = {"beneficiaries": [], "titles": []}
    for i, cpf in enumerate(cpfs):
        ref = f"P{i:03d}"
        data["beneficiaries"].append({
            "ref": ref, "name": f"Pessoa {i} Teste", "cpf": cpf, "birth_date": "1980-01-01",
            "phones": [f"+55679888{i:05d}"], "plan": "Plano Básico", "card_number": f"9{i:012d}",
            "address": {}})
        data["titles"].append({
            "ref": f"PT{i:03d}", "beneficiary_ref": ref, "code": "001", "description": "Contribuição",
            "competence": "month-2", "due_date": "today-40", "principal": "300.00",
            "status": "open", "our_number": f"{i:017d}"})
    with transaction(rt.sessions) as s:
        load(s, data, clock.today(), replace=False)


def _campaign_sends(twilio) -> int:
    return len([m for m in twilio.created if m.get("ContentSid") == TEMPLATE])


def _send_times(rt) -> list:
    with transaction(rt.sessions) as s:
        return sorted(s.scalars(select(OutboundMessage.sent_at).where(
            OutboundMessage.content_sid == TEMPLATE, OutboundMessage.sent_at.is_not(None))))


def _most_in_one_second(times) -> int:
    """The largest number of sends in any window [t, t + 1 s], endpoints included."""
    return max(sum(1 for u in times if t <= u <= t + timedelta(seconds=1)) for t in times)


def _run_until_sent(rt, twilio, expected: int, step: timedelta, rounds: int = 200) -> None:
    """Advance the clock in steps, running the sweeper (which re-enqueues everything due at
    once: the burst) and the workers, until `expected` campaign messages went out."""
    for _ in range(rounds):
        if _campaign_sends(twilio) >= expected:
            return
        clock.freeze(clock.now() + step)
        jobs.sweep(reschedule=False)
        drain(rt)
    raise AssertionError(f"only {_campaign_sends(twilio)} of {expected} sent")


def _with_template(rt):
    rt.settings = replace(rt.settings, content_negotiation_sid=TEMPLATE)


def test_each_message_gets_an_exact_send_time(rt):
    from bot.campaigns import start_negotiation_campaign

    _with_template(rt)
    _add_debtors(rt, 6)
    start = clock.now()
    assert start_negotiation_campaign(rt, rate=3, started_by="test")["queued"] == 9
    with transaction(rt.sessions) as s:
        sends = sorted(s.scalars(select(CampaignTarget.send_at)))
    # i / 3 seconds, to the microsecond: not rounded to whole seconds
    assert [round((t - start).total_seconds(), 6) for t in sends][:4] == [0.0, 0.333333, 0.666667, 1.0]


def test_a_backlog_burst_never_exceeds_the_rate(rt, twilio):
    from bot.campaigns import start_negotiation_campaign

    _with_template(rt)
    _add_debtors(rt, 6)  # Maria, José, Roberto + 6 = 9 targets
    assert start_negotiation_campaign(rt, rate=3, started_by="test")["queued"] == 9
    # Workers were down: ten seconds later every message is due at once and the sweeper
    # enqueues all nine conversations together.
    clock.freeze(clock.now() + timedelta(seconds=10))
    jobs.sweep(reschedule=False)
    drain(rt)
    assert _campaign_sends(twilio) == 1  # one slot free now; the others wait for theirs
    _run_until_sent(rt, twilio, 9, step=timedelta(milliseconds=100))
    times = _send_times(rt)
    assert len(times) == 9
    assert _most_in_one_second(times) == 3
    with transaction(rt.sessions) as s:  # nothing was sent twice or given up
        rows = list(s.scalars(select(OutboundMessage).where(OutboundMessage.content_sid == TEMPLATE)))
        assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)


def test_two_campaigns_share_the_limit(rt, twilio):
    from bot.campaigns import start_negotiation_campaign

    _with_template(rt)
    _add_debtors(rt, 3)
    first = start_negotiation_campaign(rt, rate=3, started_by="test")
    second = start_negotiation_campaign(rt, rate=3, started_by="test")
    assert first["queued"] == second["queued"] == 6
    drain(rt)
    _run_until_sent(rt, twilio, 12, step=timedelta(milliseconds=100))
    times = _send_times(rt)
    assert len(times) == 12
    assert _most_in_one_second(times) <= 3  # alone, each would have sent 3 per second
    with transaction(rt.sessions) as s:
        assert s.scalar(select(Campaign.id).order_by(Campaign.id.desc())) == second["campaign"]


def test_replies_are_not_held_by_the_campaign_pace(rt, wa, twilio):
    from bot.campaigns import start_negotiation_campaign
    from bot.pacing import slot_key, take_slot

    _with_template(rt)
    start_negotiation_campaign(rt, rate=0.1, started_by="test")
    drain(rt)
    assert take_slot(rt.redis, slot_key(rt, "whatsapp"), 0.1) is not None  # the slot is busy
    assert wa.say("+5567988887777", "oi")  # an unknown person still gets an answer at once


def test_slot_spacing_is_rounded_up_so_rate_plus_one_never_fit(rt):
    from bot.pacing import take_slot

    key, now = "planbot:pace:test", clock.now()
    assert take_slot(rt.redis, key, 3, now) is None
    wait = take_slot(rt.redis, key, 3, now + timedelta(seconds=0.2))
    assert wait == timedelta(microseconds=133_334)  # 1/3 s rounded up, minus 0.2 s
    assert take_slot(rt.redis, key, 3, now + timedelta(microseconds=333_333)) is not None
    assert take_slot(rt.redis, key, 3, now + timedelta(microseconds=333_334)) is None


def test_campaign_cli_command(app, rt, twilio):
    _with_template(rt)
    result = app.test_cli_runner().invoke(args=["negotiation-campaign", "--rate", "2", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "'queued': 2" in result.output
    with transaction(rt.sessions) as s:
        campaign = s.scalars(select(Campaign)).one()
        assert (campaign.started_by, float(campaign.rate_per_second)) == ("cli", 2.0)
    bad = app.test_cli_runner().invoke(args=["negotiation-campaign", "--rate", "0"])
    assert bad.exit_code != 0 and "rate must be between 0 and 80" in bad.output
