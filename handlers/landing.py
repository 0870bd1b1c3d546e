"""`GET /`: a small page saying what this service is, with the way to the attendants'
console and to the health check. No one's data, no login needed."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from werkzeug.routing import BuildError

from bot.platform.config import ROOT

bp = Blueprint("landing", __name__, template_folder=str(ROOT / "templates"))


@bp.get("/")
def landing():
    settings = current_app.extensions["planbot"].settings
    try:
        console = url_for("console._home")
    except BuildError:  # a deployment without the console
        console = None
    return render_template("web/landing.html", operator=settings.operator_name,
                           console=console, health=url_for("ops.health"))
