"""`flask create-attendant NAME`: the name is what the person and the protocol history
read ("conversa assumida por Ana"): blank or longer than the column (120) is refused
with a reason, no token printed (was a token for a nameless attendant, or a database error
on PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Attendant


def test_create_attendant_prints_a_working_token(app, rt, client):
    result = app.test_cli_runner().invoke(args=["create-attendant", "  Ana Souza "])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = client.get("/api/attendant/conversations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Attendant.name)).one() == "Ana Souza"


@pytest.mark.parametrize("name", ["", "   ", "A" * 121])
def test_create_attendant_refuses_a_blank_or_too_long_name(app, rt, name):
    result = app.test_cli_runner().invoke(args=["create-attendant", name])
    assert result.exit_code != 0 and "Invalid value for 'NAME'" in result.output
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Attendant)).all() == []
