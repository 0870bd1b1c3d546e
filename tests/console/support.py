"""Helpers of the console tests: accounts and a signed-in Flask test client."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.engine import accounts
from storage.db import transaction
from storage.models import Conversation

PASSWORD = "senha-forte-123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(rt, login: str, name: str, role: str = "attendant") -> int:
    with transaction(rt.sessions) as s:
        return accounts.create_user(s, login=login, name=name, password=PASSWORD, role=role).id


def csrf_of(client, path: str = "/console/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, login: str, password: str = PASSWORD):
    token = csrf_of(client)
    return client.post("/console/login", data={"login": login, "password": password,
                                               "csrf_token": token})


def post(client, path: str, data: dict | None = None, page: str = "/console/queue"):
    return client.post(path, data={"csrf_token": csrf_of(client, page), **(data or {})})


def conversation_id(rt, phone: str) -> int:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one().id
