"""/healthz, /readyz and /metrics."""
from __future__ import annotations

from dataclasses import replace

from redis.exceptions import ConnectionError as RedisConnectionError

from ..conftest import MARIA


def test_healthz_answers_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_the_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_unreachable(client, rt, monkeypatch):
    def down():
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(rt.redis, "ping", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["redis"] == "ConnectionError" and response.json["database"] == "ok"


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(client, rt):
    rt.settings = replace(rt.settings, metrics_token="s3cret")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_metrics_expose_the_message_path(client, rt, wa):
    rt.settings = replace(rt.settings, metrics_token="s3cret")
    wa.say(MARIA, "oi")
    wa.post(MARIA, "menu")  # stored and queued, not processed yet
    body = client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).data.decode()
    for line in ('planbot_webhook_seconds_count{channel="whatsapp"}',
                 "planbot_turn_seconds_count",
                 'planbot_sends_total{channel="whatsapp",code="",result="sent"}',
                 'planbot_queue_depth{queue="planbot"} 1.0',
                 'planbot_queue_depth{queue="planbot-bulk"} 0.0',
                 'planbot_oldest_pending_seconds{direction="inbound"}',
                 'planbot_oldest_pending_seconds{direction="outbound"} 0.0'):
        assert line in body, line
