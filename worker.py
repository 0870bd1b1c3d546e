"""An RQ worker with the scheduler: `python worker.py` (run as many as you like)."""
from bot.pipeline.worker import run

if __name__ == "__main__":
    run()
