"""ANS guarantee deadlines for appointments (RN 566/2022)."""
from __future__ import annotations

from datetime import date

from bot.flows.scheduling.specialties import Specialty, by_code
from bot.platform.calendar import add_business_days


def ans_deadline(today: date, specialty: Specialty | str, state: str | None) -> date:
    """Last day by which the ANS-guaranteed appointment must be offered (RN 566/2022):
    7 business days for basic specialties and dentistry, 14 for the others."""
    if isinstance(specialty, str):
        specialty = by_code(specialty)
    return add_business_days(today, specialty.deadline_business_days, state)
