"""The slot list shown: choosing from it (its number, its title, the picker), paging
("mais"), or changing the search with free text."""
from __future__ import annotations

from bot.engine import Turn
from bot.flows.scheduling.confirm import WRONG_DATA, choose_slot, wrong_data
from bot.flows.scheduling.form import Reading, read_form, refuse, take_answer
from bot.flows.scheduling.search import PAGE, search
from bot.language import choices
from bot.language.text import normalize

MORE = {"mais", "ver mais", "mais horarios", "proximos", "outro horario", "outros horarios",
        "outras opcoes", "outra opcao", "mais opcoes"}
OTHER_DATE = {"outra data", "outro dia", "outra", "mudar data", "outras datas"}


def pick(turn: Turn) -> None:
    results = turn.data["results"]
    choice = turn.choice
    if choice.startswith("slot:") and choice[5:] in results:
        return choose_slot(turn, choice[5:])
    norm = turn.norm
    if norm in MORE:
        if turn.data.get("has_more"):
            return search(turn, offset=turn.data["offset"] + PAGE)
        return turn.retry("scheduling/no_more")
    if norm in OTHER_DATE:
        turn.goto("ask_date")
        return turn.say("scheduling/ask_date")
    if WRONG_DATA.search(norm):  # noticed before choosing: as at the confirmation
        return wrong_data(turn)
    # "3", "quero o 3", "opção 3", "o terceiro", "3º"; not "dia 3" (a date) or "às 3" (a time)
    number = choices.single(turn.text, len(results))
    if number:
        index = number - 1
        if 0 <= index < len(results):
            return choose_slot(turn, results[index])
        return turn.retry("scheduling/pick_again", count=len(results))
    # A typed item title ("25/11 09:30 Dr. Ricardo") is a choice, not a date.
    titles = [normalize(t) for t in turn.data.get("titles", [])]
    if norm in titles:
        return choose_slot(turn, results[titles.index(norm)])
    # Another date, specialty, city, professional or period in free text searches again.
    reading = read_form(turn, turn.text)
    changed = {k: v for k, v in reading.found.items() if turn.data.get(k) != v}
    if changed:
        return take_answer(turn, Reading(changed, reading.problems, reading.context))
    if reading.problems:  # refused ("ontem"): the list shown still stands
        return refuse(turn, reading)
    turn.retry("scheduling/pick_again", count=len(results))
