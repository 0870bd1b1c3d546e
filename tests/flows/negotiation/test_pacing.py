"""Campaign pacing: whatever the backlog, the number of workers or campaigns, the provider
never sees more than `rate` campaign messages in any one second (bot.services.outreach.pacing)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.pipeline import deliver, sweep
from bot.platform import clock
from bot.services.outreach import pacing
from storage.db import transaction
from storage.loader import load
from storage.models import Campaign, CampaignTarget, OutboundMessage
from tests.conftest import drain

TEMPLATE = "HXnegotiate"


def _add_debtors(rt, count: int, first: int = 0) -> None:
    """`count` more delinquent beneficiaries, so the campaign has enough targets."""
    from validate_docbr import CPF

    cpfs = CPF().generate_list(count)
    data = {"beneficiaries": [], "titles": []}
    for i, cpf in enumerate(cpfs, first):
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
        sweep.sweep(reschedule=False)
        drain(rt)
    raise AssertionError(f"only {_campaign_sends(twilio)} of {expected} sent")


def _with_template(rt):
    rt.settings = replace(rt.settings, content_negotiation_sid=TEMPLATE)


def test_each_message_gets_an_exact_send_time(rt):
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    _with_template(rt)
    _add_debtors(rt, 6)
    start = clock.now()
    assert start_negotiation_campaign(rt, rate=3, started_by="test")["queued"] == 9
    with transaction(rt.sessions) as s:
        sends = sorted(s.scalars(select(CampaignTarget.send_at)))
    # i / 3 seconds, to the microsecond: not rounded to whole seconds
    assert [round((t - start).total_seconds(), 6) for t in sends][:4] == [0.0, 0.333333, 0.666667, 1.0]


def test_a_backlog_burst_never_exceeds_the_rate(rt, twilio):
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    _with_template(rt)
    _add_debtors(rt, 6)  # Maria, José, Roberto + 6 = 9 targets
    assert start_negotiation_campaign(rt, rate=3, started_by="test")["queued"] == 9
    # Workers were down: ten seconds later every message is due at once and the sweeper
    # enqueues all nine conversations together.
    clock.freeze(clock.now() + timedelta(seconds=10))
    sweep.sweep(reschedule=False)
    drain(rt)
    assert _campaign_sends(twilio) == 1  # one slot free now; the others wait for theirs
    _run_until_sent(rt, twilio, 9, step=timedelta(milliseconds=100))
    times = _send_times(rt)
    assert len(times) == 9
    _assert_paced(times, rate=3)
    with transaction(rt.sessions) as s:  # nothing was sent twice or given up
        rows = list(s.scalars(select(OutboundMessage).where(OutboundMessage.content_sid == TEMPLATE)))
        assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)


def _assert_paced(times, rate: float) -> None:
    """The k-th message never before k/rate seconds after the first (the reserved slots),
    and at most one more than the rate in any second (a slot woken late, bot.services.outreach.pacing)."""
    interval = timedelta(microseconds=pacing.interval_micros(rate))
    assert all(t - times[0] >= k * interval for k, t in enumerate(times))
    assert _most_in_one_second(times) <= rate + 1


def test_two_campaigns_share_the_limit(rt, twilio):
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    _with_template(rt)
    _add_debtors(rt, 3)
    first = start_negotiation_campaign(rt, rate=3, started_by="test")
    _add_debtors(rt, 3, first=3)
    second = start_negotiation_campaign(rt, rate=3, started_by="test")
    assert (first["queued"], second["queued"]) == (6, 9)
    drain(rt)
    # The six people of the first campaign are already waiting for its answer: the second
    # campaign's invitation to them is skipped; its three new people are invited.
    _run_until_sent(rt, twilio, 9, step=timedelta(milliseconds=100))
    for _ in range(30):
        clock.freeze(clock.now() + timedelta(milliseconds=100))
        sweep.sweep(reschedule=False)
        drain(rt)
    times = _send_times(rt)
    assert len(times) == 9
    _assert_paced(times, rate=3)  # alone, each would have sent 3 per second
    with transaction(rt.sessions) as s:
        skipped = list(s.scalars(select(OutboundMessage).where(OutboundMessage.status == "skipped")))
        assert len(skipped) == 6 and {r.error_message for r in skipped} == {"convite anterior aguardando resposta"}
        sent_by = set(s.scalars(select(CampaignTarget.campaign_id).join(
            OutboundMessage, OutboundMessage.id == CampaignTarget.outbound_id).where(OutboundMessage.status == "sent")))
        assert sent_by == {first["campaign"], second["campaign"]}


def test_replies_are_not_held_by_the_campaign_pace(rt, wa, twilio):
    from bot.flows.negotiation.campaign import start_negotiation_campaign
    from bot.services.outreach.pacing import slot_key, take_slot

    _with_template(rt)
    start_negotiation_campaign(rt, rate=0.1, started_by="test")
    drain(rt)
    assert take_slot(rt.redis, slot_key(rt, "whatsapp"), "probe", 0.1) is not None  # the slot is busy
    assert wa.say("+5567988887777", "oi")  # an unknown person still gets an answer at once


def test_slot_spacing_is_rounded_up_so_rate_plus_one_never_fit(rt):
    from bot.services.outreach.pacing import take_slot

    key, now = "planbot:pace:test", clock.now()
    assert take_slot(rt.redis, key, "a", 3, now) is None
    wait = take_slot(rt.redis, key, "b", 3, now + timedelta(seconds=0.2))
    assert wait == timedelta(microseconds=133_334)  # 1/3 s rounded up, minus 0.2 s: b's slot
    assert take_slot(rt.redis, key, "b", 3, now + timedelta(microseconds=333_333)) is not None
    assert take_slot(rt.redis, key, "c", 3, now + timedelta(microseconds=333_334)) == \
        timedelta(microseconds=333_334)  # b holds this slot: c gets the next one
    assert take_slot(rt.redis, key, "b", 3, now + timedelta(microseconds=333_334)) is None


def test_each_waiter_reserves_its_own_slot_so_a_backlog_wakes_each_row_once(rt, twilio, monkeypatch):
    """A backlog of N: one hold and one send per row (2N - 1 deliveries), not every held
    row waking at every free slot for one of them to send (N² / 2)."""
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    outcomes: list[tuple[int, str]] = []
    deliver_one = deliver._deliver_one

    def counting(rt_, conversation_id, lock=None, taken=None):  # one row per conversation
        outcome = deliver_one(rt_, conversation_id, lock, taken)
        if outcome is not deliver.Delivery.NONE_DUE:
            outcomes.append((conversation_id, outcome.value))
        return outcome

    monkeypatch.setattr(deliver, "_deliver_one", counting)
    _with_template(rt)
    _add_debtors(rt, 9)  # 12 targets
    start_negotiation_campaign(rt, rate=3, started_by="test")
    clock.freeze(clock.now() + timedelta(seconds=10))  # workers were down: all due at once
    sweep.sweep(reschedule=False)
    drain(rt)
    _run_until_sent(rt, twilio, 12, step=timedelta(milliseconds=100))
    campaign_rows = {row_id for row_id, _ in outcomes}
    holds = [row_id for row_id, outcome in outcomes if outcome == "held"]
    assert len(campaign_rows) == 12
    assert len(holds) == 11 and len(set(holds)) == 11  # each row held at most once
    assert len(outcomes) == 12 + 11
    _assert_paced(_send_times(rt), rate=3)


def test_a_late_wake_after_an_outage_does_not_burst(rt):
    """Reserved slots all in the past (workers down): a second's worth goes at once, the
    rest take new slots at the rate."""
    from bot.services.outreach.pacing import take_slot

    key, now = "planbot:pace:test", clock.now()
    assert take_slot(rt.redis, key, "r0", 3, now) is None
    for i in range(1, 9):
        assert take_slot(rt.redis, key, f"r{i}", 3, now) is not None  # reserved
    later = now + timedelta(seconds=30)
    sent_at_once = [i for i in range(1, 9) if take_slot(rt.redis, key, f"r{i}", 3, later) is None]
    assert len(sent_at_once) == 3  # 1 s of tolerance at 3 per second
    waits = sorted(take_slot(rt.redis, key, f"r{i}", 3, later) for i in range(1, 9) if i not in sent_at_once)
    assert waits[0] > timedelta(0) and all(b - a >= timedelta(microseconds=333_334) for a, b in zip(waits, waits[1:]))


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
