"""Flask CLI commands: `flask --app wsgi <command>`."""
from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask
from rq import Worker
from sqlalchemy import func, select

from bot import runtime
from bot.channels.base import Incoming
from bot.chat_screen import PROMPT, ChatScreen
from bot.engine import accounts
from bot.engine import attendants as handoff
from bot.flows.negotiation.campaign import CampaignError, start_negotiation_campaign
from bot.flows.retention import cases as retention_cases
from bot.flows.retention import reports as retention_reports
from bot.language import phones
from bot.pipeline import context
from bot.pipeline import sweep as sweeping
from bot.pipeline.inbox import accept
from bot.platform.config import EMBEDDED_DATABASE_URL, ROOT, VAR_DIR
from bot.platform.embedded_redis import start_embedded_redis
from storage.db import transaction
from storage.loader import RegistryFileError, load_file
from storage.models import Beneficiary, Conversation, OutboundMessage

DEMO_FILE = ROOT / "data" / "demo_operator.json"
log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    app.cli.add_command(db_upgrade)
    app.cli.add_command(load_registry)
    app.cli.add_command(load_demo)
    app.cli.add_command(create_attendant)
    app.cli.add_command(chat)
    app.cli.add_command(sweep)
    app.cli.add_command(serve)
    app.cli.add_command(negotiation_campaign)
    app.cli.add_command(retention_import)
    app.cli.add_command(retention_report)


def command_runtime():
    rt = context.runtime()
    _close_when_the_command_ends(rt)
    return rt


def _close_when_the_command_ends(rt) -> None:
    """A command that started the embedded Redis must stop it when it ends, however it
    ends: normally, with an exception (click closes its context on both), or with SIGTERM
    or SIGHUP (a closed terminal), which would otherwise kill the process without any
    clean-up. The runtime's atexit hook is the last resort; SIGKILL defeats them all."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    closing = ctx.meta.setdefault("planbot.closing", set())
    if id(rt) in closing:
        return
    closing.add(id(rt))
    restore = _exit_cleanly_on_signals()
    ctx.call_on_close(lambda: (restore(), rt.close()))


def _exit_cleanly_on_signals():
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {signum: signal.signal(signum, _raise_system_exit)
                for signum in (signal.SIGTERM, signal.SIGHUP)}

    def restore():
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


def _raise_system_exit(signum, frame):
    # Asked to stop and stopping cleanly: success, as gunicorn and RQ workers report it.
    raise SystemExit(0)


def alembic_config(url: str):

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "storage" / "migrations"))
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str) -> None:

    command.upgrade(alembic_config(url), "head")


@click.command("db-upgrade")
def db_upgrade():
    """Apply the Alembic migrations to DATABASE_URL."""
    upgrade_database(command_runtime().settings.database_url)
    click.echo("database is up to date")


@click.command("load-registry")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_registry(path: Path):
    """Replace the embedded operator registry with the JSON file PATH."""
    try:
        with transaction(command_runtime().sessions) as s:
            counts = load_file(s, path)
    except RegistryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"loaded {counts}")


@click.command("load-demo")
def load_demo():
    """Load the fictional demo operator (dates relative to today)."""
    with transaction(command_runtime().sessions) as s:
        counts = load_file(s, DEMO_FILE)
    click.echo(f"demo data loaded: {counts}")


def _attendant_name(ctx, param, value: str) -> str:
    """What the person and the protocol history read ("conversa assumida por Ana")."""
    name = " ".join(value.split())
    if not name:
        raise click.BadParameter("the attendant's name is required")
    if len(name) > 120:
        raise click.BadParameter("at most 120 characters")
    return name


@click.command("create-attendant")
@click.argument("name", callback=_attendant_name)
def create_attendant(name: str):
    """Create an attendant and print their API token (shown once)."""
    with transaction(command_runtime().sessions) as s:
        token = handoff.create_attendant(s, name)
    click.echo(token)


@click.command("sweep")
def sweep():
    """Re-enqueue unfinished work once (what workers do on start and every minute)."""
    click.echo(sweeping.sweep(reschedule=False))


def _phone_option(ctx, param, value: str) -> str:
    """Accept the phone as people type it ("67999990001", "(67) 99999-0001"); Brazilian
    when it has no country code, stored in E.164 like the WhatsApp webhook's senders."""
    try:
        return phones.to_e164(value)
    except phones.InvalidPhone as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("chat")
@click.option("--phone", default="+5567999990001", show_default=True, callback=_phone_option,
              help="Talk as this phone (demo beneficiaries: +5567999990001..4); "
                   "national format (67999990001) is read as Brazilian.")
@click.option("--inline/--via-worker", default=None,
              help="Run the jobs in this process (default when no worker is running).")
def chat(phone: str, inline: bool | None):
    """Talk to the bot in the terminal, through the same inbox, queue, engine and outbox."""

    rt = command_runtime()
    # The terminal is the person's screen: the service's INFO lines (a message recorded, a
    # job done) would land between "você>" and the bot's answer. Warnings still show.
    logging.getLogger().setLevel(logging.WARNING)
    if inline is None:
        inline = not _workers_running(rt)
    # On a fresh checkout nobody has run `serve` yet: prepare the database as it does
    # (migrations; the demo data when the registry is empty), or the first message fails.
    _prepare_database(rt)
    click.echo(f"Conversando como {phone}. Escreva como a pessoa escreveria ('menu', "
               "'sair' e 'atendente' são comandos do bot); Ctrl-D ou Ctrl-C fecha o chat.")
    last_seen = 0
    with transaction(rt.sessions) as s:
        conv = s.scalars(select(Conversation).where(Conversation.channel == "chat",
                                                    Conversation.address == phone)).first()
        if conv:
            last_seen = s.scalar(select(func.max(OutboundMessage.id))
                                 .where(OutboundMessage.conversation_id == conv.id)) or 0
    screen = ChatScreen(rt, phone, inline, last_seen)
    screen.start()
    try:
        while True:
            try:
                text = input(PROMPT)
            except EOFError:
                click.echo()
                screen.settle()  # what the last messages get back is still shown
                return
            accept(rt, Incoming(channel="chat", sender=phone, recipient="bot", text=text,
                                external_id=f"chat-{uuid.uuid4()}"))
            screen.settle()
    except KeyboardInterrupt:  # Ctrl-C at the prompt or while an answer is awaited
        click.echo()
    finally:
        screen.stop()


def _workers_running(rt) -> bool:

    try:
        return bool(Worker.all(connection=rt.redis))
    except Exception:
        return False


@click.command("serve")
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", "worker_count", default=1, show_default=True)
def serve(port: int, worker_count: int):
    """Run everything on this machine: embedded Redis (unless REDIS_URL), migrations,
    demo data, RQ worker + scheduler and the web app (gunicorn)."""

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    redis_server = None
    children: list[subprocess.Popen] = []
    rt = command_runtime()  # from here on, SIGTERM/SIGHUP end the command through the finally below
    try:
        if not env.get("REDIS_URL", "").strip():
            # Started here or attached to one already running (a chat started before serve).
            redis_server, env["REDIS_URL"] = start_embedded_redis(VAR_DIR / "redis.rdb")
        env["DATABASE_URL"] = rt.settings.database_url  # what "unset" or "" resolved to
        os.environ.update(REDIS_URL=env["REDIS_URL"], DATABASE_URL=env["DATABASE_URL"])

        runtime.install(None)
        rt = command_runtime()
        _prepare_database(rt)
        console_login = _demo_console_account(rt)
        # The console's cookie is Secure by default; serve listens on plain http on loopback.
        env.setdefault("CONSOLE_SECURE_COOKIES", "false")
        children = [_start_worker(env) for _ in range(worker_count)]
        children.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--access-logfile", "-", "wsgi:app"], env=env, cwd=ROOT))
        _print_how_to_talk(port, rt, env["REDIS_URL"], embedded=redis_server is not None,
                           console_login=console_login)
        while children[-1].poll() is None:
            time.sleep(1)
            _restart_exited_workers(children, env)
        click.echo("the web server stopped; shutting down", err=True)
        raise SystemExit(1)  # a supervisor running serve should see a failure
    except KeyboardInterrupt:
        pass
    finally:
        _stop_children(children)
        if redis_server is not None:
            rt.close()  # our own connections first, or release() would count them
            redis_server.release(grace_seconds=STOP_GRACE_SECONDS)


def _start_worker(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=env, cwd=ROOT)


def _restart_exited_workers(children: list, env) -> None:
    """`serve` supervises its workers as systemd's Restart=always would: one that exited
    (a start-up failure it reported, a crash) is started again a second later. A start-up
    refusal (bad configuration: exit status STARTUP_EXIT_CODE) ends `serve` instead."""
    for i, child in enumerate(children[:-1]):
        status = child.poll()
        if status is None:
            continue
        if status == runtime.STARTUP_EXIT_CODE:
            raise SystemExit(1)
        click.echo(f"worker exited with status {status}; starting it again", err=True)
        children[i] = _start_worker(env)


def _prepare_database(rt) -> None:
    """Migrations, then the demo data if the embedded registry is empty (`serve`, `chat`).

    Fictional people are loaded only into the embedded default database (no DATABASE_URL):
    a `chat` or `serve` pointed at a real database with an empty registry must never fill
    it with demo beneficiaries; there it says how to load the operator's file instead."""
    upgrade_database(rt.settings.database_url)

    with transaction(rt.sessions) as s:
        empty = not s.scalar(select(func.count()).select_from(Beneficiary))
    if not empty or rt.settings.operator_api_url:
        return
    if rt.settings.database_url != EMBEDDED_DATABASE_URL:
        click.echo("the operator registry is empty: load it with `flask --app wsgi load-registry "
                   "FILE.json` (or the fictional demo with `flask --app wsgi load-demo`)", err=True)
        return

    with transaction(rt.sessions) as s:
        load_file(s, DEMO_FILE)
    click.echo("demo data loaded (data/demo_operator.json)")


DEMO_SUPERVISOR = "supervisor@demo.planbot"
DEMO_PASSWORD_FILE = "console-demo-password.txt"


def _demo_console_account(rt) -> tuple[str, str] | None:
    """The embedded demo gets one console supervisor, its password random and kept under
    the var dir (never a password in the code); a real database never gets one."""
    if rt.settings.database_url != EMBEDDED_DATABASE_URL:
        return None
    saved = VAR_DIR / DEMO_PASSWORD_FILE
    with transaction(rt.sessions) as s:
        if accounts.by_login(s, DEMO_SUPERVISOR) is None:
            password = secrets.token_urlsafe(12)
            accounts.create_user(s, login=DEMO_SUPERVISOR, name="Supervisora Demo",
                                 password=password, role="supervisor")
            saved.write_text(password)
            saved.chmod(0o600)
    return DEMO_SUPERVISOR, saved.read_text().strip() if saved.exists() else "(see reset-password)"


DEMO_PEOPLE = (  # data/demo_operator.json; the README's table says more
    ("+5567999990001", "Maria, CPF 116…: bills (one overdue), scheduling, 2 dependents"),
    ("+5567999990002", "José, CPF 682…: debt negotiation, codes 001 and 050"),
    ("+5567999990003", "Fernanda, CPF 605…: up to date, no open bills"),
    ("+5567999990004", "Roberto, CPF 530…: negotiation with a discount (91–360 days)"),
)


def _print_how_to_talk(port: int, rt, redis_url: str, *, embedded: bool,
                       console_login: tuple[str, str] | None = None) -> None:
    venv_flask = Path(sys.executable).with_name("flask")
    click.echo(click.style("\nplanbot is running", fg="green", bold=True))
    click.echo(f"  web:      http://127.0.0.1:{port}  (WhatsApp webhook: POST /webhooks/whatsapp)")
    click.echo(f"  database: {rt.settings.database_url}")
    click.echo(f"  redis:    {redis_url}{' (embedded)' if embedded else ''}")
    click.echo(f"  console:  http://127.0.0.1:{port}/console", nl=not console_login)
    if console_login:
        click.echo(f"  (login {console_login[0]}, password {console_login[1]})")
    if rt.settings.smtp_host:
        click.echo(f"  e-mail:   SMTP {rt.settings.smtp_host}; inbound: POST /webhooks/email")
    else:
        click.echo(f"  e-mail:   no SMTP_HOST: mail is written as .eml files to {VAR_DIR / 'mail'}")
    click.echo("\nTalk to the bot as a demo beneficiary, in another terminal:")
    click.echo(f"  {venv_flask} --app wsgi chat --phone +5567999990001")
    click.echo("  Demo people (the bot asks for the first 3 CPF digits before any data):")
    for phone, who in DEMO_PEOPLE:
        click.echo(f"    {phone}  {who}")
    click.echo("Ctrl-C stops everything.\n")


STOP_GRACE_SECONDS = 10  # for the workers' own children to leave the embedded Redis


def _stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@click.command("negotiation-campaign")
@click.option("--rate", default=1.0, show_default=True, help="messages per second at most")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="at most this many beneficiaries")
def negotiation_campaign(rate: float, limit: int | None):
    """Invite delinquent beneficiaries to negotiate (approved WhatsApp template, paced)."""
    try:
        result = start_negotiation_campaign(command_runtime(), rate=rate, started_by="cli", limit=limit)
    except CampaignError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(result)


# -- retention (issue 16) ---------------------------------------------------------------
@click.command("retention-import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def retention_import(path: Path):
    """Open retention cases from a CSV or JSON file (format in docs/journeys/retention.md);
    all or nothing, and a case whose protocol is already known is not created again."""
    items = retention_cases.parse_file(path.name, path.read_text(encoding="utf-8-sig"))
    with transaction(command_runtime().sessions) as s:
        created, errors = retention_cases.import_items(s, command_runtime(), items)
        if errors:
            s.rollback()
            raise click.ClickException("nothing imported:\n" + "\n".join(errors))
        click.echo(f"{len(created)} case(s) opened: {', '.join(c.protocol_number for c in created)}")


@click.command("retention-report")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also write every case as CSV (';'-separated) to this file")
def retention_report(csv_path: Path | None):
    """Time to finish, reasons, retention rate by city and by action, contacts needed."""
    with transaction(command_runtime().sessions) as s:
        loaded = retention_reports.load(s)
        click.echo(json.dumps(retention_reports.summary(*loaded), ensure_ascii=False, indent=2,
                               default=str))
        if csv_path is not None:
            csv_path.write_text(retention_reports.to_csv(*loaded), encoding="utf-8")
