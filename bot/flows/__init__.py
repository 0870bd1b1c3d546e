"""One module per journey; importing this package registers them all with the engine."""
from bot import appointments, scheduled
from bot.flows import (  # noqa: F401
    boleto,
    handoff,
    my_appointments,
    negotiation,
    protocols,
    scheduling,
)

scheduled.register(appointments.send_due_reminders)
