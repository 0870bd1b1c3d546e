"""End-to-end throughput of the production set-up, with its floors measured in the same run.

Starts everything itself on loopback (bench/stack.py): a fresh PostgreSQL database on the
local server (dropped at the end), its own redis-server, `gunicorn wsgi:app` (2 workers),
N `python worker.py`, the baseline endpoints (bench/baselines.py) under gunicorn the same
way, and a fake Twilio (bench/fake_twilio.py) the workers reach through
TWILIO_API_BASE_URL. Then:

1. C closed-loop conversations for --seconds (each waits for its reply before the next
   message): sustained end-to-end msg/s (webhook posted → Twilio API called), reply
   latency p50/p99, webhook ack p50/p99 under that load; replies lost/duplicated/
   reordered (must be 0);
2. C clients posting back-to-back signed webhooks for --burst-seconds each to (a) the bare
   signature-checking TwiML endpoint, (b) the same plus one committed INSERT, (c) planbot:
   ack throughput and latency, with ratios.

Run: .venv/bin/python bench/load.py [--conversations 50] [--seconds 30] [--workers 2]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu  # noqa: E402
from conversations import Ledger, burst, converse, percentile  # noqa: E402
from fake_twilio import FakeTwilio  # noqa: E402
from stack import Stack  # noqa: E402


def arguments(description: str = __doc__) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=50, help="concurrent conversations")
    parser.add_argument("--seconds", type=float, default=30, help="length of the conversation phase")
    parser.add_argument("--workers", type=int, default=2, help="python worker.py processes")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--people", type=int, default=0,
                        help="synthetic beneficiaries (default: enough for 150 msg/s)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds left out of the figures")
    parser.add_argument("--drain", type=float, default=30,
                        help="seconds to wait for replies still owed after the phase")
    parser.add_argument("--sender-rate", type=int, default=400,
                        help="WHATSAPP_MAX_PER_SECOND of the stack (Twilio's default is 80: "
                             "the bench measures the pipeline, not the sender's pacing)")
    return parser


def people_needed(args) -> int:
    # Five messages per person; enough people that a faster pipeline never runs out.
    return args.people or max(1000, int(150 * args.seconds / 5) + args.conversations)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value == value else "—"


async def window_snapshots(args) -> tuple:
    """CPU snapshots at the start and the end of converse()'s measured window."""
    await asyncio.sleep(args.warmup)
    first = cpu.snapshot()
    await asyncio.sleep(max(args.seconds - args.warmup, 0))
    return first, cpu.snapshot()


def print_conversations(run, verdict, args, snapshots=None) -> None:
    print(f"\nclosed-loop conversations: {args.conversations} concurrent, {run.window:.0f} s "
          f"measured (after {args.warmup:.0f} s warm-up), {args.workers} worker(s)")
    print(f"  sustained end to end      {run.rate:8.1f} msg/s  ({run.replies_in_window} replies "
          "in the window)")
    print(f"  reply latency p50 / p99   {percentile(run.latencies, .5):8.2f} s / "
          f"{percentile(run.latencies, .99):.2f} s  ({len(run.latencies)} replies)")
    print(f"  webhook ack p50 / p99     {ms(percentile(run.acks, .5)):>10} / "
          f"{ms(percentile(run.acks, .99))}  ({len(run.acks)} webhooks)")
    if snapshots is not None:
        print(cpu.report(*snapshots, run.replies_in_window))
    print("  check: " + ", ".join(f"{k} {v}" for k, v in verdict.items()))
    if run.errors:
        print(f"  errors: {run.errors}")
    if run.people_exhausted:
        print("  NOTE: ran out of synthetic people; raise --people")


def print_bursts(results: dict, args) -> None:
    bare, durable, app = results["bare"], results["durable"], results["planbot"]
    print(f"\nwebhook ack under back-to-back load: {args.conversations} clients, "
          f"{args.burst_seconds:.0f} s each, same run, same gunicorn set-up "
          f"({args.web_workers} workers)")
    print(f"  {'endpoint':<40}{'ack/s':>9}{'p50':>11}{'p99':>11}{'failed':>8}")
    names = {"bare": "(a) bare: signature + TwiML",
             "durable": "(b) bare + 1 INSERT committed",
             "planbot": "planbot /webhooks/whatsapp",
             "alone": "planbot, workers paused (web alone)"}
    for key in ("bare", "durable", "planbot", "alone"):
        r = results[key]
        print(f"  {names[key]:<40}{r['rate']:9.1f}{ms(r['p50']):>11}{ms(r['p99']):>11}"
              f"{r['failures']:>8}")
    print(f"  planbot / (b): throughput {app['rate'] / durable['rate']:.2f}x, "
          f"p50 {app['p50'] / durable['p50']:.1f}x, p99 {app['p99'] / durable['p99']:.1f}x")
    print(f"  planbot / (a): throughput {app['rate'] / bare['rate']:.2f}x, "
          f"p50 {app['p50'] / bare['p50']:.1f}x, p99 {app['p99'] / bare['p99']:.1f}x")
    alone = results["alone"]
    print(f"  planbot, workers paused / (b): throughput {alone['rate'] / durable['rate']:.2f}x, "
          f"p50 {alone['p50'] / durable['p50']:.1f}x, p99 {alone['p99'] / durable['p99']:.1f}x")


async def main(args) -> None:
    ledger = Ledger()
    fake = FakeTwilio(on_sent=ledger.on_sent)
    await fake.start()
    began = time.monotonic()
    try:
        with Stack(fake.base_url, workers=args.workers, web_workers=args.web_workers,
                   people=people_needed(args), sender_rate=args.sender_rate) as stack:
            print(f"set-up in {time.monotonic() - began:.1f} s: database {stack.database}, "
                  f"redis :{stack.redis_port}, web :{stack.web_port}, fake Twilio :{fake.port}")
            print(f"load average before: {load_average()}")
            supervisor = asyncio.create_task(_supervise(stack))
            measuring = asyncio.create_task(window_snapshots(args))
            run = await converse(stack.web_url, ledger, conversations=args.conversations,
                                 seconds=args.seconds, people=people_needed(args),
                                 warmup=args.warmup, drain=args.drain)
            snapshots = await measuring
            load_after = load_average()
            verdict = ledger.verdict()
            results = {}
            strangers = [f"+55679{70000000 + i:08d}" for i in range(args.conversations * 4)]
            for key, url, path in (("bare", stack.baseline_url, "/bare/webhooks/whatsapp"),
                                   ("durable", stack.baseline_url, "/durable/webhooks/whatsapp"),
                                   ("planbot", stack.web_url, "/webhooks/whatsapp")):
                results[key] = await burst(url, path, clients=args.conversations,
                                           seconds=args.burst_seconds, senders=strangers)
            # The same burst with the workers stopped: (a) and (b) start no turns, planbot's
            # burst above shares the cores with the turns it starts.
            stack.pause_workers(True)
            try:
                results["alone"] = await burst(stack.web_url, "/webhooks/whatsapp",
                                               clients=args.conversations,
                                               seconds=args.burst_seconds, senders=strangers)
            finally:
                stack.pause_workers(False)
            supervisor.cancel()
            print_conversations(run, verdict, args, snapshots)
            print_bursts(results, args)
            print(f"\nload average after the conversations: {load_after}; "
                  f"worker exits: {len(stack.worker_exits)}; fake Twilio: {len(fake.sent)} "
                  f"accepted, {fake.refused} refused, {fake.listed} lists")
            if run.errors or any(verdict[k] for k in ("lost", "duplicated", "reordered",
                                                       "wrong reply")):
                print("\nworker log tail:\n" + stack.log_tail("worker0"))
    finally:
        await fake.stop()
    print(f"total {time.monotonic() - began:.0f} s")


async def _supervise(stack: Stack) -> None:
    while True:
        stack.supervise()
        await asyncio.sleep(0.2)


if __name__ == "__main__":
    parser = arguments()
    parser.add_argument("--burst-seconds", type=float, default=5,
                        help="length of each back-to-back ack phase")
    asyncio.run(main(parser.parse_args()))
