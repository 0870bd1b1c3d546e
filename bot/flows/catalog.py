"""The journeys this service offers, listed explicitly (importing a journey registers
nothing). The order is the engine's tie-break order for intents."""
from __future__ import annotations

from bot.engine import Journeys
from bot.flows.boleto import flow as boleto
from bot.flows.handoff import flow as handoff
from bot.flows.negotiation import flow as negotiation
from bot.flows.negotiation import rules as negotiation_rules
from bot.flows.protocols import flow as protocols
from bot.flows.scheduling import flow as scheduling
from bot.flows.scheduling import my_appointments
from bot.language import not_ours

JOURNEYS = Journeys((
    boleto.flow,
    handoff.flow,
    scheduling.flow,
    my_appointments.flow,
    negotiation.flow,
    protocols.flow,
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
    not_ours.load()  # config/language/not_ours.yaml
