#!/usr/bin/env bash
# The test suite: real PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, otherwise
# SQLite and an embedded Redis.
source "$(dirname "$0")/_env.sh"
exec .venv/bin/python -m pytest "$@"
