"""The negotiation rules file at start-up, and the operator API's bill and agreement calls."""
from __future__ import annotations

import pytest


def test_worker_refuses_to_start_with_a_bad_rules_file(tmp_path, monkeypatch, settings):
    from bot import runtime
    from bot.flows.negotiation.rules import RulesError
    from bot.pipeline import worker as worker_main

    bad = tmp_path / "rules.yaml"
    bad.write_text("operator_name: X\n", encoding="utf-8")
    monkeypatch.setenv("NEGOTIATION_RULES_FILE", str(bad))
    monkeypatch.setattr(runtime, "current", lambda: runtime.Runtime(settings))
    started = []
    monkeypatch.setattr(worker_main.sweep, "sweep", lambda **kw: started.append("sweep"))
    monkeypatch.setattr(worker_main, "Worker", lambda *a, **kw: started.append("worker"))
    with pytest.raises(RulesError, match="invalid negotiation rules"):
        worker_main.main()
    assert started == []


def test_operator_api_cancels_bills_breaks_agreements_and_reports_bill_status():
    import responses

    from bot.registry.http import HttpRegistry

    api_url = "https://erp.operadora.example/api/v1"
    bill = {"ref": "BL1", "beneficiary_ref": "900", "description": "x", "amount": "10.00",
            "due_date": "2026-12-01", "barcode": "0" * 44, "linha_digitavel": "0" * 47, "status": "paid"}
    with responses.RequestsMock() as api:
        api.get(f"{api_url}/bills/BL1", json=bill)
        api.post(f"{api_url}/bills/BL1/cancel", json={},
                 match=[responses.matchers.header_matcher({"Idempotency-Key": "k1"})])
        api.post(f"{api_url}/agreements/7/break", json={},
                 match=[responses.matchers.json_params_matcher({"beneficiary_ref": "900", "title_refs": ["T9"]}),
                        responses.matchers.header_matcher({"Idempotency-Key": "k2"})])
        registry = HttpRegistry(api_url, "s3cret")
        assert registry.bill("BL1").status == "paid"
        registry.cancel_bill("BL1", "k1")
        registry.break_agreement("900", ["T9"], 7, "k2")

