"""The console's blueprint: configuration, the access guard, CSRF, security headers,
the navigation and the sign-in routes. Pages add their views to `bp`."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from bot.platform import clock
from bot.platform.config import ROOT

from . import auth

bp = Blueprint("console", __name__, url_prefix="/console", static_folder="static",
               static_url_path="/static", template_folder=str(ROOT / "templates"),
               cli_group=None)  # `flask create-user`, `flask reset-password`

# (endpoint, label, least role): the navigation bar; screens added later append here.
NAV: list[tuple[str, str, str]] = [
    ("console.queue", "Fila", "attendant"),
    ("console.dashboard", "Painel", "supervisor"),
    ("console.cases", "Documentos", "attendant"),
]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
       "frame-ancestors 'none'")


@bp.record_once
def _configure(state) -> None:
    app = state.app
    settings = app.extensions["planbot"].settings
    app.config.update(
        SESSION_COOKIE_NAME="planbot_console",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.console_secure_cookies,
        # The token is bound to the session (which expires in Redis); a page left open for
        # a shift must still post.
        WTF_CSRF_TIME_LIMIT=None,
    )


@bp.before_request
def _guard():
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint == "console.static":
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken", "")
        try:
            validate_csrf(token)
        except ValidationError as exc:
            raise CSRFError(str(exc)) from None
    g.viewer = auth.load_viewer()
    role = getattr(view, "console_role", "missing")
    if role is None:  # the login page
        return None
    if g.viewer is None:
        if request.headers.get("HX-Request"):
            response = current_app.response_class(status=401)
            response.headers["HX-Redirect"] = url_for("console.login")
            return response
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    if role == "missing":
        return render_template("console/error.html", message="Página sem controle de acesso."), 403
    return None


@bp.errorhandler(CSRFError)
def _csrf_refused(exc):
    return render_template("console/error.html",
                           message="O formulário expirou ou não veio desta página (proteção CSRF). "
                                   "Recarregue a página e tente de novo."), 400


@bp.after_request
def _security_headers(response):
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "console.static":
        # Personal data: never kept by the browser or a proxy for the back button.
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def csrf_token() -> str:
    return generate_csrf()


@bp.context_processor
def _page_context():
    viewer = getattr(g, "viewer", None)
    nav = [(endpoint, label) for endpoint, label, role in NAV
           if viewer is not None and viewer.at_least(role)]
    return {"viewer": viewer, "nav": nav}


@bp.get("/")
def _home():
    return redirect(url_for("console.queue"))


_home.console_role = "attendant"

bp.add_url_rule("/login", "login", auth.public(auth.login_get), methods=["GET"])
bp.add_url_rule("/login", "login_post", auth.public(auth.login_post), methods=["POST"])
bp.add_url_rule("/logout", "logout", auth.requires("attendant")(auth.logout), methods=["POST"])
bp.add_url_rule("/logout-everywhere", "logout_everywhere",
                auth.requires("attendant")(auth.logout_everywhere), methods=["POST"])

@bp.app_template_filter("console_time")
def _console_time(value) -> str:
    """A stored (naive UTC) moment as the team reads it: operator time, dd/mm HH:MM."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return clock.to_local(value).strftime("%d/%m/%Y %H:%M") if value else "—"
