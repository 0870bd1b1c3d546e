"""The conversation engine: flows, turns, dispatch, the session and the human queue.

Journeys (bot.flows) use what this package exports; the pipeline calls `handle`.
"""
from bot.engine.dispatch import handle, handle_idle
from bot.engine.flow import File, FirstWords, Flow, Journeys, MenuEntry, Message
from bot.engine.session import close_idle_session, give_up_journey, is_idle, session_left
from bot.engine.turn import Turn

__all__ = ["File", "FirstWords", "Flow", "Journeys", "MenuEntry", "Message", "Turn",
           "close_idle_session", "give_up_journey", "handle", "handle_idle", "is_idle",
           "session_left"]
