"""POST /api/attendant/campaigns/negotiation: "limit" must be a whole number of at least 1
and "rate" a number. `{"limit": 0}` invited every delinquent beneficiary (0 read as "no
limit"), `{"limit": -1}` all but one; 1.5 was taken as 1, `true` as a rate of 1, and a
string answered with Python's own error text."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.engine import attendants as handoff
from storage.db import transaction
from storage.models import Campaign


def _auth(rt) -> dict:
    with transaction(rt.sessions) as s:
        return {"Authorization": f"Bearer {handoff.create_attendant(s, 'Ana')}"}


@pytest.mark.parametrize("body, field", [
    ({"limit": 0}, "limit"), ({"limit": -1}, "limit"), ({"limit": 1.5}, "limit"),
    ({"limit": "2"}, "limit"), ({"limit": True}, "limit"),
    ({"rate": "abc"}, "rate"), ({"rate": True}, "rate"), ({"rate": None}, "rate"),
])
def test_a_bad_limit_or_rate_starts_nothing(rt, client, body, field):
    response = client.post("/api/attendant/campaigns/negotiation", headers=_auth(rt), json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert f'"{field}"' in error and "convert" not in error and "literal" not in error
    with transaction(rt.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0


def test_a_good_body_starts_the_campaign(rt, client):
    response = client.post("/api/attendant/campaigns/negotiation", headers=_auth(rt),
                           json={"rate": 2, "limit": 1, })
    assert response.status_code == 202
    assert response.get_json()["queued"] + response.get_json()["skipped"] == 1


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_the_cli_refuses_a_limit_below_one(app, rt, limit):
    result = app.test_cli_runner().invoke(args=["negotiation-campaign", "--limit", limit])
    assert result.exit_code != 0 and "--limit" in result.output
    with transaction(rt.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0
