"""Satisfaction (issue 14, part 3): after each verdict and each FAQ answer, one optional question
« Cette réponse vous a-t-elle aidé ? » (Oui / Non); after « Non », an optional free comment.
Both are stored with the case (CaseStore.record_feedback / comment_feedback) for the dashboard.

It never blocks the conversation:
- the question is the last message of the turn (the widget keeps the buttons of the last message
  only); when a form question is pending, it was asked just before and is asked again after the
  answer to the satisfaction question;
- the Oui / Non buttons send `/feedback{"helpful": "oui|non"}` (intent `feedback`), so that they can
  never be taken for the answer to a yes/no question of the form; a typed « oui » / « non » counts
  only when no yes/no question of the form is pending;
- any other message is handled as usual and withdraws the question (slot `offer`);
- the comment: only the very next message after « Non », and only when the assistant does not
  understand it as something else: a question (FAQ, « … ? »), a button, facts it reads (a
  collectivity, a budget, an answer to the pending question…), a project description or a
  « et si… ». Otherwise (« c'était trop vague », « je n'ai pas trouvé le montant ») it is the comment.

The state lives in the slot `offer`: {"stage": "feedback" | "comment" | "prefill", "about": "verdict" |
"faq", "faq_key": …, "turn": <number of user messages when it was set>}.
"""
from __future__ import annotations

import json
import logging
import re
from rasa_sdk.events import EventType, SlotSet

from . import followup as U

log = logging.getLogger(__name__)

OFFER_SLOT = "offer"
QUESTION = "Cette réponse vous a-t-elle aidé ?"
BUTTONS = [{"title": "Oui", "payload": '/feedback{"helpful": "oui"}'},
           {"title": "Non", "payload": '/feedback{"helpful": "non"}'}]
THANKS_YES = "Merci pour votre retour."
ASK_COMMENT = ("Merci de nous le dire. Si vous le souhaitez, écrivez en un message ce qui vous a manqué ou ce "
               "qui n'était pas clair (facultatif) ; vous pouvez aussi poursuivre la conversation.")
THANKS_NO = "Merci de nous le dire."
COMMENT_SAVED = "Merci, votre remarque est enregistrée : l'équipe qui suit l'assistant la lira."
COMMENT_NOT_SAVED = "Merci. Votre remarque n'a pas pu être enregistrée pour le moment."
COMMENT_MAX = 1000


# --------------------------------------------------------------------------- state

def offer(tracker) -> dict | None:
    value = tracker.get_slot(OFFER_SLOT)
    return value if isinstance(value, dict) and value.get("stage") else None


def user_turns(tracker) -> int:
    """Number of user messages in the tracker (the current one included)."""
    return sum(1 for e in tracker.events or [] if isinstance(e, dict) and e.get("event") == "user")


def conversation_id(tracker) -> str:
    """The case of the current project (as actions.actions._case_id)."""
    past = tracker.get_slot("assessments")
    n = len([p for p in past if isinstance(p, dict)]) if isinstance(past, list) else 0
    return U.case_id(tracker.sender_id, n + 1)


def next_message(tracker, state: dict | None) -> bool:
    """True when the current message is the one right after the offer was made (in the Rasa server,
    the user-message count grew by one; the test harness, which sends one user event per tracker,
    gives the same count). A message in between (a "merci", a what-if…) ends the offer."""
    return user_turns(tracker) - int((state or {}).get("turn") or 0) in (0, 1)


def withdraw(tracker, events: list[EventType]) -> list[EventType]:
    """`events` plus the withdrawal of a pending offer, unless the events set a new one."""
    if tracker.get_slot(OFFER_SLOT) is not None and not any(
            isinstance(e, dict) and e.get("event") == "slot" and e.get("name") == OFFER_SLOT for e in events):
        return list(events) + [SlotSet(OFFER_SLOT, None)]
    return events


# --------------------------------------------------------------------------- the store (never raises)

def record_feedback(conversation: str, about: str, helpful: bool, faq_key: str | None = None) -> int | None:
    try:
        from assistant.helpdesk.cases import CaseStore
        fid = CaseStore.default().record_feedback(conversation, about, helpful, faq_key=faq_key)
        log.info("feedback recorded (%s, helpful %s)", about, helpful)
        return fid
    except Exception as exc:  # the conversation goes on if the store is down
        log.warning("feedback not recorded: %s", type(exc).__name__)
        return None


def comment_feedback(conversation: str, comment: str) -> bool:
    try:
        from assistant.helpdesk.cases import CaseStore
        return bool(CaseStore.default().comment_feedback(conversation, comment))
    except Exception as exc:
        log.warning("feedback comment not recorded: %s", type(exc).__name__)
        return False


# --------------------------------------------------------------------------- asking

def ask(dispatcher, tracker, about: str, faq_key: str | None = None) -> list[EventType]:
    """The satisfaction question (last message of the turn) and its state."""
    dispatcher.utter_message(text=QUESTION, buttons=[dict(b) for b in BUTTONS])
    return [SlotSet(OFFER_SLOT, {"stage": "feedback", "about": about, "faq_key": faq_key,
                                 "turn": user_turns(tracker)})]


def after_faq(dispatcher, tracker, faq_key: str | None) -> list[EventType]:
    return ask(dispatcher, tracker, "faq", faq_key)


# --------------------------------------------------------------------------- answers

_NEGATIVE = re.compile(r"\b(non|pas|ne|n|inutile|rien|aucun|bof|nul)\b")


def helpful_of(message: dict) -> bool | None:
    """True / False from the button's payload (entity `helpful`) or from the text; None if unclear."""
    for e in message.get("entities") or []:
        if e.get("entity") == "helpful":
            v = str(e.get("value") or "").strip().lower()
            if v in ("oui", "true", "yes"):
                return True
            if v in ("non", "false", "no"):
                return False
    text = message.get("text") or ""
    if text.startswith("/feedback"):
        try:
            v = str(json.loads(text[len("/feedback"):] or "{}").get("helpful", "")).lower()
            return {"oui": True, "non": False}.get(v)
        except (ValueError, AttributeError):
            return None
    from assistant.text import fold
    t = fold(text[:300]).replace("'", " ")
    if not t:
        return None
    return not bool(_NEGATIVE.search(t))


def answer(dispatcher, tracker, helpful: bool, state: dict | None) -> list[EventType]:
    """Record the answer; after « Non », invite a comment (only if the answer was recorded)."""
    state = state or {"about": "verdict"}
    about = state.get("about") if state.get("about") in ("verdict", "faq") else "verdict"
    conv = conversation_id(tracker)
    fid = record_feedback(conv, about, helpful, faq_key=state.get("faq_key"))
    if helpful:
        dispatcher.utter_message(text=THANKS_YES)
        events: list[EventType] = [SlotSet(OFFER_SLOT, None)]
    elif fid is not None:
        dispatcher.utter_message(text=ASK_COMMENT)
        events = [SlotSet(OFFER_SLOT, {"stage": "comment", "about": about, "feedback_id": fid,
                                       "turn": user_turns(tracker)})]
    else:
        dispatcher.utter_message(text=THANKS_NO)
        events = [SlotSet(OFFER_SLOT, None)]
    resume(dispatcher, tracker)
    return events


def resume(dispatcher, tracker) -> None:
    from .actions import resume as resume_pending
    resume_pending(dispatcher, tracker)


def _understood(message: dict, tracker) -> bool:
    """True when the assistant reads the message as something other than a comment."""
    from .actions import _referential, _slots
    from .extract import extract
    from . import faq as F
    from assistant.reading.parsing import looks_like_project
    text = message.get("text") or ""
    if text.startswith("/") or text.rstrip().endswith("?") or U.is_question(text) or U.is_what_if(text):
        return True
    key, confidence = F.selected(message)
    intent = (message.get("intent") or {}).get("name")
    if intent in ("faq", "greet", "goodbye", "thanks", "request_human", "help", "start_over", "what_if"):
        return True
    pending = tracker.get_slot("pending_question")
    try:
        ex = extract(message, pending, _slots(tracker), _referential())
    except Exception:   # a reading problem: not a reason to lose the comment
        return False
    return bool(ex.updates) or bool(ex.answered) or bool(ex.dont_know) or looks_like_project(text)


def is_comment(tracker) -> bool:
    """The current message is the comment invited after « Non » (see the module's docstring)."""
    state = offer(tracker)
    if not state or state.get("stage") != "comment":
        return False
    if not next_message(tracker, state):
        return False        # not the very next message
    message = tracker.latest_message or {}
    if not (message.get("text") or "").strip():
        return False
    return not _understood(message, tracker)


def take_comment(dispatcher, tracker) -> list[EventType]:
    text = " ".join(((tracker.latest_message or {}).get("text") or "").split())[:COMMENT_MAX]
    saved = comment_feedback(conversation_id(tracker), text)
    dispatcher.utter_message(text=COMMENT_SAVED if saved else COMMENT_NOT_SAVED)
    resume(dispatcher, tracker)
    return [SlotSet(OFFER_SLOT, None), SlotSet("fallback_count", 0)]


def typed_answer(tracker) -> bool | None:
    """A typed « oui » / « non » to the satisfaction question (None: not one)."""
    state = offer(tracker)
    if not state or state.get("stage") != "feedback":
        return None
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    text = message.get("text") or ""
    if intent not in ("affirm", "deny") or text.startswith("/") or U.is_question(text):
        return None
    from .engine import BOOL_SLOTS
    if tracker.get_slot("pending_question") in BOOL_SLOTS:
        return None          # the form's yes/no question wins
    if not next_message(tracker, state):
        return None
    return intent == "affirm"


async def reply(dispatcher, tracker) -> list[EventType] | None:
    """Before the usual reading of a message (action_process / fallback / out of scope): the answer
    to a pending offer (prefill, satisfaction, comment), or None to read the message as usual."""
    state = offer(tracker)
    if not state:
        return None
    if state.get("stage") == "prefill":
        from . import prefill as PF
        return await PF.reply(dispatcher, tracker)
    helpful = typed_answer(tracker)
    if helpful is not None:
        return answer(dispatcher, tracker, helpful, state)
    if is_comment(tracker):
        return take_comment(dispatcher, tracker)
    return None
