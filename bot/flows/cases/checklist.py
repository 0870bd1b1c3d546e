"""Checklists as data: config/registration/changes.yaml (what each change needs) and
config/cases/review.yaml (deadlines, reminders, rejection reasons), validated at load."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.language.text import normalize

CONFIG_DIR = Path(__file__).resolve().parents[3] / "config"
APPLIED = ("at_once", "after_review")
CONDITIONS = ("holder_deceased",)


class ChecklistError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    hint: str = ""
    max_age_days: int | None = None
    article: str = "o"  # "o" comprovante, "a" certidão: how the bot names it in a sentence
    when: str | None = None  # a condition answered in the conversation (holder_deceased)
    generated: str | None = None  # "form": the bot sends it pre-filled, it comes back signed

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "hint": self.hint,
                "article": self.article, "max_age_days": self.max_age_days}


@dataclass(frozen=True)
class ChangeType:
    code: str
    label: str
    words: tuple[str, ...]
    applied: str
    documents: tuple[Item, ...]


@dataclass(frozen=True)
class ReviewRules:
    review_business_days: int
    reminder_after_days: int
    reminders: int
    close_after_days: int
    reasons: dict[str, str]


def _item(raw, where: str) -> Item:
    if not isinstance(raw, dict) or not raw.get("code") or not raw.get("label"):
        raise ChecklistError(f"{where}: each document needs code and label")
    age = raw.get("max_age_days")
    if age is not None and (not isinstance(age, int) or age <= 0):
        raise ChecklistError(f"{where}: max_age_days must be a positive whole number")
    article = str(raw.get("article") or "o")
    if article not in ("o", "a", "os", "as"):
        raise ChecklistError(f"{where}: article must be o, a, os or as")
    when, generated = raw.get("when"), raw.get("generated")
    if when is not None and when not in CONDITIONS:
        raise ChecklistError(f"{where}: when must be one of {', '.join(CONDITIONS)}")
    if generated is not None and generated != "form":
        raise ChecklistError(f"{where}: generated can only be 'form'")
    return Item(str(raw["code"]), str(raw["label"]), str(raw.get("hint") or ""), age, article,
                when, generated)


def _read(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ChecklistError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ChecklistError(f"{path}: expected a mapping")
    return raw


def load_changes(path: Path | str | None = None) -> dict[str, ChangeType]:
    path = Path(path or os.environ.get("REGISTRATION_CHANGES_FILE", "").strip()
                or CONFIG_DIR / "registration" / "changes.yaml")
    raw = _read(path).get("changes")
    if not isinstance(raw, dict) or not raw:
        raise ChecklistError(f"{path}: 'changes' must map change codes to their rules")
    result = {}
    for code, rule in raw.items():
        where = f"{path}: changes.{code}"
        if not isinstance(rule, dict) or not rule.get("label"):
            raise ChecklistError(f"{where}: label is required")
        if rule.get("applied") not in APPLIED:
            raise ChecklistError(f"{where}: applied must be one of {', '.join(APPLIED)}")
        documents = tuple(_item(d, where) for d in rule.get("documents") or ())
        if rule["applied"] == "after_review" and not documents:
            raise ChecklistError(f"{where}: a change applied after review needs documents")
        result[code] = ChangeType(code, str(rule["label"]),
                                  tuple(normalize(w) for w in rule.get("words") or ()),
                                  rule["applied"], documents)
    return result


def load_review(path: Path | str | None = None) -> ReviewRules:
    path = Path(path or CONFIG_DIR / "cases" / "review.yaml")
    raw = _read(path)
    try:
        rules = ReviewRules(int(raw["review_business_days"]), int(raw["reminder_after_days"]),
                            int(raw["reminders"]), int(raw["close_after_days"]),
                            {str(k): str(v) for k, v in (raw.get("reasons") or {}).items()})
    except (KeyError, TypeError, ValueError) as exc:
        raise ChecklistError(f"{path}: {exc}") from exc
    if not rules.reasons:
        raise ChecklistError(f"{path}: at least one rejection reason is required")
    return rules


@dataclass(frozen=True)
class Checklist:
    kind: str
    items: tuple[Item, ...]

    def for_answers(self, answers: dict) -> list[Item]:
        """The items that apply, given the conditions answered (absent = False)."""
        return [i for i in self.items if i.when is None or answers.get(i.when)]


def load_checklist(kind: str, path: Path | str | None = None) -> Checklist:
    path = Path(path or CONFIG_DIR / "documents" / f"{kind}.yaml")
    raw = _read(path)
    if raw.get("kind") != kind:
        raise ChecklistError(f"{path}: kind must be {kind!r}")
    items = tuple(_item(i, f"{path}: items") for i in raw.get("items") or ())
    if not items:
        raise ChecklistError(f"{path}: the checklist has no items")
    if len({i.code for i in items}) != len(items):
        raise ChecklistError(f"{path}: two items share a code")
    return Checklist(kind, items)


@dataclass(frozen=True)
class StudentRule:
    """Maioridade approved: kept as a student `months` after the approval, at most until
    the day before the `max_age` birthday."""

    months: int
    max_age: int


def load_student_rule(path: Path | str | None = None) -> StudentRule:
    path = Path(path or CONFIG_DIR / "documents" / "maioridade.yaml")
    raw = _read(path).get("student_status")
    if not isinstance(raw, dict):
        raise ChecklistError(f"{path}: student_status {{months, max_age}} is required")
    months, max_age = raw.get("months"), raw.get("max_age")
    if not isinstance(months, int) or not isinstance(max_age, int) or months <= 0 or max_age <= 18:
        raise ChecklistError(f"{path}: student_status needs months > 0 and max_age > 18, whole numbers")
    return StudentRule(months, max_age)


def checklist_of(runtime, kind: str) -> Checklist:
    return runtime.resource(f"checklist:{kind}", lambda: load_checklist(kind))


def changes_of(runtime) -> dict[str, ChangeType]:
    return runtime.resource("registration_changes", load_changes)


def student_rule_of(runtime) -> StudentRule:
    return runtime.resource("maioridade_student", load_student_rule)


def review_of(runtime) -> ReviewRules:
    return runtime.resource("case_review", load_review)


def items_for(changes: dict[str, ChangeType], codes: list[str]) -> list[Item]:
    """The documents the chosen changes need, each once (name and marital status share
    the certificate)."""
    seen, items = set(), []
    for code in codes:
        for item in changes[code].documents:
            if item.code not in seen:
                seen.add(item.code)
                items.append(item)
    return items
