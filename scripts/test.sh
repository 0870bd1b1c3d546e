#!/usr/bin/env bash
# The test suite: real PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, otherwise
# SQLite and an embedded Redis.
source "$(dirname "$0")/_env.sh"
# Embedded mode gives each pytest-xdist worker its own SQLite file and Redis, so it runs on
# every core; the shared PostgreSQL/Redis of the other mode are used by one process.
parallel=()
if [ -z "${DATABASE_URL:-}" ] && [ -z "${REDIS_URL:-}" ]; then parallel=(-n auto); fi
exec .venv/bin/python -m pytest "${parallel[@]}" "$@"
