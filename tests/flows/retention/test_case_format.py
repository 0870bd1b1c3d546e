"""The retention form as data: CNPJ (numeric and alphanumeric), CPF, CRO + UF, the seed's
closed lists, "Outros" with its justification; imported from CSV (CLI) and JSON (API)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.flows.retention import documents
from bot.flows.retention.cases import CaseError, validate
from storage.db import transaction
from storage.models import RetentionCase

from .support import SEED_CASE, token


@pytest.mark.parametrize("cnpj", ["12.ABC.345/01DE-35", "12ABC34501DE35", "34.460.338/0001-48",
                                  "11.222.333/0001-81", "a1.b2c.3d4/e5f6-" + documents.cnpj_check_digits("A1B2C3D4E5F6")])
def test_valid_cnpjs_numeric_and_alphanumeric(cnpj):
    assert documents.valid_cnpj(cnpj)


@pytest.mark.parametrize("cnpj", ["12.ABC.345/01DE-36", "12ABC34501DE3A", "34460338000149",
                                  "00000000000000", "12ABC34501D", "12ABC34501DÉ35"])
def test_invalid_cnpjs(cnpj):
    assert not documents.valid_cnpj(cnpj)


def test_official_alphanumeric_example_check_digits():
    # Receita Federal's worked example: 12.ABC.345/01DE-?? → 35
    assert documents.cnpj_check_digits("12ABC34501DE") == "35"


def test_seed_case_reads_brazilian_numbers_and_labels():
    data = validate(SEED_CASE)
    assert data.lives == 1971 and str(data.currency_value) == "0.30"
    assert data.areas["protese"] == 1 and data.areas["clinico_geral"] == 4
    assert data.opened_on.isoformat() == "2026-11-24"


@pytest.mark.parametrize("change, problem", [
    ({"cnpj": "34460338000149"}, "CNPJ inválido"),
    ({"cpf": "04788452198"}, "CPF inválido"),
    ({"cnpj": None, "cpf": None}, "CNPJ ou o CPF"),
    ({"uf": "XX"}, "UF inválida"),
    ({"cro": "ABC"}, "CRO inválido"),
    ({"actions": ["Outros"]}, "exige justificativa"),
    ({"reason": "Preguiça"}, "motivo desconhecido"),
    ({"areas": ["Implantodontia"]}, "área desconhecido"),
    ({"opened_on": "31/02/2026"}, "data inválida"),
])
def test_invalid_cases_are_refused_with_the_reason(change, problem):
    with pytest.raises(CaseError, match=problem):
        validate({**SEED_CASE, **change})


def test_other_action_with_justification_is_accepted():
    data = validate({**SEED_CASE, "actions": ["Outros", "Ofertado Suporte"],
                     "action_justification": "visita presencial do gerente de rede"})
    assert data.actions == ["outros", "suporte"]


def test_api_import_is_all_or_nothing(client, rt):
    headers = {"Authorization": f"Bearer {token(rt)}"}
    bad = client.post("/api/retention/cases", json=[SEED_CASE, {**SEED_CASE, "protocol": "X2",
                                                                "cnpj": "11111111111111"}],
                      headers=headers)
    assert bad.status_code == 422 and "linha 2" in bad.json["problems"][0]
    assert client.post("/api/retention/cases", json=SEED_CASE).status_code == 401
    ok = client.post("/api/retention/cases", json=SEED_CASE, headers=headers)
    again = client.post("/api/retention/cases", json=SEED_CASE, headers=headers)
    assert ok.status_code == 201 and again.json["created"] == []  # same protocol: same case
    unknown = client.post("/api/retention/cases", json={**SEED_CASE, "protocol": "X3", "cro": "99999"},
                          headers=headers)
    assert unknown.status_code == 422 and "não encontrado" in unknown.json["problems"][0]


CSV = """operator;cro;uf;dentist_name;cnpj;cpf;included_on;kind;requested_by;protocol;opened_on;city;lives;unique_cros;areas;actions
ODONTOLIFE;8296;MS;KAMILA DOS SANTOS KOSAK;34460338000148;04788452197;26/09/2024;J;Operadora;SAD174619567741;02/05/2025;CAMPO GRANDE;1.971;65;Cirurgia:2|Ortodontia:1;Ofertado Divulgação
ODONTOLIFE;5120;MS;ODONTO DOURADOS;12.ABC.345/01DE-35;;10/03/2023;J;Prestador;SAD2;10/06/2025;DOURADOS;320;4;clinico_geral:2;
"""


def test_cli_imports_a_csv(app, rt, tmp_path):
    path = tmp_path / "casos.csv"
    path.write_text(CSV, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["retention-import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 case(s) opened" in result.output
    with transaction(rt.sessions) as s:
        cases = list(s.scalars(select(RetentionCase).order_by(RetentionCase.id)))
        assert [c.provider_ref for c in cases] == ["D001", "D002"]
        assert cases[1].cnpj == "12ABC34501DE35" and cases[0].lives == 1971
