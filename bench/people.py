"""Synthetic beneficiaries for the load benches: valid CPFs, one WhatsApp phone each.

Each person is a titular in Campo Grande/MS with two open bills, so the 2ª via journey
answers every step of `SCRIPT` with exactly one message (a list, never a document). The
demo operator's providers are kept so the registry is otherwise the demo one.
"""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo_operator.json"

# One conversation: greeting, a journey, identity (the CPF's first 3 digits), leave, thanks.
# Each step gets exactly one reply, which contains the step's marker; step 3's
# placeholder is the person's CPF prefix.
SCRIPT = ("oi", "2a via", "{cpf3}", "sair", "obrigado")
MARKERS = ("Como posso ajudar", "3 primeiros dígitos", "boletos em aberto", "encerrei", "Por nada")


def phone(i: int) -> str:
    """A valid Brazilian mobile (ninth digit 9), distinct from the demo people's."""
    return f"+55679{80000000 + i:08d}"


def cpf(i: int) -> str:
    base = f"{100000000 + i * 7919 % 899999999:09d}"
    digits = [int(d) for d in base]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1)))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    return "".join(map(str, digits))


def script_for(i: int) -> list[str]:
    return [step.format(cpf3=cpf(i)[:3]) for step in SCRIPT]


def registry(n: int) -> dict:
    demo = json.loads(DEMO.read_text(encoding="utf-8"))
    people, titles = [], []
    for i in range(n):
        ref = f"P{i:07d}"
        people.append({
            "ref": ref, "name": f"Pessoa Sintética {i}", "cpf": cpf(i),
            "birth_date": f"{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "phones": [phone(i)], "email": None,
            "address": {"street": "Rua 14 de Julho", "number": str(1 + i % 3000),
                        "district": "Centro", "city": "Campo Grande", "state": "MS",
                        "zip": "79002-330"},
            "plan": "Plano Especial Enfermaria", "card_number": f"9{i:012d}", "holder_ref": None,
        })
        for k, (competence, due) in enumerate((("month+0", "today+5"), ("month-1", "today-25"))):
            titles.append({
                "ref": f"T{i:07d}{k}", "beneficiary_ref": ref, "code": "001",
                "description": "Contribuição Plano Básico", "competence": competence,
                "due_date": due, "principal": f"{300 + i % 500}.90", "interest": "0",
                "fine": "0", "status": "open", "our_number": f"{i:015d}{k:02d}",
            })
    return {"beneficiaries": people, "titles": titles, "guides": [],
            "providers": demo["providers"]}


def write_registry(path: Path, n: int) -> Path:
    path.write_text(json.dumps(registry(n), ensure_ascii=False), encoding="utf-8")
    return path
