"""Screenshots of the attendants' console for the docs: seeds a throw-away database with
the demo operator and a day of conversations, serves the app on 127.0.0.1 and has a
headless Chromium (Debian's package) save the queue, a conversation and the dashboard as
PNGs in docs/img/.

    .venv/bin/python docs/screenshots.py [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "img"
NOW = datetime(2026, 11, 24, 14, 30)  # Tuesday 10:30 in Campo Grande (UTC-4)
PASSWORD = "senha-de-demonstracao"
PEOPLE = [("+5567999990001", "B001"), ("+5567999990002", "B002"), ("+5567998880003", None),
          ("+5567997770004", None), ("+5567996660005", None)]
JOURNEYS = ["segunda_via", "agendamento", "negociacao", "minhas_consultas", "atendimento_humano"]


def seed(rt) -> int:
    """A day and a half of work: journeys, handoffs, waiting people, failures. Returns the
    conversation to photograph."""
    from bot.platform import clock
    from bot.services import outbox, protocols
    from bot.engine import accounts
    from storage.db import transaction
    from storage.loader import load_file
    from storage.models import AuditEntry, Conversation, InboundMessage

    rng = random.Random(14)
    with transaction(rt.sessions) as s:
        load_file(s, ROOT / "data" / "demo_operator.json")
        accounts.create_user(s, login="sara@operadora.com.br", name="Sara Lima",
                                    password=PASSWORD, role="supervisor")
        ana = accounts.create_user(s, login="ana@operadora.com.br", name="Ana Souza", password=PASSWORD)
        for day in range(13, -1, -1):
            for n in range(rng.randint(6, 14)):
                at = NOW - timedelta(days=day, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
                clock.freeze(at)
                p = protocols.open_protocol(s, rt.settings, rng.choice(JOURNEYS), beneficiary_ref=None,
                                            conversation_id=None)
                if rng.random() < 0.7:
                    protocols.set_status(p, "concluido", "jornada concluída")
                elif rng.random() < 0.5:
                    protocols.set_status(p, "encaminhado", "pedido do beneficiário")
                    s.add(AuditEntry(at=at + timedelta(minutes=3), user_id=ana.id, action="take",
                                     details={"waited_seconds": rng.randint(30, 1500)}))
        waiting_id = None
        for i, (phone, ref) in enumerate(PEOPLE):
            since = NOW - timedelta(minutes=[22, 11, 7, 3, 1][i])
            clock.freeze(since - timedelta(minutes=2))
            c = Conversation(channel="whatsapp", address=phone, beneficiary_ref=ref, data={},
                             created_at=clock.now())
            s.add(c)
            s.flush()
            journey = JOURNEYS[i % len(JOURNEYS)]
            p = protocols.open_protocol(s, rt.settings, journey, beneficiary_ref=ref, conversation_id=c.id)
            texts = ["Oi, preciso da 2ª via do boleto de outubro",
                     "meu cpf é 116.764.967-26, pode conferir?",
                     "quero falar com um atendente"] if i == 0 else ["quero falar com um atendente"]
            for k, text in enumerate(texts):
                s.add(InboundMessage(channel="whatsapp", external_id=f"SMseed{i}{k}", conversation_key=f"whatsapp:{phone}",
                                     sender=phone, recipient="+556730000000", text=text, status="processed",
                                     received_at=since - timedelta(seconds=60 - 20 * k), conversation_id=c.id))
            clock.freeze(since)
            outbox.enqueue_text(s, c, f"Protocolo de atendimento: *{p.number}*\n\nCerto! Vou transferir você "
                                      "para um de nossos atendentes.", author="bot")
            protocols.set_status(p, "encaminhado", "pedido do beneficiário")
            c.handoff, c.escalated_at, c.data = "waiting", since, {"protocol": p.number}
            c.handoff_reason = "pedido do beneficiário"
            c.last_inbound_at = since
            if i == 0:
                waiting_id = c.id
            if i == 4:
                c.handoff, c.attendant_id = "attendant", ana.attendant_id
        for code in ["63016"] * 4 + ["30008"] * 2 + ["21211"]:
            clock.freeze(NOW - timedelta(days=rng.randint(0, 10), hours=rng.randint(0, 8)))
            row = outbox.enqueue_text(s, s.get(Conversation, waiting_id + 1), "Lembrete da sua consulta")[0]
            row.status, row.error_code = "failed", code
    clock.freeze(NOW)
    return waiting_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from bot import runtime
    from bot.app import create_app
    from bot.platform import clock
    from bot.platform.config import Settings
    from bot.platform.embedded_redis import start_embedded_redis
    from storage.db import make_engine
    from storage.models import Base

    with tempfile.TemporaryDirectory() as tmp:
        redis_server, redis_url = start_embedded_redis(Path(tmp) / "redis.rdb")
        try:
            settings = Settings(database_url=f"sqlite:///{tmp}/shots.sqlite3", redis_url=redis_url,
                                secret_key="screenshots", console_secure_cookies=False)
            Base.metadata.create_all(make_engine(settings.database_url))
            clock.freeze(NOW)
            app = create_app(settings)
            conversation = seed(app.extensions["planbot"])
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{server.server_port}"
            OUT.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, headless=True,
                                            args=["--no-sandbox", "--disable-dev-shm-usage"])
                page = browser.new_page(base_url=base, viewport={"width": 1366, "height": 768})
                page.goto("/console/login")
                page.get_by_label("E-mail").fill("sara@operadora.com.br")
                page.get_by_label("Senha").fill(PASSWORD)
                page.get_by_role("button", name="Entrar").click()
                page.wait_for_selector("tr[data-conversation]")
                page.screenshot(path=OUT / "console-queue.png", full_page=True)
                page.goto(f"/console/conversations/{conversation}")
                page.wait_for_selector("#transcript")
                page.screenshot(path=OUT / "console-conversation.png", full_page=True)
                page.goto("/console/dashboard")
                page.wait_for_selector("svg.chart")
                page.screenshot(path=OUT / "console-dashboard.png", full_page=True)
                browser.close()
            server.shutdown()
        finally:
            clock.freeze(None)
            runtime.install(None)
            redis_server.shutdown()
    print("\n".join(str(path.relative_to(ROOT)) for path in sorted(OUT.glob("console-*.png"))))


if __name__ == "__main__":
    main()
