"""A chosen slot: the confirmation of the data, then the booking (or another slot, or the
registration update when the data shown is wrong)."""
from __future__ import annotations

import re
from datetime import datetime

from bot.engine import Turn
from bot.flows.registration import flow as registration
from bot.flows.scheduling import appointments
from bot.flows.scheduling.form import specialty_name
from bot.flows.scheduling.search import SEARCH_AGAIN, search
from bot.language import intents
from bot.language.templates import render
from bot.platform import clock
from bot.registry.base import RegistryUnavailable, SlotTaken
from bot.services import protocols
from storage.models import Appointment

# Beyond bot.language.intents.yes_no's clause-by-clause reading ("Sim.", "sim, pode ser").
CONFIRM_EXTRA = {"confirmar", "confirmo", "sim confirmo", "pode marcar", "pode agendar"}
OTHER_SLOT = {"nao confirmo", "outro", "outro horario", "outra", "outra hora"}
# "dados incorretos", "meu telefone está errado", "preciso atualizar meu cadastro"
WRONG_DATA = re.compile(
    r"\b(?:dados?|nome|telefone|celular|nascimento|cadastro)\b.*\b(?:incorret|errad|desatualizad|"
    r"mudou|diferente)|\b(?:corrigir|atualizar|alterar)\b.*\b(?:dados?|cadastro|nome|telefone|"
    r"celular|nascimento)\b")
# What the registration journey cannot change: a person corrects it with them.
BIRTH_DATE = re.compile(r"\bnascimento\b|\bnasci\b|\bidade\b")


def choose_slot(turn: Turn, slot_ref: str) -> None:
    try:
        slot = turn.registry.slot(slot_ref)
        patient = turn.registry.beneficiary(turn.data["patient"]) if slot else None
    except RegistryUnavailable:
        return turn.say("scheduling/try_later")  # still picking: the same number works later
    if slot is None:
        return turn.retry("scheduling/pick_again", count=len(turn.data["results"]),
                          more=bool(turn.data.get("has_more")))
    if _began(slot.starts_at):  # the list stayed open while its first hours went by
        return _offer_next(turn, "scheduling/slot_past")
    turn.remember(slot=slot_ref, slot_at=slot.starts_at.isoformat())
    turn.goto("confirm")
    turn.say_choices("scheduling/confirm", kind="buttons", items=_confirm_buttons(),
                     slot=slot, patient=patient, phone=turn.conversation.address,
                     specialty=specialty_name(turn))


def _confirm_buttons() -> list[dict]:
    return [{"id": "confirm:yes", "title": render("scheduling/button_confirm")},
            {"id": "confirm:no", "title": render("scheduling/button_other_time")},
            {"id": "confirm:wrong_data", "title": render("scheduling/button_wrong_data")}]


def confirm(turn: Turn) -> None:
    answer = turn.message.payload or ""
    # Before yes/no: "não, meu telefone está errado" is about the data, not another slot.
    if answer == "confirm:wrong_data" or (not answer and WRONG_DATA.search(turn.norm)):
        return wrong_data(turn)
    said = None if answer else intents.yes_no(turn.text, extra_yes=CONFIRM_EXTRA)
    if answer == "confirm:yes" or said is True:
        return _book(turn)
    if answer == "confirm:no" or said is False or turn.norm.strip(" .!") in OTHER_SLOT:
        return search(turn, offset=turn.data.get("offset", 0), announce=False)
    turn.retry("scheduling/confirm_yes_no")


def wrong_data(turn: Turn) -> None:
    """Nothing is booked with data the person says is wrong. Their own data goes to the
    registration update (bot/flows/registration), entered through its declared entry
    point with what the message named ("meu telefone está errado": the phone); when it
    ends, going back to this search is offered. A dependent's data, or a birth date
    (not a change that journey makes), goes to a person, who then books again. The
    patient's name comes from the form, so this works with the operator's system down."""
    patient = next((m["name"] for m in turn.data.get("family", [])
                    if m["ref"] == turn.data["patient"]), turn.data["patient"])
    own = turn.data["patient"] == turn.conversation.beneficiary_ref
    if own and not BIRTH_DATE.search(turn.norm):
        return _update_registration(turn)
    number = turn.data.get("protocol")
    turn.escalate(f"dados cadastrais a corrigir antes de agendar ({specialty_name(turn)}) "
                  f"para {patient}", template="scheduling/wrong_data", patient_name=patient,
                  own=own)
    turn.end()
    turn.remember(protocol=number)  # attendants see the case number


def _update_registration(turn: Turn) -> None:
    specialty, city = specialty_name(turn), turn.data.get("city")
    if turn.data.get("reschedule_id"):  # back to moving that appointment, not a new one
        back_to, back_text = "minhas_consultas", f"remarcar a consulta de {specialty}"
    else:
        back_to = turn.conversation.flow
        back_text = (f"marcar {specialty or 'consulta'} para mim"
                     + (f" em {city[0]}" if city else ""))
    before = turn.protocol
    turn.say("scheduling/wrong_data_update", specialty=specialty)
    registration.correct_then_return(turn, back_to=back_to, back_text=back_text,
                                     offer="scheduling/back_after_registration", about=specialty)
    if before is not None and not protocols.is_closed(before):
        # The search stops here (a new one starts when the person comes back); the
        # registration update has its own protocol, named in this one's history.
        protocols.set_status(before, "cancelado", "dados cadastrais a corrigir: seguiu para a "
                             f"atualização cadastral, protocolo {turn.data.get('protocol')}")


def _began(starts_at: datetime) -> bool:
    return starts_at <= clock.local_now()


def _offer_next(turn: Turn, template: str) -> None:
    """The chosen slot cannot be booked any more: say why and show the next free ones."""
    turn.say(template)
    turn.forget("slot", "slot_at")
    turn.goto(SEARCH_AGAIN)  # no slot to confirm any more, whatever the search does
    search(turn, announce=False)


def _book(turn: Turn) -> None:
    reschedule_id = turn.data.get("reschedule_id")
    if turn.data.get("slot_at") and _began(datetime.fromisoformat(turn.data["slot_at"])):
        return _offer_next(turn, "scheduling/slot_past")  # "sim" came after it began
    try:
        patient = turn.registry.beneficiary(turn.data["patient"])
        appointment = appointments.book(
            turn.session, turn.registry, turn.settings, slot_ref=turn.data["slot"],
            patient=patient, booked_by_ref=turn.conversation.beneficiary_ref,
            # a rescheduled appointment keeps its own protocol and history
            protocol_number=turn.data.get("appointment_protocol") or turn.data["protocol"],
            conversation_id=turn.conversation.id,
            booking_key=f"conv{turn.conversation.id}-msg{turn.message.external_id}",
            specialty=turn.data["specialty"],
        )
    except SlotTaken:
        return _offer_next(turn, "scheduling/slot_taken")
    except RegistryUnavailable:
        return turn.say("scheduling/try_later")  # still in "confirm": "sim" again later
    if reschedule_id:
        old = turn.session.get(Appointment, reschedule_id)
        appointments.replace(turn.session, turn.registry, old, appointment)
        turn.close_protocol("concluido", f"consulta do protocolo {appointment.protocol_number} "
                                         f"remarcada")
    else:
        turn.close_protocol("agendado", f"consulta em {appointment.starts_at:%d/%m/%Y %H:%M}")
    if appointment.reminder_at:
        rt, appointment_id, at = turn.runtime, appointment.id, appointment.reminder_at
        turn.defer(lambda: appointments.schedule_reminder(rt, appointment_id, at))
    turn.say("scheduling/booked", appointment=appointment, provider=appointment.provider,
             specialty=specialty_name(turn), number=appointment.protocol_number,
             rescheduled=bool(reschedule_id), hours=turn.settings.reminder_hours_before)
    turn.end()
