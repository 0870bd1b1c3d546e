"""The slot list shown: choosing from it (its number, its title, the picker), paging
("mais"), or changing the search with free text."""
from __future__ import annotations

from datetime import date, datetime

from bot.engine import Turn
from bot.flows.scheduling.confirm import WRONG_DATA, choose_slot, wrong_data
from bot.flows.scheduling.form import Reading, read_form, refuse, take_answer
from bot.flows.scheduling.search import PAGE, search, slots_at
from bot.language import choices, intents
from bot.language.dates import parse_clock_time, parse_date_request
from bot.language.text import normalize

MORE = {"mais", "ver mais", "mais horarios", "proximos", "outro horario", "outros horarios",
        "outras opcoes", "outra opcao", "mais opcoes"}
OTHER_DATE = {"outra data", "outro dia", "outra", "mudar data", "outras datas"}
# With a single option shown, pointing at it chooses it ("esse", "pode ser esse", "sim").
THIS_ONE = {"esse", "este", "esse mesmo", "este mesmo", "esse ai", "esse ae", "esse aqui",
            "pode ser esse", "quero esse", "esse horario", "esse ta bom", "esse serve",
            "pode ser", "quero", "serve", "ok", "isso", "esse pode ser", "fico com esse"}


def pick(turn: Turn) -> None:
    results = turn.data["results"]
    choice = turn.choice
    if choice.startswith("slot:") and choice[5:] in results:
        return choose_slot(turn, choice[5:])
    norm = turn.norm
    if norm in MORE:
        if turn.data.get("has_more"):
            return search(turn, offset=turn.data["offset"] + PAGE)
        return turn.retry("scheduling/no_more", count=len(results))
    if norm in OTHER_DATE:
        turn.goto("ask_date")
        return turn.say("scheduling/ask_date")
    if WRONG_DATA.search(norm):  # noticed before choosing: as at the confirmation
        return wrong_data(turn)
    # "às 15h", "9:30", "o das 9 e meia": the slot of the list at that time ("às 3" is 15h
    # when the list has 15h and no 3h; otherwise it is still the number 3).
    at = parse_clock_time(turn.text)
    if at is not None and _shown_at(turn, at):
        return
    # "3", "quero o 3", "opção 3", "o terceiro", "3º"; not "dia 3" (a date)
    number = choices.single(turn.text, len(results))
    if number:
        index = number - 1
        if 0 <= index < len(results):
            return choose_slot(turn, results[index])
        return pick_again(turn)
    # A typed item title ("25/11 09:30 Dr. Ricardo") is a choice, not a date.
    titles = [normalize(t) for t in turn.data.get("titles", [])]
    if norm in titles:
        return choose_slot(turn, results[titles.index(norm)])
    if len(results) == 1 and (norm.strip(" .!") in THIS_ONE or intents.yes_no(turn.text)):
        return choose_slot(turn, results[0])  # "esse", "pode ser sim": the one shown
    if at is not None and _free_at(turn, at):
        return
    # Another date, specialty, city, professional or period in free text searches again.
    reading = read_form(turn, turn.text)
    changed = {k: v for k, v in reading.found.items() if turn.data.get(k) != v}
    if changed:
        return take_answer(turn, Reading(changed, reading.problems, reading.context))
    if reading.problems:  # refused ("ontem", "30/02"): the list shown still stands
        return refuse(turn, reading)
    pick_again(turn)


def pick_again(turn: Turn) -> None:
    """The answer chose nothing: how to choose from this list ("1" alone when it has one
    item, never "de 1 a 1"; "mais" only when there is more)."""
    turn.retry("scheduling/pick_again", count=len(turn.data["results"]),
               more=bool(turn.data.get("has_more")))


def _readings(at: int) -> list[int]:
    """The minutes a named time may mean: "às 3" is 03:00 or, at a clinic, 15:00."""
    return [at, at + 12 * 60] if at < 12 * 60 else [at]


def _named_day(turn: Turn) -> date | None:
    wanted = parse_date_request(turn.text, turn.today)
    if wanted is None or wanted.impossible or wanted.end != wanted.start:
        return None
    return wanted.start


def _shown_at(turn: Turn, at: int) -> bool:
    """Choose the shown slot at time `at` (and on the day named, if any); with several at
    that time, ask which of their numbers. False when none shown is at that time."""
    results, times = turn.data["results"], turn.data.get("times") or []
    day = _named_day(turn)
    for minutes in _readings(at):
        numbers = [n for n, when in enumerate(times, 1)
                   if _minutes(datetime.fromisoformat(when)) == minutes
                   and (day is None or datetime.fromisoformat(when).date() == day)]
        if len(numbers) == 1:
            choose_slot(turn, results[numbers[0] - 1])
            return True
        if numbers:
            turn.retry("scheduling/pick_which_time", numbers=numbers, minutes=minutes)
            return True
    return False


def _free_at(turn: Turn, at: int) -> bool:
    """A time not on the page shown: the one free slot at that time on the wanted dates is
    chosen (the confirmation shows it in full); none is said, with the list still standing.
    False (several, or another day named): the caller searches again with that time."""
    if _named_day(turn) is not None:
        return False
    for minutes in _readings(at):
        free = slots_at(turn, f"{_clock(minutes)}-{_clock(minutes + 1)}")
        if len(free) == 1:
            choose_slot(turn, free[0].ref)
            return True
        if free:
            return False
    turn.reject("scheduling/no_slot_at_time", minutes=at, count=len(turn.data["results"]),
                more=bool(turn.data.get("has_more")))
    return True


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute
