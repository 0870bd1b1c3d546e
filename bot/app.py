"""The Flask app factory (wsgi.py stays a one-liner)."""
from __future__ import annotations

from flask import Flask

from bot import cli
from bot import runtime as runtime_module
from bot.flows import catalog
from bot.platform.config import Settings
from bot.platform.logs import configure_logging
from handlers import (
    attendants,
    console,
    email,
    landing,
    media,
    operator,
    ops,
    retention,
    reviews,
    whatsapp,
)


def create_app(settings: Settings | None = None) -> Flask:
    configure_logging()
    settings = settings or Settings.from_env()
    rt = catalog.prepare(runtime_module.Runtime(settings))
    catalog.check(rt)  # an invalid rules file stops the start-up here, with its reason
    runtime_module.install(rt)

    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    app.extensions["planbot"] = rt

    app.register_blueprint(whatsapp.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(attendants.bp)
    app.register_blueprint(email.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(operator.bp)
    app.register_blueprint(retention.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(landing.bp)
    app.register_blueprint(ops.bp)  # /healthz, /readyz, /metrics

    cli.register(app)
    return app


def create_app_or_exit() -> Flask:
    """wsgi.py's app, for gunicorn and the flask CLI: a configuration or rules file that
    cannot work ends the process with one line saying why (create_app raises, for tests)."""
    with runtime_module.refuse_to_start("planbot"):
        return create_app()
