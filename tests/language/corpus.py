"""The understanding corpus (tests/corpus/*.yaml): loading it, running it, scoring it.

Shared by tests/language/test_corpus.py (the targets) and bench/understanding.py (the
full report). Two kinds of case, both described in docs/corpus.md:

- first messages, labelled with the journey they ask for: sent through the signed
  WhatsApp webhook as a known beneficiary whose identity is not confirmed yet (routing is
  decided before identity), then the journey that started is read back from the database:
  the conversation's `flow`, the protocol opened (its `journey`) or the human queue;
- slot answers given mid-journey, labelled with the value the named reader must return:
  run straight through that pure function.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import yaml
from sqlalchemy import delete, select

from bot.flows.negotiation.rules import parse_installment_request
from bot.language import choices
from bot.language.dates import parse_date_request, parse_day_period
from bot.language.intents import yes_no
from storage.db import transaction
from storage.models import Conversation, InboundMessage, OutboundMessage, Protocol, ProtocolEvent

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# Journeys the bot has: the label each is written with in the corpus.
BUILT = ("boleto", "agendamento", "minhas_consultas", "negociacao", "protocolos", "atendente",
         "procedimento", "status_guia", "contestacao", "cancelamento", "atualizacao_cadastral",
         "maioridade", "troca_titularidade")
# Journeys not built yet (or not the bot's): a first message with one of these labels
# must start no built journey at all.
NOT_BUILT = ("prestador", "fora_de_escopo", "saudacao", "raiva")
# How a started journey shows in the database: the conversation's flow, or the protocol's
# journey (a request for a person opens "atendimento_humano" and queues the conversation).
FLOW_LABELS = {"segunda_via": "boleto", "agendamento": "agendamento",
               "minhas_consultas": "minhas_consultas", "negociacao": "negociacao",
               "protocolos": "protocolos", "atendente": "atendente",
               "procedimento": "procedimento", "status_guia": "status_guia",
               "contestacao": "contestacao", "cancelamento": "cancelamento",
               "registration": "atualizacao_cadastral", "maioridade": "maioridade",
               "troca_titularidade": "troca_titularidade"}
PROTOCOL_LABELS = {"segunda_via": "boleto", "agendamento": "agendamento",
                   "minhas_consultas": "minhas_consultas", "negociacao": "negociacao",
                   "atendimento_humano": "atendente"}

MIN_FIRST_MESSAGES = 400
MIN_SLOT_CASES = 200
ROUTING_TARGET = 0.97  # share of built-journey first messages routed to their journey


class CorpusError(ValueError):
    """A corpus file that does not follow docs/corpus.md."""


# -- the cases -------------------------------------------------------------------------
@dataclass(frozen=True)
class FirstMessage:
    text: str
    label: str
    source: str  # "first_messages/boleto.yaml #3"
    also: tuple[str, ...] = ()  # further requests in the same message (not asserted yet)
    note: str | None = None


@dataclass(frozen=True)
class SlotCase:
    text: str
    reader: str
    expect: Any
    must: bool
    context: dict
    source: str
    note: str | None = None


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CorpusError(f"{path.name}: expected a mapping at the top")
    return data


def _text(value, where: str) -> str:
    # Unquoted `no`, `sim: x` or `10` would reach us as a bool, a dict or an int.
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{where}: the text must be a non-empty string (quote it): {value!r}")
    return value


def _only(mapping: dict, allowed: set[str], where: str) -> None:
    unknown = set(mapping) - allowed
    if unknown:
        raise CorpusError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")


def load_first_messages(root: Path = CORPUS) -> list[FirstMessage]:
    cases: list[FirstMessage] = []
    seen: dict[str, FirstMessage] = {}
    for path in sorted((root / "first_messages").glob("*.yaml")):
        data = _read_yaml(path)
        _only(data, {"expect", "cases"}, path.name)
        label = data.get("expect")
        if label not in BUILT + NOT_BUILT:
            raise CorpusError(f"{path.name}: unknown label {label!r}")
        for i, raw in enumerate(data.get("cases") or [], 1):
            where = f"first_messages/{path.name} #{i}"
            if isinstance(raw, dict):
                _only(raw, {"text", "also", "note"}, where)
                text, also, note = raw.get("text"), tuple(raw.get("also") or ()), raw.get("note")
            else:
                text, also, note = raw, (), None
            case = FirstMessage(_text(text, where), label, where, also, note)
            for other in also:
                if other not in BUILT + NOT_BUILT:
                    raise CorpusError(f"{where}: unknown label {other!r} in also")
            key = " ".join(case.text.split())  # "ATENDENTE" and "atendente" are two cases
            if key in seen:
                raise CorpusError(f"{where}: same text as {seen[key].source}")
            seen[key] = case
            cases.append(case)
    return cases


def load_slot_cases(root: Path = CORPUS) -> list[SlotCase]:
    cases: list[SlotCase] = []
    seen: dict[tuple, SlotCase] = {}
    for path in sorted((root / "slots").glob("*.yaml")):
        data = _read_yaml(path)
        _only(data, {"reader", "context", "must", "cases", "groups"}, path.name)
        reader = data.get("reader")
        if reader not in READERS:
            raise CorpusError(f"{path.name}: unknown reader {reader!r} (known: {sorted(READERS)})")
        groups = data.get("groups") or [{"context": {}, "cases": data.get("cases") or []}]
        for g, group in enumerate(groups, 1):
            _only(group, {"name", "context", "cases"}, f"{path.name} group {g}")
            context = {**(data.get("context") or {}), **(group.get("context") or {})}
            for i, raw in enumerate(group.get("cases") or [], 1):
                where = f"slots/{path.name} {group.get('name') or ''} #{i}".replace("  ", " ")
                if not isinstance(raw, dict) or "expect" not in raw:
                    raise CorpusError(f"{where}: a slot case is {{text: ..., expect: ...}}")
                _only(raw, {"text", "expect", "must", "note", "context"}, where)
                case = SlotCase(_text(raw.get("text"), where), reader, raw["expect"],
                                bool(raw.get("must", data.get("must", True))),
                                {**context, **(raw.get("context") or {})}, where, raw.get("note"))
                key = (reader, case.text, repr(sorted(case.context.items(), key=str)))
                if key in seen and seen[key].expect != case.expect:
                    raise CorpusError(f"{where}: contradicts {seen[key].source}")
                seen[key] = case
                cases.append(case)
    return cases


# -- slot readers --------------------------------------------------------------------------
# Each reader is the real understanding function, given what it needs from the case's
# context. Point a name at a new function here when the understanding code moves.
READERS: dict[str, Callable[[str, dict], Any]] = {
    "bot.language.dates.parse_date_request": lambda text, ctx: parse_date_request(text, ctx["today"]),
    "bot.language.dates.parse_day_period": lambda text, ctx: parse_day_period(text),
    "bot.language.intents.yes_no": lambda text, ctx: yes_no(text),
    "bot.language.choices.single": lambda text, ctx: choices.single(text, len(ctx["options"])),
    # Lists read by what each item is ("o vencido", "o das 15"): the options as shown.
    "bot.language.choices.pick":
        lambda text, ctx: choices.pick(text, ctx["options"], today=ctx.get("today")),
    "bot.flows.negotiation.rules.parse_installment_request":
        lambda text, ctx: parse_installment_request(text),
}


def _same(got, want) -> bool:
    if want is None:
        return got is None
    if isinstance(want, bool):
        return got is want
    if isinstance(want, (int, float, Decimal)):
        return (isinstance(got, (int, float, Decimal)) and not isinstance(got, bool)
                and Decimal(str(got)) == Decimal(str(want)))
    if isinstance(want, date):
        return isinstance(got, date) and got == want
    return got == want


def observed(result, expect):
    """What the reader returned, in the shape of `expect` (the fields it names)."""
    if isinstance(expect, dict) and result is not None:
        return {key: getattr(result, key, None) for key in expect}
    return result


def read_correctly(result, expect) -> bool:
    if isinstance(expect, dict):
        return result is not None and all(_same(getattr(result, key, None), value)
                                          for key, value in expect.items())
    return _same(result, expect)


@dataclass
class SlotResult:
    case: SlotCase
    got: Any
    ok: bool
    error: str | None = None


def run_slots(cases: list[SlotCase]) -> list[SlotResult]:
    results = []
    for case in cases:
        try:
            raw = READERS[case.reader](case.text, case.context)
        except Exception as exc:  # a reader that crashes reads nothing: counted, reported
            results.append(SlotResult(case, None, False, f"{type(exc).__name__}: {exc}"))
            continue
        results.append(SlotResult(case, observed(raw, case.expect), read_correctly(raw, case.expect)))
    return results


# -- first messages through the engine ------------------------------------------------------
@dataclass
class Routed:
    case: FirstMessage
    route: str | None  # the built journey that started, None when none did
    reply: str  # the bot's first words back, for the report

    @property
    def correct(self) -> bool:
        if self.case.label in BUILT:
            return self.route == self.case.label
        return self.route is None

    @property
    def misrouted(self) -> bool:
        """A built journey other than the one asked for started (for a label not built,
        any built journey)."""
        return self.route is not None and self.route != self.case.label


def started_journey(rt, address: str) -> str | None:
    """The built journey the last message started for `address`, read from the database."""
    with transaction(rt.sessions) as s:
        conversation = s.scalars(select(Conversation).where(Conversation.address == address)).first()
        if conversation is None:
            return None
        if conversation.flow in FLOW_LABELS:
            return FLOW_LABELS[conversation.flow]
        journeys = [p.journey for p in s.scalars(
            select(Protocol).where(Protocol.conversation_id == conversation.id).order_by(Protocol.id))]
        labels = [PROTOCOL_LABELS[j] for j in journeys if j in PROTOCOL_LABELS]
        if labels:
            return labels[0]
        return "atendente" if conversation.handoff == "waiting" else None


def forget_conversations(rt) -> None:
    """Every case starts as a first message: no conversation, protocol or message left."""
    with transaction(rt.sessions) as s:
        for model in (OutboundMessage, ProtocolEvent, Protocol, InboundMessage, Conversation):
            s.execute(delete(model))


def route_all(cases: list[FirstMessage], send: Callable[[str], list[str]], rt,
              address: str) -> list[Routed]:
    """Each case as the first message of a fresh conversation from `address`.

    `send(text)` posts the signed webhook and runs the workers, returning the replies."""
    results = []
    for case in cases:
        forget_conversations(rt)
        replies = send(case.text)
        results.append(Routed(case, started_journey(rt, address), " | ".join(replies)))
    forget_conversations(rt)
    return results


# -- scores ------------------------------------------------------------------------------
@dataclass
class LabelScore:
    label: str
    cases: int = 0
    correct: int = 0
    routed_here: int = 0  # cases of any label that started this journey (built labels)

    @property
    def recall(self) -> float:
        return self.correct / self.cases if self.cases else 0.0

    @property
    def precision(self) -> float | None:
        if self.label not in BUILT:
            return None  # nothing routes "to" a journey that does not exist
        return self.correct / self.routed_here if self.routed_here else None


@dataclass
class RoutingScore:
    results: list[Routed]
    labels: dict[str, LabelScore] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for label in BUILT + NOT_BUILT:
            self.labels[label] = LabelScore(label)
        for r in self.results:
            score = self.labels[r.case.label]
            score.cases += 1
            score.correct += r.correct
            if r.route is not None:
                self.labels[r.route].routed_here += 1

    @property
    def built(self) -> list[Routed]:
        return [r for r in self.results if r.case.label in BUILT]

    @property
    def built_accuracy(self) -> float:
        built = self.built
        return sum(r.correct for r in built) / len(built) if built else 0.0

    @property
    def misroutes(self) -> list[Routed]:
        return [r for r in self.results if r.misrouted]

    @property
    def not_understood(self) -> list[Routed]:
        """Built-journey requests that started nothing (the menu, "não entendi")."""
        return [r for r in self.built if r.route is None]

    def patterns(self) -> Counter:
        """(asked, started) pairs of the misroutes, most frequent first."""
        return Counter((r.case.label, r.route) for r in self.misroutes)


def format_routing(score: RoutingScore, *, limit: int | None = None) -> str:
    head = f"first messages: {len(score.results)}; "
    if score.built:
        head += (f"built journeys routed correctly: {score.built_accuracy:.1%} "
                 f"(target {ROUTING_TARGET:.0%}); ")
    lines = [head + f"misroutes: {len(score.misroutes)} (target 0)", "",
             f"{'label':24} {'cases':>5} {'recall':>7} {'precision':>9}"]
    for label in BUILT + NOT_BUILT:
        s = score.labels[label]
        if not s.cases:
            continue
        precision = "-" if s.precision is None else f"{s.precision:.1%}"
        kind = "" if label in BUILT else "  (not built: recall = nothing started)"
        lines.append(f"{label:24} {s.cases:>5} {s.recall:>7.1%} {precision:>9}{kind}")
    if score.misroutes:
        lines += ["", "misroute patterns (asked -> started): " + ", ".join(
            f"{asked}->{started} x{n}" for (asked, started), n in score.patterns().most_common())]
        lines += ["", "misroutes:"]
        for r in score.misroutes[:limit]:
            lines.append(f"  [{r.case.label} -> {r.route}] {r.case.text!r}  ({r.case.source})")
    if score.not_understood:
        lines += ["", "built-journey requests that started nothing:"]
        for r in score.not_understood[:limit]:
            lines.append(f"  [{r.case.label}] {r.case.text!r} -> {r.reply[:70]!r}")
    return "\n".join(lines)


def format_slots(results: list[SlotResult], *, only_must: bool = False,
                 limit: int | None = None) -> str:
    by_reader: dict[str, list[SlotResult]] = defaultdict(list)
    for r in results:
        by_reader[r.case.reader].append(r)
    lines = [f"slot cases: {len(results)}; read correctly: {sum(r.ok for r in results)}; "
             f"must cases wrong: {sum(1 for r in results if r.case.must and not r.ok)} (target 0)", "",
             f"{'reader':50} {'cases':>5} {'correct':>8} {'must ok':>9}"]
    for reader, rs in sorted(by_reader.items()):
        must = [r for r in rs if r.case.must]
        lines.append(f"{reader:50} {len(rs):>5} {sum(r.ok for r in rs) / len(rs):>8.1%} "
                     f"{sum(r.ok for r in must):>4}/{len(must):<4}")
    wrong = [r for r in results if not r.ok and (r.case.must or not only_must)]
    if wrong:
        lines += ["", "read wrongly (text: expected / got):"]
        for r in wrong[:limit]:
            flag = "" if r.case.must else " (not must)"
            got = r.error or r.got
            lines.append(f"  {r.case.reader.rsplit('.', 1)[-1]}: {r.case.text!r}: "
                         f"{r.case.expect!r} / {got!r}{flag}")
    return "\n".join(lines)
