"""Taking files for a case's checklist over several messages and days: which item a file
is (asked when unclear, never guessed), what is still missing, and the case into review
once nothing is."""
from __future__ import annotations

from datetime import timedelta

from bot.language import choices
from bot.language.text import normalize
from bot.platform import clock

from . import checklist, records

LATER_WORDS = ("depois", "mais tarde", "amanha", "nao tenho", "outro dia", "agora nao")


def item_named(text: str, items: list[dict]) -> dict | None:
    """The item a caption or an answer names: its number in `items` or words of its label."""
    index = choices.single(text, len(items))
    if index is not None and 1 <= index <= len(items):
        return items[index - 1]
    norm = normalize(text)
    if not norm:
        return None
    exact = [i for i in items if normalize(i["label"]) == norm]
    if exact:
        return exact[0]
    said = set(norm.split())
    scores = [(len(_words(i["label"]) & said), i) for i in items]
    best = max(score for score, _ in scores)
    hits = [i for score, i in scores if score == best]
    # the best match when it is the only one: "RG do novo titular" is the RG, not the CPF
    # "do novo titular"; "comprovante" alone between two comprovantes is asked about
    return hits[0] if best > 0 and len(hits) == 1 else None


_STOP = {"de", "do", "da", "dos", "das", "ou", "e", "o", "a", "documento", "arquivo"}


def _words(label: str) -> set[str]:
    return {w for w in normalize(label).split() if w not in _STOP and len(w) > 2}


def ask_missing(turn, case, *, first: bool = False) -> None:
    turn.say("cases/send_documents", items=records.missing(turn.session, case), first=first,
             protocol=case.protocol)
    keep_waiting(turn.conversation, checklist.review_of(turn.runtime))


def keep_waiting(conversation, rules) -> None:
    """Documents come over days: the state outlives idle expiry until the case would be
    closed for lack of them (the identity check still lapses as usual)."""
    until = clock.now() + timedelta(days=rules.close_after_days)
    conversation.data = {**(conversation.data or {}), "keep_until": until.isoformat()}


def on_leave(turn) -> tuple[str, str] | None:
    """Leaving (sair, another journey, idle) while documents are awaited: the case and its
    protocol stay open; "enviar documentos" goes on later, reminders follow."""
    case_id = turn.data.get("case_id")
    case = records.by_id(turn.session, case_id) if case_id else None
    if case is not None and case.status in records.AWAITING_FILES:
        return "encaminhado", "aguardando documentos"
    return None


def take(turn, case, *, on_complete, which_state: str) -> None:
    """A message in the state that asks for documents."""
    s = turn.session
    missing = records.missing(s, case)
    if not turn.files:
        if any(w in turn.norm for w in LATER_WORDS):
            turn.say("cases/later", protocol=case.protocol)
            turn.end()
            return
        turn.reject("cases/send_documents", items=missing, first=False, protocol=case.protocol)
        return
    ids = [f.attachment_id for f in turn.files]
    item = missing[0] if len(missing) == 1 else item_named(turn.text, missing)
    if item is None:
        turn.remember(unassigned=ids)
        turn.say("cases/which_item", items=missing, count=len(ids))
        turn.goto(which_state)
        return
    _give(turn, case, item, ids, on_complete=on_complete)


def which(turn, case, *, on_complete, documents_state: str) -> None:
    """The answer to "Esse arquivo é o RG ou o comprovante de matrícula?"."""
    missing = records.missing(turn.session, case)
    if turn.files:  # more files before answering: they join the question
        turn.remember(unassigned=turn.data.get("unassigned", []) + [f.attachment_id for f in turn.files])
    item = item_named(turn.choice, missing)
    if item is None:
        turn.retry("cases/which_item", items=missing, count=len(turn.data.get("unassigned", [])))
        return
    ids = turn.data.get("unassigned", [])
    turn.forget("unassigned")
    turn.goto(documents_state)
    _give(turn, case, item, ids, on_complete=on_complete)


def _give(turn, case, item: dict, ids: list[int], *, on_complete) -> None:
    s = turn.session
    records.add_files(s, case, item["code"], ids)
    missing = records.missing(s, case)
    turn.say("cases/item_received", item=item, count=len(ids))
    if missing:
        ask_missing(turn, case)
        return
    b = turn.beneficiary
    due = records.submit(s, case, checklist.review_of(turn.runtime).review_business_days,
                         b.state if b else None)
    turn.say("cases/in_review", protocol=case.protocol, due=due)
    on_complete(turn, case)


DOCUMENTS, WHICH_ITEM = "documents", "which_item"


def add_document_states(flow) -> None:
    """The two states every document journey shares: files arriving for its case, and
    "which document is this file?" when unclear. The journey ends once the case is whole
    (the review takes it from there)."""
    def case_of(turn):
        return records.by_id(turn.session, turn.data["case_id"])

    def done(turn, case) -> None:
        turn.end()

    @flow.state(DOCUMENTS, files=True)
    def documents(turn) -> None:
        take(turn, case_of(turn), on_complete=done, which_state=WHICH_ITEM)

    @flow.state(WHICH_ITEM, files=True)
    def which_item(turn) -> None:
        which(turn, case_of(turn), on_complete=done, documents_state=DOCUMENTS)


def wait_for_documents(flow, conversation, case) -> None:
    """A journey's entry point for a case waiting for documents again (after a rejection)."""
    conversation.flow, conversation.state = flow.name, DOCUMENTS
    conversation.data = {"protocol": case.protocol, "case_id": case.id}
