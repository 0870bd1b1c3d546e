"""The negotiation campaign's invitation reveals no debt."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import OutboundMessage


# -- 11: the campaign invitation is neutral --------------------------------------------------------
def test_campaign_text_reveals_no_debt(rt):
    from dataclasses import replace

    from bot.flows.negotiation.campaign import start_negotiation_campaign

    rt.settings = replace(rt.settings, content_negotiation_sid="HXnegotiate")
    start_negotiation_campaign(rt, rate=5, started_by="test")
    with transaction(rt.sessions) as s:
        bodies = list(s.scalars(select(OutboundMessage.body).where(OutboundMessage.content_sid == "HXnegotiate")))
    assert bodies
    for body in bodies:
        lowered = body.lower()
        assert "área financeira" in lowered
        for word in ("título", "débito", "dívida", "aberto", "atraso", "r$", "cobrança", "negociar"):
            assert word not in lowered

