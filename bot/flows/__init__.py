"""One module per journey; importing this package registers them all with the engine."""
from bot.flows import boleto, handoff, protocols  # noqa: F401
