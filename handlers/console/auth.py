"""Signing in and out: server-side sessions in Redis, login lockout and rate limit.

The Flask session cookie (signed, HttpOnly, SameSite=Lax, Secure unless configured for
plain-http development) carries only a random session id and the CSRF secret; who is
signed in lives in Redis under that id. So a logout really ends the session (a copied
cookie is worthless afterwards), a new id is issued at every login (session fixation) and
"sair de todos os dispositivos" bumps the account's session version, which every session
is checked against on each request.
"""
from __future__ import annotations

import json
import secrets
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for
from redis.exceptions import RedisError

from bot.engine import accounts
from bot.platform import clock
from storage.db import transaction
from storage.models import ConsoleUser

from . import audit

SESSION_IDLE_SECONDS = 8 * 3600  # a working shift; every request extends it
MAX_FAILURES = 5  # wrong passwords for one login before it is locked
LOCK_SECONDS = 15 * 60
FAILURE_WINDOW_SECONDS = 15 * 60
MAX_ATTEMPTS_PER_IP_MINUTE = 20


def _rt():
    return current_app.extensions["planbot"]


def _key(kind: str, value: str) -> str:
    return f"planbot:console:{kind}:{value}"


def requires(role: str):
    """Every console view states the least role that may open it; a view without one is
    refused (deny by default, see the blueprint's before_request)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.viewer.at_least(role):
                return render_template("console/error.html", message="Seu perfil não tem acesso a esta página."), 403
            return view(*args, **kwargs)
        wrapper.console_role = role
        return wrapper
    return decorate


def public(view):
    view.console_role = None
    return view


def start_session(user: ConsoleUser) -> None:
    session.clear()  # a fresh cookie: nothing chosen before the login survives it
    sid = secrets.token_urlsafe(32)
    _rt().redis.set(_key("session", sid), json.dumps({"user_id": user.id,
                                                      "version": user.session_version}),
                    ex=SESSION_IDLE_SECONDS)
    session["sid"] = sid


def end_session() -> None:
    sid = session.get("sid")
    if sid:
        _rt().redis.delete(_key("session", sid))
    session.clear()


def load_viewer() -> accounts.Viewer | None:
    sid = session.get("sid")
    if not sid:
        return None
    redis = _rt().redis
    raw = redis.get(_key("session", sid))
    if raw is None:
        return None
    data = json.loads(raw)
    with transaction(_rt().sessions) as s:
        user = s.get(ConsoleUser, data["user_id"])
        if user is None or not user.active or user.session_version != data["version"]:
            redis.delete(_key("session", sid))
            return None
        viewer = accounts.Viewer.of(user)
    redis.expire(_key("session", sid), SESSION_IDLE_SECONDS)
    return viewer


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect to another site."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and parts.path.startswith("/console/") \
            and not target.startswith("//"):
        return target
    return url_for("console.queue")


def _too_many_from_this_address(redis) -> bool:
    key = _key("login-ip", request.remote_addr or "?")
    count = redis.incr(key)
    if count == 1:
        redis.expire(key, 60)
    return count > MAX_ATTEMPTS_PER_IP_MINUTE


def _locked(redis, login: str) -> int:
    """Seconds the login stays locked (0: not locked)."""
    ttl = redis.ttl(_key("login-lock", login))
    return ttl if ttl and ttl > 0 else 0


def _count_failure(redis, login: str) -> bool:
    """Count a wrong password; True when this one locked the login."""
    key = _key("login-fail", login)
    failures = redis.incr(key)
    if failures == 1:
        redis.expire(key, FAILURE_WINDOW_SECONDS)
    if failures >= MAX_FAILURES:
        redis.set(_key("login-lock", login), "1", ex=LOCK_SECONDS)
        redis.delete(key)
        return True
    return False


def _login_page(error: str | None = None, status: int = 200, login: str = ""):
    return render_template("console/login.html", error=error, login=login,
                           next=request.values.get("next", "")), status


def login_get():
    if getattr(g, "viewer", None):
        return redirect(url_for("console.queue"))
    return _login_page()


def login_post():
    login = accounts.normalize_login(request.form.get("login", ""))
    password = request.form.get("password", "")
    rt = _rt()
    try:
        redis = rt.redis
        if _too_many_from_this_address(redis):
            return _login_page("Muitas tentativas deste endereço. Aguarde um minuto e tente de novo.", 429, login)
        if _locked(redis, login):
            minutes = -(-_locked(redis, login) // 60)
            return _login_page(f"Conta bloqueada por excesso de tentativas. Tente de novo em {minutes} min "
                               "ou peça a um administrador para redefinir a senha.", 429, login)
    except RedisError:
        # Without Redis the lockout cannot be enforced: refuse rather than allow guessing.
        return _login_page("O login está indisponível no momento. Tente de novo em instantes.", 503, login)
    with transaction(rt.sessions) as s:
        user = accounts.authenticate(s, login, password)
        if user is None:
            known = accounts.by_login(s, login)
            audit.record(s, known.id if known else None, "login_failed", what=login[:200])
        else:
            user.last_login_at = clock.now()
            audit.record(s, user.id, "login")
            redis.delete(_key("login-fail", login))
            start_session(user)
    if user is None:
        if _count_failure(redis, login):
            return _login_page(f"Conta bloqueada por excesso de tentativas. Tente de novo em "
                               f"{LOCK_SECONDS // 60} min.", 429, login)
        return _login_page("Login ou senha incorretos.", 401, login)
    return redirect(_safe_next(request.form.get("next")))


def logout():
    with transaction(_rt().sessions) as s:
        audit.record(s, g.viewer.id, "logout")
    end_session()
    return redirect(url_for("console.login"))


def logout_everywhere():
    with transaction(_rt().sessions) as s:
        user = s.get(ConsoleUser, g.viewer.id, with_for_update=True)
        user.session_version += 1
        audit.record(s, user.id, "logout_everywhere")
    end_session()
    return redirect(url_for("console.login"))


def unlock(redis, login: str) -> None:
    redis.delete(_key("login-lock", login), _key("login-fail", login))
