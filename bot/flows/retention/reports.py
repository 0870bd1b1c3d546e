"""Retention reports: time to finish (median, p90), reasons, retention rate by city and by
action offered, contacts needed before a reply; and the cases as CSV. Pure over rows."""
from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows.retention.vocabulary import ACTIONS, AREAS, OUTCOMES, REASONS
from bot.language.formatting import mask_cpf
from storage.models import RetentionCase, RetentionContact

KEPT = ("retained", "partial")


def percentile(values: list[int], pct: int) -> int | None:
    """Nearest-rank percentile (p90 of 10 values is the 9th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _rate(kept: int, total: int) -> float:
    return round(100 * kept / total, 1) if total else 0.0


def contacts_before_reply(case: RetentionCase, contacts: list[RetentionContact]) -> int:
    sent = {c.number for c in contacts if c.status == "sent" and c.sent_at is not None
            and (case.replied_at is None or c.sent_at <= case.replied_at)}
    return len(sent)


def summary(cases: list[RetentionCase], contacts: dict[int, list[RetentionContact]]) -> dict:
    closed = [c for c in cases if c.status == "closed" and c.closed_on]
    days = [(c.closed_on - c.opened_on).days for c in closed]
    by_city: dict[str, list] = defaultdict(list)
    by_action: dict[str, list] = defaultdict(list)
    for c in closed:
        by_city[c.city.upper()].append(c.outcome in KEPT)
        for action in c.actions or []:
            by_action[action].append(c.outcome in KEPT)
    replied = [c for c in cases if c.replied_at is not None]
    needed = [contacts_before_reply(c, contacts.get(c.id, [])) for c in replied]
    return {
        "cases": len(cases), "closed": len(closed),
        "time_to_finish_days": {"median": median(days) if days else None,
                                "p90": percentile(days, 90)},
        "outcomes": {OUTCOMES[k]: v for k, v in Counter(c.outcome for c in closed).items()},
        "reasons": {REASONS.get(k, k or "não informado"): v
                    for k, v in Counter(c.reason for c in closed).most_common()},
        "retention_rate_by_city": {city: {"cases": len(v), "rate_pct": _rate(sum(v), len(v))}
                                   for city, v in sorted(by_city.items())},
        "retention_rate_by_action": {ACTIONS.get(a, a): {"cases": len(v), "rate_pct": _rate(sum(v), len(v))}
                                     for a, v in sorted(by_action.items())},
        "contacts_needed": {"replied": len(replied),
                            "mean": round(sum(needed) / len(needed), 2) if needed else None,
                            "distribution": dict(sorted(Counter(needed).items())),
                            "no_reply": len(cases) - len(replied)},
    }


def load(session: Session) -> tuple[list[RetentionCase], dict[int, list[RetentionContact]]]:
    cases = list(session.scalars(select(RetentionCase).order_by(RetentionCase.id)))
    contacts: dict[int, list[RetentionContact]] = defaultdict(list)
    for row in session.scalars(select(RetentionContact)):
        contacts[row.case_id].append(row)
    return cases, contacts


CSV_COLUMNS = ["protocolo", "operadora", "cro", "uf", "dentista", "cnpj", "cpf", "cidade", "vidas",
               "abertura", "encerramento", "tempo_finalizacao_dias", "status", "resultado",
               "motivo", "motivo_sugerido", "acoes", "justificativa", "areas_divulgadas",
               "areas_mantidas", "contatos_enviados", "respondeu_em", "canal_resposta"]


def to_csv(cases: list[RetentionCase], contacts: dict[int, list[RetentionContact]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for c in cases:
        sent = sorted({x.number for x in contacts.get(c.id, []) if x.status == "sent"})
        writer.writerow([
            c.protocol_number, c.operator, c.cro, c.uf, c.dentist_name, c.cnpj or "", mask_cpf(c.cpf) if c.cpf else "",
            c.city, c.lives, c.opened_on.strftime("%d/%m/%Y"),
            c.closed_on.strftime("%d/%m/%Y") if c.closed_on else "",
            (c.closed_on - c.opened_on).days if c.closed_on else "", c.status,
            OUTCOMES.get(c.outcome or "", ""), REASONS.get(c.reason or "", ""),
            REASONS.get(c.suggested_reason or "", ""),
            ", ".join(ACTIONS.get(a, a) for a in c.actions or []), c.action_justification or "",
            ", ".join(AREAS.get(a, a) for a in c.areas or {}),
            ", ".join(AREAS.get(a, a) for a in c.kept_areas or []), len(sent),
            c.replied_at.strftime("%d/%m/%Y %H:%M") if c.replied_at else "", c.reply_channel or ""])
    return out.getvalue()
