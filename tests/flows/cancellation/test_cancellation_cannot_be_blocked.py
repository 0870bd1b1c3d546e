"""Property: once the person has asked to cancel and confirmed who they are, whatever they
answer afterwards (the offer, commands, nonsense, another journey, a human) and whether or
not the operator's systems are up, the cancellation ends registered, once, with its proof."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.cli import DEMO_FILE
from bot.flows.cancellation.registration import register_pending
from bot.registry.base import RegistryUnavailable
from bot.registry.embedded import EmbeddedRegistry
from storage.db import transaction
from storage.loader import load_file
from storage.models import Cancellation, RegCancellation

from ...conftest import MARIA, _wipe, drain

MARIA_CPF = "11676496726"
ASKS = ["quero cancelar meu plano", "cancelar o plano", "Quero o cancelamento do plano",
        "sair do plano"]
ANSWERS = ["sim", "não", "quero", "nao quero", "sair", "menu", "cancelar", "atendente", "1", "2",
           "5", "ok", "obrigada", "2a via do boleto", "quero cancelar meu plano", "???", "👍",
           "quero marcar consulta", "meus protocolos", "talvez", "oi", ""]
WRONG_IDENTITY = ["999", "não sei", "oi", "?", "123"]


def _reset(rt, settings):
    _wipe(settings.database_url)
    rt.redis.flushdb()
    with transaction(rt.sessions) as s:
        load_file(s, DEMO_FILE)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ask=st.sampled_from(ASKS),
       wrong=st.lists(st.sampled_from(WRONG_IDENTITY), max_size=1),
       after=st.lists(st.one_of(st.sampled_from(ANSWERS), st.text(max_size=30)), max_size=4),
       registry_up=st.booleans())
def test_every_path_ends_registered(wa, rt, twilio, monkeypatch, settings, ask, wrong, after,
                                    registry_up):
    _reset(rt, settings)
    original = EmbeddedRegistry.register_cancellation
    if not registry_up:
        def down(self, *a, **kw):
            raise RegistryUnavailable("HTTP 503")
        monkeypatch.setattr(EmbeddedRegistry, "register_cancellation", down)
    try:
        wa.say(MARIA, ask)
        for answer in wrong:
            wa.say(MARIA, answer)
        wa.say(MARIA, MARIA_CPF[:3])
        for answer in after:
            if answer.strip():
                wa.say(MARIA, answer)
    finally:
        monkeypatch.setattr(EmbeddedRegistry, "register_cancellation", original)
    register_pending(rt)  # the sweeper's due work, once the operator is back
    drain(rt)
    with transaction(rt.sessions) as s:
        ours = list(s.scalars(select(Cancellation)))
        theirs = list(s.scalars(select(RegCancellation)))
        assert ours and all(c.status == "registered" for c in ours)
        assert len(theirs) == 1 and theirs[0].beneficiary_ref == "B001"
        assert ours[0].proof_sent_at is not None
