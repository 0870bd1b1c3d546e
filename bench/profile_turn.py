"""Where does one turn's time go? cProfile over processing N inbound messages.

Run: .venv/bin/python bench/profile_turn.py [N] [sort]   (sort: cumulative, tottime;
same set-up as webhook_ack.py: embedded unless DATABASE_URL / REDIS_URL are set — their
database is emptied). Each conversation gets "oi" (menu) then "2a via" (identity asked),
so the profile covers a greeting and the start of a journey, not only the menu.
"""
from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook_ack import CONVERSATIONS, start  # noqa: E402


def main(n: int = 200, sort: str = "cumulative") -> None:
    bench = start()
    rounds = max(1, n // CONVERSATIONS)
    for r in range(rounds):
        for i in range(CONVERSATIONS):
            bench.post_webhook(r * CONVERSATIONS + i, "oi" if r % 2 == 0 else "2a via")
    bench.process_all()  # warm-up: imports, template compilation, first connections
    for r in range(rounds):
        for i in range(CONVERSATIONS):
            bench.post_webhook((rounds + r) * CONVERSATIONS + i, "oi" if r % 2 == 0 else "2a via")
    profiler = cProfile.Profile()
    profiler.enable()
    bench.process_all()
    profiler.disable()
    print(f"{rounds * CONVERSATIONS} turns profiled")
    pstats.Stats(profiler).sort_stats(sort).print_stats(40)
    bench.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, sys.argv[2] if len(sys.argv) > 2 else "cumulative")
