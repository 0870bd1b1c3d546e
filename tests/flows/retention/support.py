"""Shared pieces of the retention tests: the seed-001 case, an attendant's token, moving
the clock, running the sweeper's due work."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.engine import attendants as handoff
from bot.flows.retention.cadence import run_cadence
from bot.platform import clock
from storage.db import transaction

from ...conftest import drain

CLINIC_PHONE = "+5567998643509"  # D001 in data/demo_operator.json
CLINIC_EMAIL = "contato@sorrisopantanal.example.com.br"

SEED_CASE = {
    "operator": "ODONTOLIFE", "cro": "8296", "uf": "MS", "dentist_name": "KAMILA DOS SANTOS KOSAK",
    "cnpj": "34460338000148", "cpf": "04788452197", "included_on": "26/09/2024", "kind": "J",
    "requested_by": "Operadora", "protocol": "SAD174619567741", "opened_on": "24/11/2026",
    "city": "CAMPO GRANDE", "lives": "1.971", "unique_cros": "65", "currency_value": "0,30",
    "areas": {"Cirurgia": 2, "Periodontia": 1, "Dentística": 3, "Prótese Dentária": 1,
              "Endodontia": 1, "Clínico Geral": 4, "Ortodontia": 2, "Odontopediatria": 1},
}


def token(rt, name="Jessica Pacheco") -> str:
    with transaction(rt.sessions) as s:
        return handoff.create_attendant(s, name)


def open_case(client, rt, **changes) -> int:
    response = client.post("/api/retention/cases", json={**SEED_CASE, **changes},
                           headers={"Authorization": f"Bearer {token(rt)}"})
    assert response.status_code == 201, response.json
    return response.json["created"][0]


def at(moment: datetime) -> None:
    clock.freeze(moment)


def later(**delta) -> None:
    clock.freeze(clock.now() + timedelta(**delta))


def sweep(rt) -> int:
    sent = run_cadence(rt)
    drain(rt)
    return sent
