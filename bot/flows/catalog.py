"""The journeys this service offers, listed explicitly (importing a journey registers
nothing). The order is the engine's tie-break order for intents."""
from __future__ import annotations

from bot.engine import Journeys
from bot.flows.boleto import flow as boleto
from bot.flows.cancellation import flow as cancellation
from bot.flows.cancellation import rules as cancellation_rules
from bot.flows.cases import checklist as case_checklists
from bot.flows.disputes import flow as disputes
from bot.flows.disputes import rules as dispute_rules
from bot.flows.documents import flow as documents
from bot.flows.guides import flow as guides
from bot.flows.handoff import flow as handoff
from bot.flows.maioridade import flow as maioridade
from bot.flows.negotiation import flow as negotiation
from bot.flows.negotiation import rules as negotiation_rules
from bot.flows.procedures import flow as procedures
from bot.flows.procedures import rules as procedure_rules
from bot.flows.protocols import flow as protocols
from bot.flows.registration import flow as registration
from bot.flows.retention import cadence_rules as retention_cadence
from bot.flows.retention import flow as retention
from bot.flows.scheduling import flow as scheduling
from bot.flows.scheduling import my_appointments
from bot.flows.troca_titularidade import flow as troca_titularidade
from bot.language import not_ours

JOURNEYS = Journeys((
    boleto.flow,
    handoff.flow,
    scheduling.flow,
    my_appointments.flow,
    negotiation.flow,
    protocols.flow,
    procedures.flow,
    guides.flow,
    disputes.flow,
    cancellation.flow,
    retention.flow,
    registration.flow,
    maioridade.flow,
    troca_titularidade.flow,
    documents.flow,
))


def prepare(runtime):
    """Give a runtime this deployment's journeys (once), for the web app, the workers and
    the CLI alike."""
    if runtime.journeys is None:
        runtime.journeys = JOURNEYS
    return runtime


def check(runtime) -> None:
    """Load what the journeys need from configuration now, so an invalid file stops the
    start-up with its reason instead of failing the first conversation."""
    negotiation_rules.of(runtime)
    procedure_rules.check()
    dispute_rules.of()
    cancellation_rules.of(runtime)
    retention_cadence.of(runtime)
    case_checklists.changes_of(runtime)
    case_checklists.review_of(runtime)
    case_checklists.student_rule_of(runtime)
    for kind in (maioridade.KIND, troca_titularidade.KIND):
        case_checklists.checklist_of(runtime, kind)
    not_ours.load()  # config/language/not_ours.yaml
