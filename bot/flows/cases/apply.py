"""An approved case written through the operator interface (the registry).

Registration update → `update_registration` (the fields); maioridade →
`continue_as_student` (the dependent stays as a student until a date from
config/documents/maioridade.yaml); troca de titularidade → `transfer_holder` (the form's
new holder, the former holder deceased when the death certificate was part of the case).
Every write carries the idempotency key `<protocol>:review`: a request repeated after a
crash or a double click changes nothing the second time. Returns what the person is told
changed and the note kept on the protocol.
"""
from __future__ import annotations

import logging
from calendar import monthrange
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.language.formatting import brdate
from bot.platform import clock
from bot.registry.base import NewHolder
from storage.models import DocumentCase

from . import checklist

log = logging.getLogger(__name__)

REGISTRY_FIELDS = ("address", "phone", "email", "name", "marital_status")
DEATH_CERTIFICATE = "certidao_obito"


class ApplyRefused(Exception):
    """The change cannot be written as it stands: the operator refused it (a 4xx, a CPF
    in another contract) or the dependent is past the contract's age for students.
    Nothing was recorded; `code` is what the reviewer sees."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def registry_value(code: str, value):
    """What the registry stores for a collected value (marital status: the status)."""
    return value["status"] if code == "marital_status" else value


def apply_case(s: Session, rt, case: DocumentCase) -> tuple[dict, str]:
    """(template context for cases/approved, protocol note)."""
    registry = rt.registry.bind(s)
    key = f"{case.protocol}:review"
    try:
        if case.kind == "maioridade":
            return _maioridade(rt, registry, case, key)
        if case.kind == "troca_titularidade":
            return _troca(registry, case, key)
        return _registration(rt, registry, case, key)
    except ValueError as exc:  # the operator answered 4xx, or the embedded one refused
        log.warning("registry refused the %s of case %s: %s", case.kind, case.protocol, exc)
        raise ApplyRefused("registry_refused") from exc


def _registration(rt, registry, case: DocumentCase, key: str) -> tuple[dict, str]:
    values = {c["type"]: registry_value(c["type"], c["value"]) for c in case.changes
              if c["type"] in REGISTRY_FIELDS}
    if values:
        registry.update_registration(case.beneficiary_ref, values, idempotency_key=key)
    labels = checklist.changes_of(rt)
    changed = [labels[c].label if c in labels else c for c in values]
    return {"changed": changed}, "documentos aprovados: cadastro atualizado (" + ", ".join(changed) + ")"


def _maioridade(rt, registry, case: DocumentCase, key: str) -> tuple[dict, str]:
    dependent = registry.beneficiary(case.beneficiary_ref)
    if dependent is None:
        raise ApplyRefused("beneficiary_not_found")
    until = student_until(checklist.student_rule_of(rt), dependent.birth_date, clock.today())
    registry.continue_as_student(case.beneficiary_ref, until, case.protocol, idempotency_key=key)
    return ({"dependent": dependent.first_name, "until": until},
            f"documentos aprovados: {dependent.name} segue como dependente estudante até {brdate(until)}")


def _troca(registry, case: DocumentCase, key: str) -> tuple[dict, str]:
    form = case.changes[0]["value"]
    new = NewHolder(" ".join(form["new_holder"].split()),
                    "".join(ch for ch in form["new_holder_cpf"] if ch.isdigit()))
    deceased = any(i["code"] == DEATH_CERTIFICATE for i in case.items)
    today = clock.today()
    ref = registry.transfer_holder(case.beneficiary_ref, new, deceased, today, case.protocol,
                                   idempotency_key=key)
    return ({"new_holder": new.name, "since": today, "holder_deceased": deceased},
            f"documentos aprovados: titularidade transferida para {new.name} ({ref}) em {brdate(today)}")


def student_until(rule: checklist.StudentRule, birth: date | None, today: date) -> date:
    """`rule.months` after today, never past the day before the `max_age` birthday."""
    until = add_months(today, rule.months)
    if birth is None:
        return until
    limit = _birthday(birth, rule.max_age) - timedelta(days=1)
    if limit < today:
        raise ApplyRefused("dependent_past_age_limit")
    return min(until, limit)


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _birthday(birth: date, age: int) -> date:
    year = birth.year + age
    return date(year, birth.month, min(birth.day, monthrange(year, birth.month)[1]))
