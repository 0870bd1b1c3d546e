"""Console accounts: argon2 password hashes, roles, each account an `attendants` row."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.engine.attendants import hash_token
from bot.platform import clock
from storage.models import Attendant, ConsoleUser
from storage.models.console import ROLES

MIN_PASSWORD_LENGTH = 10
RANK = {role: rank for rank, role in enumerate(ROLES)}  # attendant < supervisor < admin

_hasher = PasswordHasher()
# Verified when the login names nobody, so a wrong login costs what a wrong password costs
# (the answer time must not tell which logins exist).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A clear reason, in pt-BR, shown to whoever typed the value."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the pages need them (no ORM object outlives its session)."""

    id: int
    name: str
    login: str
    role: str
    attendant_id: int

    def at_least(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]

    @property
    def supervises(self) -> bool:
        return self.at_least("supervisor")

    @classmethod
    def of(cls, user: ConsoleUser) -> "Viewer":
        return cls(user.id, user.name, user.login, user.role, user.attendant_id)


def normalize_login(login: str) -> str:
    return (login or "").strip().lower()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a senha precisa de pelo menos {MIN_PASSWORD_LENGTH} caracteres")
    if password.strip() != password or not password.strip():
        raise AccountError("a senha não pode começar nem terminar com espaços")


def by_login(session: Session, login: str) -> ConsoleUser | None:
    return session.scalars(select(ConsoleUser).where(
        ConsoleUser.login == normalize_login(login))).first()


def create_user(session: Session, *, login: str, name: str, password: str,
                role: str = "attendant") -> ConsoleUser:
    login, name = normalize_login(login), " ".join((name or "").split())
    if not login or len(login) > 254:
        raise AccountError("informe um login (o e-mail da pessoa) de até 254 caracteres")
    if not name or len(name) > 120:
        raise AccountError("informe o nome (até 120 caracteres)")
    if role not in ROLES:
        raise AccountError(f"papel desconhecido: {role} (use {', '.join(ROLES)})")
    check_password_strength(password)
    if by_login(session, login) is not None:
        raise AccountError(f"já existe uma conta com o login {login}")
    # The attendant row the handoff functions work with; its API token is never shown
    # (a console account signs in with its password; `create-attendant` makes API tokens).
    attendant = Attendant(name=name, token_hash=hash_token(secrets.token_urlsafe(32)),
                          created_at=clock.now())
    session.add(attendant)
    session.flush()
    user = ConsoleUser(login=login, name=name, role=role, active=True,
                       password_hash=_hasher.hash(password), attendant_id=attendant.id,
                       session_version=1, created_at=clock.now())
    session.add(user)
    session.flush()
    return user


def reset_password(session: Session, login: str, password: str) -> ConsoleUser:
    user = by_login(session, login)
    if user is None:
        raise AccountError(f"nenhuma conta com o login {normalize_login(login)}")
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    user.session_version += 1  # whoever knew the old password is signed out everywhere
    return user


def authenticate(session: Session, login: str, password: str) -> ConsoleUser | None:
    """The active account whose password this is, else None (same cost either way)."""
    user = by_login(session, login)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def colleagues(session: Session, except_id: int | None = None) -> list[ConsoleUser]:
    query = select(ConsoleUser).where(ConsoleUser.active.is_(True)).order_by(func.lower(ConsoleUser.name))
    return [u for u in session.scalars(query) if u.id != except_id]
