"""Every text a person reads is a Jinja2 template under templates/messages/ (pt-BR)."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.language import formatting
from bot.language.text import normalize
from bot.platform import clock
from bot.platform.config import ROOT

TEMPLATE_DIR = ROOT / "templates" / "messages"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=StrictUndefined,
        autoescape=False,  # WhatsApp text, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        money=formatting.money,
        brdate=formatting.brdate,
        brtime=formatting.brtime,
        phone=formatting.phone,
        month_year=formatting.month_year,
        weekday=formatting.weekday,
        mask_cpf=formatting.mask_cpf,
        local=clock.to_local,
        slug=_slug,  # file names: "CoParticipação Oftalmo" -> "coparticipacao-oftalmo"
        linha=formatting.format_linha,  # stored timestamps are UTC; people read operator time
    )
    return env


def use_settings(settings) -> None:
    """Values every template may use, process-wide like the time zone (Runtime sets them)."""
    environment().globals["operator_phone"] = settings.operator_phone_display


def _slug(value: str) -> str:
    return normalize(value).replace(" ", "-")


def render(name: str, /, **context) -> str:
    """Render templates/messages/<name>.j2 and trim the blank edges Jinja leaves."""
    text = environment().get_template(f"{name}.j2").render(**context)
    return text.strip()
