"""'Para quem?' as a list-picker."""
from __future__ import annotations

from tests.conftest import MARIA, drain
from tests.scheduling_support import (
    conversation_state,
)


# -- item 7: who the appointment is for is a choice too (list-picker when configured) -----------
def test_who_is_asked_with_a_list_picker_when_configured(wa, rt, twilio):
    import json
    from dataclasses import replace

    rt.settings = replace(rt.settings, content_list_sid="HXlist", content_buttons_sid="HXbuttons")
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    sent = twilio.created[-1]
    assert sent["ContentSid"] == "HXlist"
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == "Para quem é a consulta? Escolha na lista."
    assert [variables["2"], variables["3"], variables["4"]] == [
        "patient:B001", "Maria Aparecida da Silva", "Você"]
    assert [variables["5"], variables["6"], variables["7"]] == [
        "patient:B002", "João Pedro da Silva", "Dependente"]
    wa.post(MARIA, "João Pedro da Silva", extra={"ListId": "patient:B002",
                                                  "ListTitle": "João Pedro da Silva"})
    drain(rt)
    assert conversation_state(rt)[2]["patient"] == "B002"
    assert twilio.created[-1]["ContentSid"] == "HXlist"  # the slots, next

