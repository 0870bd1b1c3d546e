"""Report numbers on a seeded set of cases, through the attendants' API (JSON and CSV)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from storage.db import transaction
from storage.models import RetentionCase, RetentionContact

from .support import token

# (city, opened, closed, outcome, actions, reason, contacts sent, replied after contact n)
SEED = [
    ("CAMPO GRANDE", date(2025, 5, 2), date(2025, 6, 17), "partial", ["divulgacao"], "carteira_particular", 3, 3),
    ("CAMPO GRANDE", date(2025, 6, 1), date(2025, 6, 11), "retained", ["novos_valores"], "valores", 1, 1),
    ("DOURADOS", date(2025, 6, 1), date(2025, 6, 21), "left", ["novos_valores"], "valores", 2, 2),
    ("DOURADOS", date(2025, 7, 1), date(2025, 7, 31), "left", ["suporte"], "glosas", 4, None),
    ("CAMPO GRANDE", date(2025, 8, 1), None, None, [], None, 1, None),
]


def _seed(rt):
    with transaction(rt.sessions) as s:
        for n, (city, opened, closed, outcome, actions, reason, sent, replied) in enumerate(SEED, 1):
            case = RetentionCase(
                protocol_number=f"SAD{n}", provider_ref="D001", operator="ODONTOLIFE", cro="8296",
                uf="MS", dentist_name="X", cnpj="34460338000148", cpf="04788452197", kind="J",
                requested_by="Prestador", opened_on=opened, city=city, actions=actions,
                reason=reason, outcome=outcome, closed_on=closed,
                status="closed" if closed else "open",
                kept_areas=["ortodontia"] if outcome == "partial" else [])
            s.add(case)
            s.flush()
            start = datetime.combine(opened, datetime.min.time()) + timedelta(hours=12)
            for k in range(1, sent + 1):
                s.add(RetentionContact(case_id=case.id, number=k, channel="whatsapp", address="+55",
                                       idempotency_key=f"r:{n}:{k}", due_at=start, status="sent",
                                       sent_at=start + timedelta(days=3 * k)))
            if replied:
                case.replied_at = start + timedelta(days=3 * replied, hours=5)
                case.reply_channel = "whatsapp"


def test_report_numbers(client, rt):
    _seed(rt)
    headers = {"Authorization": f"Bearer {token(rt)}"}
    report = client.get("/api/retention/report", headers=headers).json
    assert report["cases"] == 5 and report["closed"] == 4
    assert report["time_to_finish_days"] == {"median": 25.0, "p90": 46}
    assert report["reasons"] == {"Valores": 2, "Carteira de Clientes Particular": 1, "Glosas": 1}
    assert report["retention_rate_by_city"] == {
        "CAMPO GRANDE": {"cases": 2, "rate_pct": 100.0}, "DOURADOS": {"cases": 2, "rate_pct": 0.0}}
    assert report["retention_rate_by_action"] == {
        "Ofertado Divulgação": {"cases": 1, "rate_pct": 100.0},
        "Ofertado Novos Valores": {"cases": 2, "rate_pct": 50.0},
        "Ofertado Suporte": {"cases": 1, "rate_pct": 0.0}}
    assert report["contacts_needed"] == {"replied": 3, "mean": 2.0,
                                         "distribution": {"1": 1, "2": 1, "3": 1}, "no_reply": 2}

    exported = client.get("/api/retention/report.csv", headers=headers)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.data.decode()), delimiter=";"))
    assert len(rows) == 5 and rows[0]["tempo_finalizacao_dias"] == "46"
    assert rows[0]["cpf"] == "047.***.***-97"  # masked in staff views
    assert rows[0]["resultado"] == "Retido parcialmente" and rows[0]["areas_mantidas"] == "Ortodontia"


def test_recording_an_outcome(client, rt):
    _seed(rt)
    headers = {"Authorization": f"Bearer {token(rt)}"}
    with transaction(rt.sessions) as s:
        open_id = s.query(RetentionCase.id).filter_by(protocol_number="SAD5").scalar()
    refused = client.post(f"/api/retention/cases/{open_id}/outcome", json={"outcome": "partial"},
                          headers=headers)
    assert refused.status_code == 422 and "áreas" in refused.json["error"]
    done = client.post(f"/api/retention/cases/{open_id}/outcome", headers=headers, json={
        "outcome": "partial", "end_date": "2025-09-15", "reason": "carteira_particular",
        "actions": ["divulgacao"], "kept_areas": ["ortodontia"]})
    assert done.status_code == 200 and done.json["closed_on"] == "2025-09-15"
    shown = client.get(f"/api/retention/cases/{open_id}", headers=headers).json
    assert shown["status"] == "closed" and shown["contacts"][0]["channel"] == "whatsapp"


def test_the_console_dashboard_charts_retention_by_city(app, rt):
    from tests.console.support import make_user, sign_in

    _seed(rt)
    make_user(rt, "sara@op.com.br", "Sara", "supervisor")
    sara = app.test_client()
    sign_in(sara, "sara@op.com.br")
    csv_text = sara.get("/console/dashboard/retention.csv").get_data(as_text=True)
    assert csv_text.splitlines()[1:] == ["CAMPO GRANDE;2;100,0", "DOURADOS;2;0,0"]
    html = sara.get("/console/dashboard").get_data(as_text=True)
    assert 'id="metric-retention"' in html and "CAMPO GRANDE — retidos (%): 100.0" in html
