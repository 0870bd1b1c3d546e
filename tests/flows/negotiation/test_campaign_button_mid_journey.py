"""The campaign's button pressed in the middle of another journey."""
from __future__ import annotations

import re

from storage.db import transaction
from storage.models import Conversation
from tests.conftest import JOSE
from tests.scheduling_support import protocols

NUMBER = re.compile(r"\*(123456\d{14})\*")


def test_the_campaign_button_in_the_middle_of_a_journey_gives_that_journey_up(wa, rt):
    second_copy = NUMBER.search(wa.say(JOSE, "2a via")[0]).group(1)
    [reply] = wa.say(JOSE, "Quero negociar", extra={"ButtonPayload": "negotiate"})
    negotiation = NUMBER.search(reply).group(1)
    assert negotiation != second_copy and "negociação" in reply
    assert protocols(rt)[second_copy][1:] == ("cancelado", ["aberto", "cancelado"])
    assert protocols(rt)[negotiation][1] == "aberto"
    with transaction(rt.sessions) as s:
        c = s.query(Conversation).filter_by(address=JOSE).one()
        assert c.flow == "negociacao" and c.data["protocol"] == negotiation

