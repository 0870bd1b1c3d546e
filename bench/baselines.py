"""The floors a webhook acknowledgement is compared with, served by gunicorn like the app.

`gunicorn --pythonpath bench baselines:app` with the app's environment (TWILIO_AUTH_TOKEN,
PUBLIC_BASE_URL, DATABASE_URL):
- `POST /bare/webhooks/whatsapp`: validates Twilio's signature and answers the same empty
  TwiML — what any Flask endpoint doing Twilio's part pays;
- `POST /durable/webhooks/whatsapp`: the same, plus one INSERT committed to the same
  database through the same engine settings as the app — the floor for "stored before
  acknowledged" (the table is `bench_inbound`, made by `create_table`).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask, Response, request
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import make_engine  # noqa: E402

TABLE = """CREATE TABLE IF NOT EXISTS bench_inbound (
    id bigserial PRIMARY KEY, external_id varchar(120) NOT NULL UNIQUE,
    sender varchar(254) NOT NULL, body text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now())"""
INSERT = text("INSERT INTO bench_inbound (external_id, sender, body) VALUES (:sid, :sender, :body) "
              "ON CONFLICT (external_id) DO NOTHING")


def create_table(database_url: str) -> None:
    with make_engine(database_url).begin() as connection:
        connection.execute(text(TABLE))


def create_app() -> Flask:
    app = Flask("baselines")
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    public = os.environ["PUBLIC_BASE_URL"].rstrip("/")
    engine = make_engine(os.environ["DATABASE_URL"])
    twiml = str(MessagingResponse())

    def refused() -> Response | None:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(public + request.path, request.form.to_dict(flat=True), signature):
            return Response("invalid X-Twilio-Signature\n", status=403, mimetype="text/plain")
        return None

    @app.post("/bare/webhooks/whatsapp")
    def bare():
        return refused() or Response(twiml, mimetype="application/xml")

    @app.post("/durable/webhooks/whatsapp")
    def durable():
        problem = refused()
        if problem:
            return problem
        with engine.begin() as connection:
            connection.execute(INSERT, {"sid": request.form.get("MessageSid", ""),
                                        "sender": request.form.get("From", ""),
                                        "body": request.form.get("Body", "")})
        return Response(twiml, mimetype="application/xml")

    return app


if os.environ.get("DATABASE_URL"):  # under gunicorn; importing for create_table needs none
    app = create_app()
