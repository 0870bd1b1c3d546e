"""The load of bench/load.py while things break; nothing may be lost, sent twice or reordered.

Same set-up as load.py (everything started by the bench, loopback only), same closed-loop
conversations, with any of these faults (--faults, comma-separated; default all at once):
- kill:   every --kill-every s a worker and its work horse get SIGKILL; the bench, as a
          supervisor would (systemd Restart=always, RestartSec=1), starts it again. The
          supervisor also restarts workers that exit by themselves (counted as exits);
- redis:  at --redis-at s the bench's own redis-server is killed (no persistence: every
          queued job is lost) and started again --redis-down s later;
- twilio: the fake Twilio answers 429/500 on --twilio-failures of the Messages calls;
- replay: every webhook is posted twice (Twilio retrying).

After the phase it waits up to --drain s for every reply still owed, then counts, against
what was sent: replies lost, duplicated, reordered, wrong (all must be 0), the database's
unfinished rows, and recovery times:
- Redis restart: Redis back → first reply out (backlog resumes) and → the last reply owed
  when it went down;
- worker killed: kill → the last reply owed at that moment (the killed worker's
  conversations are among them).

Run: .venv/bin/python bench/faults.py [--conversations 50] [--seconds 40] [--faults kill,redis]
"""
from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from conversations import Ledger, converse, percentile  # noqa: E402
from fake_twilio import FakeTwilio  # noqa: E402
from load import _supervise, arguments, load_average, people_needed  # noqa: E402
from stack import Stack  # noqa: E402

FAULTS = ("kill", "redis", "twilio", "replay")


@dataclass
class Incident:
    what: str
    at: float  # when it happened (monotonic)
    owed: list[tuple[object, int]] = field(default_factory=list)  # (thread, reply number)
    back_at: float | None = None  # Redis up again

    def last_owed_reply(self) -> float | None:
        """Seconds from the incident (or Redis back) to the last reply owed at that moment."""
        times = []
        for thread, wanted in self.owed:
            distinct = thread.distinct_replies()
            if len(distinct) < wanted:
                return None  # still missing: counted as lost
            times.append(distinct[wanted - 1].at)
        start = self.back_at or self.at
        return max(times) - start if times else 0.0


def owed(ledger: Ledger) -> list[tuple[object, int]]:
    return [(t, len(t.steps)) for t in ledger.awaiting()]


async def kill_workers(stack: Stack, ledger: Ledger, every: float, until: float,
                       incidents: list[Incident]) -> None:
    victim = 0
    while time.monotonic() + every < until:
        await asyncio.sleep(every)
        victim = (victim + 1) % len(stack.pool)
        incidents.append(Incident(f"worker {victim} killed", time.monotonic(), owed(ledger)))
        stack.kill_worker(victim)


async def restart_redis(stack: Stack, ledger: Ledger, at: float, down: float,
                        incidents: list[Incident]) -> None:
    await asyncio.sleep(at)
    incident = Incident("Redis restarted", time.monotonic(), owed(ledger))
    incidents.append(incident)
    stack.kill_redis()
    await asyncio.sleep(down)
    stack.start_redis()
    incident.back_at = time.monotonic()


def database_leftovers(url: str) -> dict:
    with psycopg.connect(url) as connection:
        inbound = dict(connection.execute(
            "SELECT status, count(*) FROM inbound_messages GROUP BY status").fetchall())
        outbound = dict(connection.execute(
            "SELECT status, count(*) FROM outbound_messages GROUP BY status").fetchall())
    return {"inbound": inbound, "outbound": outbound}


def first_reply_after(fake: FakeTwilio, moment: float) -> float | None:
    later = [s.at for s in fake.sent if s.at >= moment]
    return min(later) - moment if later else None


async def main(args) -> None:
    faults = set(args.faults.split(",")) if args.faults else set(FAULTS)
    unknown = faults - set(FAULTS)
    if unknown:
        raise SystemExit(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
    ledger = Ledger()
    fake = FakeTwilio(on_sent=ledger.on_sent,
                      failure_rate=args.twilio_failures if "twilio" in faults else 0.0)
    await fake.start()
    began = time.monotonic()
    incidents: list[Incident] = []
    try:
        with Stack(fake.base_url, workers=args.workers, web_workers=args.web_workers,
                   people=people_needed(args), sender_rate=args.sender_rate) as stack:
            print(f"set-up in {time.monotonic() - began:.1f} s; faults: {', '.join(sorted(faults))}")
            print(f"load average before: {load_average()}")
            phase_end = time.monotonic() + args.seconds
            background = [asyncio.create_task(_supervise(stack))]
            if "kill" in faults:
                background.append(asyncio.create_task(
                    kill_workers(stack, ledger, args.kill_every, phase_end, incidents)))
            if "redis" in faults:
                background.append(asyncio.create_task(restart_redis(
                    stack, ledger, args.redis_at or args.seconds / 2, args.redis_down, incidents)))
            run = await converse(stack.web_url, ledger, conversations=args.conversations,
                                 seconds=args.seconds, people=people_needed(args),
                                 warmup=args.warmup, drain=args.drain, replay="replay" in faults)
            finished = time.monotonic()
            await asyncio.sleep(1)  # a reply sent twice would show up late
            for task in background:
                task.cancel()
            verdict = ledger.verdict()
            leftovers = database_leftovers(stack.database_url)
            print(f"\nclosed-loop conversations under faults: {args.conversations} concurrent, "
                  f"{args.seconds:.0f} s, {args.workers} worker(s); drained "
                  f"{max(0.0, finished - phase_end):.0f} s after the phase (limit {args.drain:.0f} s)")
            print(f"  end to end {run.rate:.1f} msg/s; reply p50 {percentile(run.latencies, .5):.2f} s, "
                  f"p99 {percentile(run.latencies, .99):.2f} s, max "
                  f"{max(run.latencies, default=float('nan')):.2f} s; ack p50 "
                  f"{percentile(run.acks, .5):.1f} ms, p99 {percentile(run.acks, .99):.1f} ms")
            print("  against what was sent: " + ", ".join(f"{k} {v}" for k, v in verdict.items()))
            print(f"  database: inbound {leftovers['inbound']}, outbound {leftovers['outbound']}")
            print(f"  fake Twilio: {len(fake.sent)} accepted, {fake.refused} refused (429/500), "
                  f"{fake.listed} lists (find_sent)")
            exits = [(round(at - began, 1), n, status) for at, n, status in stack.worker_exits]
            print(f"  worker exits (killed or not): {len(exits)}; by themselves: "
                  f"{[e for e in exits if e[2] != -9]}")
            if run.errors:
                print(f"  client errors: {run.errors}")
            print("\nrecovery")
            kills = [i for i in incidents if i.what.startswith("worker")]
            if kills:
                times = [i.last_owed_reply() for i in kills]
                done = [t for t in times if t is not None]
                print(f"  worker killed → last reply owed at the kill: p50 "
                      f"{percentile(done, .5):.1f} s, max {max(done, default=float('nan')):.1f} s "
                      f"over {len(kills)} kills ({len(times) - len(done)} never completed)")
            for incident in incidents:
                if incident.what.startswith("Redis") and incident.back_at:
                    resumed = first_reply_after(fake, incident.back_at)
                    last = incident.last_owed_reply()
                    print(f"  Redis down {incident.back_at - incident.at:.1f} s → after it was back: "
                          f"first reply {_s(resumed)}, last reply owed when it went down {_s(last)} "
                          f"({len(incident.owed)} owed)")
            print(f"\nload average after: {load_average()}")
            bad = any(verdict[k] for k in ("lost", "duplicated", "reordered", "wrong reply"))
            if bad:
                print("\nworker log tail:\n" + stack.log_tail("worker0"))
    finally:
        await fake.stop()
    print(f"total {time.monotonic() - began:.0f} s")
    if bad:
        raise SystemExit(1)


def _s(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "never"


if __name__ == "__main__":
    parser = arguments(__doc__)
    parser.set_defaults(seconds=40, drain=240)
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"any of {','.join(FAULTS)}")
    parser.add_argument("--kill-every", type=float, default=8, help="seconds between worker kills")
    parser.add_argument("--redis-at", type=float, default=0,
                        help="seconds into the phase to kill Redis (default: half-way)")
    parser.add_argument("--redis-down", type=float, default=2, help="seconds Redis stays down")
    parser.add_argument("--twilio-failures", type=float, default=0.3,
                        help="share of Messages calls answered 429/500")
    asyncio.run(main(parser.parse_args()))
