"""Retention cases: created (from the form's data: CSV/JSON import, the API), found by
provider, closed with an outcome. The cadence (cadence.py) and the replies (flow.py) work
on what these functions store."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows.retention.case_format import CaseInput
from bot.flows.retention.vocabulary import ACTIONS, AREAS, OUTCOMES, REASONS
from bot.platform import clock
from bot.services import protocols
from storage.models import RetentionCase

OPEN = ("open", "replied")


class CaseError(ValueError):
    """A case that cannot be created or closed; the message says why (pt-BR)."""


def parse_file(name: str, content: str) -> list[dict]:
    """Rows of a CSV (header = CaseInput's fields; ',' or ';' separated) or a JSON file
    (an object or a list of them)."""
    if name.lower().endswith(".json"):
        data = json.loads(content)
        return data if isinstance(data, list) else [data]
    sample = content[:2048]
    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(io.StringIO(content), dialect=dialect)]


def validate(item: dict) -> CaseInput:
    try:
        return CaseInput.model_validate(item)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'caso'}: {e['msg']}" for e in exc.errors())
        raise CaseError(problems) from None


def create(session: Session, runtime, item: dict) -> tuple[RetentionCase, bool]:
    """(case, created). The same protocol again returns the existing case (an import run
    twice creates nothing twice)."""
    data = validate(item)
    if data.protocol:
        known = session.scalars(select(RetentionCase)
                                .where(RetentionCase.protocol_number == data.protocol)).first()
        if known is not None:
            return known, False
    registry = runtime.registry.bind(session)
    provider = registry.dental_provider(data.provider_ref) if data.provider_ref else \
        registry.dental_provider_by_cro(data.cro, data.uf)
    if provider is None:
        raise CaseError(f"prestador CRO {data.cro}-{data.uf} não encontrado no cadastro da operadora")
    number = data.protocol or protocols.open_protocol(
        session, runtime.settings, "retencao", beneficiary_ref=None, conversation_id=None,
        details={"provider_ref": provider.ref}).number
    fields = data.model_dump(exclude={"protocol", "provider_ref"})
    case = RetentionCase(protocol_number=number, provider_ref=provider.ref, created_at=clock.now(),
                         status="open", **fields)
    session.add(case)
    session.flush()
    return case, True


def open_case_for(session: Session, provider_ref: str) -> RetentionCase | None:
    return session.scalars(select(RetentionCase).where(
        RetentionCase.provider_ref == provider_ref, RetentionCase.status.in_(OPEN))
        .order_by(RetentionCase.id.desc())).first()


def close(session: Session, case: RetentionCase, outcome: str, *, end_date: date | None = None,
          reason: str | None = None, actions: list[str] | None = None,
          justification: str | None = None, kept_areas: list[str] | None = None) -> RetentionCase:
    """The attendant's decision: retained / left / partial (fewer published areas)."""
    if outcome not in OUTCOMES:
        raise CaseError(f"resultado deve ser um de {', '.join(OUTCOMES)}")
    reason = reason or case.suggested_reason
    if reason is not None and reason not in REASONS:
        raise CaseError(f"motivo desconhecido: {reason!r}")
    actions = list(actions if actions is not None else case.actions)
    if any(a not in ACTIONS for a in actions):
        raise CaseError("ação de retenção desconhecida")
    if "outros" in actions and not (justification or case.action_justification):
        raise CaseError('ação "Outros" exige justificativa')
    kept = list(kept_areas or [])
    if outcome == "partial" and (not kept or any(a not in AREAS for a in kept)):
        raise CaseError("retenção parcial: informe as áreas que continuam divulgadas")
    case.outcome, case.reason, case.actions = outcome, reason, actions
    case.action_justification = justification or case.action_justification
    case.kept_areas = kept
    case.closed_on = end_date or clock.today()
    case.status = "closed"
    return case


def import_items(session: Session, runtime, items: list[dict]) -> tuple[list[RetentionCase], list[str]]:
    """All or nothing: every row is checked first; any problem → nothing is created and
    the problems are returned by row (1-based)."""
    errors = []
    for n, item in enumerate(items, 1):
        try:
            validate(item)
        except CaseError as exc:
            errors.append(f"linha {n}: {exc}")
    if errors:
        return [], errors
    created = []
    for n, item in enumerate(items, 1):
        try:
            case, new = create(session, runtime, item)
        except CaseError as exc:
            errors.append(f"linha {n}: {exc}")
            continue
        if new:
            created.append(case)
    return (created, []) if not errors else ([], errors)


def describe(case: RetentionCase, contacts: list, outbound: dict) -> dict:
    """The case for the attendants' API: the form's fields and each contact with its
    delivery status (from its outbox row)."""
    return {
        "id": case.id, "protocol": case.protocol_number, "provider_ref": case.provider_ref,
        "operator": case.operator, "cro": case.cro, "uf": case.uf, "dentist_name": case.dentist_name,
        "city": case.city, "opened_on": case.opened_on.isoformat(), "status": case.status,
        "outcome": case.outcome, "reason": case.reason, "suggested_reason": case.suggested_reason,
        "actions": case.actions, "areas": case.areas, "kept_areas": case.kept_areas,
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "replied_at": case.replied_at.isoformat() if case.replied_at else None,
        "reply_channel": case.reply_channel,
        "contacts": [{"number": c.number, "channel": c.channel, "address": c.address,
                      "sent_at": c.sent_at.isoformat() if c.sent_at else None, "text": c.text,
                      "status": c.status,
                      "delivery": outbound.get(c.outbound_id) if c.outbound_id else None}
                     for c in sorted(contacts, key=lambda c: (c.number, c.channel))],
    }
