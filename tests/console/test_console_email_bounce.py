"""The console's conversation page says when the person's e-mail address bounced."""
from __future__ import annotations

from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import Conversation, EmailBounce

from .support import make_user, sign_in


def _page(app, rt, address: str) -> str:
    make_user(rt, "ana@op.com.br", "Ana")
    client = app.test_client()
    sign_in(client, "ana@op.com.br")
    with transaction(rt.sessions) as s:
        s.add(Conversation(channel="email", address=address, data={}, handoff="waiting",
                           escalated_at=clock.now()))
    with transaction(rt.sessions) as s:
        cid = s.scalars(select(Conversation.id).where(Conversation.address == address)).one()
    return client.get(f"/console/conversations/{cid}").get_data(as_text=True)


def test_a_bounced_address_is_flagged_on_the_conversation_page(app, rt):
    with transaction(rt.sessions) as s:
        s.add(EmailBounce(address="naoexiste@example.com.br", status="5.1.1",
                          diagnostic="smtp; 550 5.1.1 User unknown", bounced_at=clock.now()))
    page = _page(app, rt, "naoexiste@example.com.br")
    assert 'id="email-undeliverable"' in page and "5.1.1" in page and "User unknown" in page


def test_a_deliverable_address_has_no_flag(app, rt):
    assert 'id="email-undeliverable"' not in _page(app, rt, "maria.silva@example.com.br")
