"""The supervisors' dashboard: journeys started and completed per day, handoff rate,
waiting time until a person took over (p50/p90), messages per hour and delivery failures
by error code — charts drawn server-side as SVG, each table also as CSV."""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Response, abort, current_app, render_template, request
from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import AuditEntry, InboundMessage, OutboundMessage, Protocol, ProtocolEvent

from . import labels
from .auth import requires
from .blueprint import bp

DEFAULT_DAYS = 14
MAX_DAYS = 90
FAILED = ("failed", "undelivered")


def _rt():
    return current_app.extensions["planbot"]


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list]


def _local_day(moment) -> date:
    return clock.to_local(moment).date()


def _percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (no interpolation: a reported wait really happened)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 100) * len(ordered) // 100))
    return ordered[rank - 1]


def metrics(session, days: int) -> dict[str, Table]:
    today = clock.today()
    first = today - timedelta(days=days - 1)
    since = clock.from_local(clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)) \
        - timedelta(days=days - 1)
    day_list = [first + timedelta(days=i) for i in range(days)]

    started, completed, handed = Counter(), Counter(), Counter()
    for p in session.scalars(select(Protocol).where(Protocol.created_at >= since)):
        started[_local_day(p.created_at)] += 1
    for e in session.scalars(select(ProtocolEvent).where(ProtocolEvent.created_at >= since)):
        if e.status == "concluido":
            completed[_local_day(e.created_at)] += 1
    handed_protocols: dict[date, set[int]] = {}
    for e in session.scalars(select(ProtocolEvent).where(ProtocolEvent.created_at >= since,
                                                         ProtocolEvent.status == "encaminhado")):
        handed_protocols.setdefault(_local_day(e.created_at), set()).add(e.protocol_id)
    for day, ids in handed_protocols.items():
        handed[day] = len(ids)

    waits = [float(a.details.get("waited_seconds")) / 60 for a in session.scalars(
        select(AuditEntry).where(AuditEntry.at >= since, AuditEntry.action.in_(("take", "force_take"))))
        if isinstance((a.details or {}).get("waited_seconds"), (int, float))]

    per_hour = Counter()
    for (at,) in session.execute(select(InboundMessage.received_at).where(InboundMessage.received_at >= since)):
        per_hour[("in", clock.to_local(at).hour)] += 1
    for (at,) in session.execute(select(OutboundMessage.created_at).where(OutboundMessage.created_at >= since)):
        per_hour[("out", clock.to_local(at).hour)] += 1

    failures = Counter(code or "sem código" for (code,) in session.execute(
        select(OutboundMessage.error_code).where(OutboundMessage.created_at >= since,
                                                 OutboundMessage.status.in_(FAILED))))

    def rate(day):
        return round(100 * handed[day] / started[day], 1) if started[day] else 0.0

    return {
        "journeys": Table("Jornadas por dia", ["dia", "iniciadas", "concluídas"],
                          [[d.strftime("%d/%m"), started[d], completed[d]] for d in day_list]),
        "handoff": Table("Encaminhamentos a atendente por dia", ["dia", "encaminhadas", "taxa (%)"],
                         [[d.strftime("%d/%m"), handed[d], rate(d)] for d in day_list]),
        "waiting": Table("Espera até um atendente assumir (min)", ["medida", "minutos", "atendimentos"],
                         [["p50", _round(_percentile(waits, .5)), len(waits)],
                          ["p90", _round(_percentile(waits, .9)), len(waits)]]),
        "hours": Table("Mensagens por hora do dia", ["hora", "recebidas", "enviadas"],
                       [[f"{h:02d}h", per_hour[("in", h)], per_hour[("out", h)]] for h in range(24)]),
        "failures": Table("Falhas de entrega por código de erro", ["código", "falhas"],
                          [[code, n] for code, n in failures.most_common()]),
    }


def _round(value):
    return None if value is None else round(value, 1)


def bar_chart(table: Table, value_columns: list[int], width: int = 640, height: int = 180) -> dict:
    """Geometry of a grouped bar chart (the template draws it as SVG, autoescaped)."""
    series = len(value_columns)
    peak = max([row[i] or 0 for row in table.rows for i in value_columns] + [1])
    left, bottom, top = 36, 22, 10
    plot_w, plot_h = width - left - 4, height - bottom - top
    group = plot_w / max(1, len(table.rows))
    bar = max(1.0, (group - 4) / series)
    bars, ticks = [], []
    for n, row in enumerate(table.rows):
        x0 = left + n * group + 2
        for k, col in enumerate(value_columns):
            value = row[col] or 0
            h = plot_h * value / peak
            bars.append({"x": round(x0 + k * bar, 1), "y": round(top + plot_h - h, 1),
                         "w": round(bar - 1, 1), "h": round(h, 1), "series": k,
                         "title": f"{row[0]} — {table.columns[col]}: {value}"})
        if len(table.rows) <= 16 or n % 2 == 0:
            ticks.append({"x": round(x0 + group / 2 - 2, 1), "label": row[0]})
    return {"width": width, "height": height, "bars": bars, "ticks": ticks, "peak": peak,
            "top": top, "base": top + plot_h, "left": left,
            "legend": [table.columns[c] for c in value_columns]}


def _days() -> int:
    try:
        return min(MAX_DAYS, max(1, int(request.args.get("days", DEFAULT_DAYS))))
    except ValueError:
        return DEFAULT_DAYS


@bp.get("/dashboard")
@requires("supervisor")
def dashboard():
    days = _days()
    with transaction(_rt().sessions) as s:
        tables = metrics(s, days)
    charts = {"journeys": bar_chart(tables["journeys"], [1, 2]),
              "handoff": bar_chart(tables["handoff"], [1]),
              "hours": bar_chart(tables["hours"], [1, 2]),
              "failures": bar_chart(tables["failures"], [1]) if tables["failures"].rows else None}
    return render_template("console/dashboard.html", tables=tables, charts=charts, days=days,
                           labels=labels)


@bp.get("/dashboard/<name>.csv")
@requires("supervisor")
def dashboard_csv(name: str):
    days = _days()
    with transaction(_rt().sessions) as s:
        table = metrics(s, days).get(name)
    if table is None:
        abort(404)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # what a pt-BR spreadsheet opens by default
    writer.writerow(table.columns)
    writer.writerows([["" if v is None else str(v).replace(".", ",") if isinstance(v, float) else v
                       for v in row] for row in table.rows])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{days}d.csv"'})
