#!/usr/bin/env bash
# Everything on one machine: embedded Redis (unless REDIS_URL), SQLite (unless
# DATABASE_URL), migrations, demo data, an RQ worker with its scheduler, and the web app.
source "$(dirname "$0")/_env.sh"
exec .venv/bin/flask --app wsgi serve "$@"
