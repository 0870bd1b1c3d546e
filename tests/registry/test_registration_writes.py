"""update_registration through the operator's API: PATCH with the Idempotency-Key; an
outage is a RegistryUnavailable (the turn or the review request is retried)."""
from __future__ import annotations

import json

import pytest
import responses

from bot.registry.base import RegistryUnavailable
from bot.registry.http import HttpRegistry

API = "https://erp.operadora.example/api/v1"


def test_a_registration_update_is_a_patch_with_the_idempotency_key():
    with responses.RequestsMock() as api:
        api.patch(f"{API}/beneficiaries/900", status=204,
                  match=[responses.matchers.header_matcher({"Idempotency-Key": "P1:at_once",
                                                            "Authorization": "Bearer s3cret"})])
        HttpRegistry(API, "s3cret").update_registration(
            "900", {"phone": "+5567988881234", "email": "maria@example.com"},
            idempotency_key="P1:at_once")
        assert json.loads(api.calls[0].request.body) == {"phone": "+5567988881234",
                                                         "email": "maria@example.com"}


def test_an_operator_outage_is_reported_as_unavailable():
    with responses.RequestsMock() as api:
        api.patch(f"{API}/beneficiaries/900", status=503)
        with pytest.raises(RegistryUnavailable):
            HttpRegistry(API, "s3cret").update_registration("900", {"email": "a@b.co"},
                                                           idempotency_key="P1:review")
