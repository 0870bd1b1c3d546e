"""One module per journey; importing this package registers them all with the engine."""
from bot import appointments, scheduled
from bot.flows import boleto, handoff, my_appointments, protocols, scheduling  # noqa: F401

scheduled.register(appointments.send_due_reminders)
