"""Custom actions of the FITN7 axe 3 assistant (rasa_sdk): thin adapters over the engine.

The dialogue is a loop driven by the engine's `missing` list: after every message that carries
facts, `action_process` reads them (actions/extract.py), recomputes the assessment and either asks
the first missing item (one question at a time, `pending_question`) or gives the verdict.
Every action runs inside `guarded`: an unexpected error is logged without personal data and the
user gets a short French message, never a stack trace and never silence.
"""
from __future__ import annotations

import functools
import logging
import os
import traceback
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.errors import InputError
from assistant.fmt import eur, integer

from . import engine as E
from . import faq as F
from . import feedback as FB
from . import prefill as PF
from . import followup as U
from . import render
from . import texts as T
from .extract import extract
from assistant.reading import parsing as P
from assistant.reading.answers import UNKNOWN
from assistant.reading.parsing import looks_like_project

log = logging.getLogger(__name__)

MAX_FALLBACKS = 2                      # misunderstandings in a row before a hand-off
HANDOFF_USER = "demande de l'usager"
HANDOFF_FALLBACK = "incompréhensions répétées"
HANDOFF_TO_CONFIRM = "verdict à confirmer"


def guarded(run):
    """Wrap Action.run: never raise, log the exception class and frames only, answer in French."""
    @functools.wraps(run)
    async def wrapper(self, dispatcher, tracker, domain):
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception as exc:
            # where it failed (file, line, function), never the message nor the source lines
            frames = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                                 for f in reversed(traceback.extract_tb(exc.__traceback__)[-6:]))
            log.error("action %s failed: %s at %s", self.name(), type(exc).__name__, frames)
            dispatcher.utter_message(text=T.ERROR)
            return []
    return wrapper


async def guarded_call(name: str, dispatcher: CollectingDispatcher, coro) -> list[EventType]:
    """`await coro` under the same guard as `guarded` (for the actions of actions/prefill.py)."""
    class _Named:
        def name(self):
            return name

    async def run(_self, _dispatcher, _tracker, _domain):
        return await coro
    return await guarded(run)(_Named(), dispatcher, None, None)


def _referential():
    from assistant.eligibility.referential import Referential
    return Referential.open()


def _slots(tracker: Tracker) -> dict[str, Any]:
    return {k: tracker.get_slot(k) for k in E.REQUEST_SLOTS + ("role",)}


def _channel(tracker: Tracker) -> str:
    try:
        return tracker.get_latest_input_channel() or "rest"
    except Exception:
        return "rest"


def _last_assessment(tracker: Tracker) -> dict | None:
    """The compact assessment kept in the `assessment` slot (see compact()), or None."""
    a = tracker.get_slot("assessment")
    return a if isinstance(a, dict) else None


def _public(assessment: dict) -> dict:
    """The assessment without the dialogue's own keys (`_skipped`)."""
    return {k: v for k, v in assessment.items() if not k.startswith("_")}


def _skipped(tracker: Tracker) -> list[str]:
    return list((_last_assessment(tracker) or {}).get("_skipped") or [])


def _past(tracker: Tracker) -> list[dict]:
    """The earlier projects of this conversation (slot `assessments`, see followup.past_record)."""
    past = tracker.get_slot("assessments")
    return [p for p in past if isinstance(p, dict)] if isinstance(past, list) else []


def _case_id(tracker: Tracker) -> str:
    """The case of the current project: the conversation id, suffixed from the second project on."""
    return U.case_id(tracker.sender_id, len(_past(tracker)) + 1)


_CANDIDATE_KEYS = ("code", "siren", "name", "type", "epci_type", "type_label", "population", "department",
                   "department_name")


def compact(assessment: dict) -> dict:
    """What the next turns need of the last assessment (the full answer goes in the verdict's
    custom payload): kept small because the tracker store keeps every value of the slot."""
    c = assessment.get("collectivity") or None
    if c:
        c = {**{k: v for k, v in c.items() if k != "candidates"},
             "candidates": [{k: x.get(k) for k in _CANDIDATE_KEYS} for x in c.get("candidates") or []]}
    keep = ("eligibility", "missing", "sub_axis", "sub_axis_label", "sub_axes", "sub_axis_labels", "contacts",
            "summary", "_skipped")
    return {**{k: assessment.get(k) for k in keep}, "collectivity": c,
            "amount": {"kind": (assessment.get("amount") or {}).get("kind"),
                       "eur": (assessment.get("amount") or {}).get("eur")}}


def ask(dispatcher: CollectingDispatcher, slot: str, assessment: dict | None) -> None:
    """Ask for one missing item; homonyms get one button per candidate (INSEE code in the payload)."""
    cands = ((assessment or {}).get("collectivity") or {}).get("candidates") or []
    if slot in ("department", "collectivity") and cands:
        variables, buttons = render.homonym_question(assessment)
        dispatcher.utter_message(text=T.HOMONYMS.format(**variables), buttons=buttons)
        return
    text, buttons = T.question(slot)
    dispatcher.utter_message(text=text, buttons=buttons)


def acknowledge(updates: dict, assessment: dict) -> str | None:
    """One line saying what was understood from the message (so that users can correct it)."""
    parts = []
    unknown = [k for k, v in updates.items() if v == UNKNOWN]
    updates = {k: v for k, v in updates.items() if v != UNKNOWN}
    if unknown:
        parts.append("ce point reste à confirmer")
    if "collectivity" in updates and updates["collectivity"]:
        label = render.collectivity_label(assessment.get("collectivity"))
        if label:
            parts.append(label)
    if updates.get("budget_eur"):
        try:
            parts.append(f"budget {eur(updates['budget_eur'])}")        # "budget 12 000 €"
        except (TypeError, ValueError):
            pass
    if updates.get("results_date"):
        from assistant.eligibility.labels import fr_date
        import datetime as dt
        try:
            parts.append(f"résultats le {fr_date(dt.date.fromisoformat(updates['results_date']))}")
        except Exception:
            parts.append(f"résultats le {updates['results_date']}")
    for key, noun in (("agents_count", "agent"), ("users_count", "usager")):
        if updates.get(key):
            try:
                n = int(updates[key])
                parts.append(f"{integer(n)} {noun}{'s' if n > 1 else ''}")   # "1 200 agents", French typography
            except (TypeError, ValueError):
                pass
    if updates.get("role"):
        parts.append(f"vous êtes {updates['role']}")
    if updates.get("description") and assessment.get("missing", [None])[:1] != ["description"]:
        parts.append("la description de votre projet")
    return ("C'est noté : " + ", ".join(parts) + ".") if parts else None


def _place_known(assessment: dict | None) -> bool:
    """True when the engine knows the département (so the contact is a named prefecture)."""
    return any(c.get("department") for c in (assessment or {}).get("contacts") or []) or \
        bool(((assessment or {}).get("collectivity") or {}).get("code"))


def handoff(dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict, assessment: dict | None,
            reason: str) -> list[EventType]:
    """Give the right contact with a ready-to-send mailto: link and record the case for triage."""
    request = E.request_from_slots(slots)
    if assessment is None:
        try:
            assessment = E.run_assessment(request)
        except InputError:
            assessment = None
    contact = render.choose_contact(assessment)
    link = render.mailto(contact, assessment, earlier=_past(tracker))
    key = {HANDOFF_TO_CONFIRM: "to_confirm", HANDOFF_FALLBACK: "fallback"}.get(reason)
    # the case first: the text says "transmise" only if it was recorded
    recorded = E.record_case(_case_id(tracker), _channel(tracker), request, assessment,
                             handoff_reason=reason) is not None
    text = render.handoff_text(contact, link, key, recorded=recorded)
    others = [c for c in (assessment or {}).get("contacts") or [] if c is not contact]
    if others:
        text += "\nAutre interlocuteur : " + " ; ".join(
            f"{c.get('name')} ({c.get('email') or c.get('url') or ''})".replace(" ()", "") for c in others) + "."
    dispatcher.utter_message(text=text,
                             json_message={"handoff": {"contact": contact, "mailto": link, "reason": reason}})
    if reason == HANDOFF_USER and not _place_known(assessment):
        # the right prefecture needs the collectivity: ask it, the hand-off follows the answer
        dispatcher.utter_message(text=T.HANDOFF_NEEDS_PLACE)
        return [SlotSet("fallback_count", 0), SlotSet("handoff_pending", True),
                SlotSet("pending_question", "collectivity")]
    return [SlotSet("fallback_count", 0), SlotSet("handoff_pending", False)]


def say_notes(dispatcher: CollectingDispatcher, ex) -> None:
    """The extraction's French notes; the last one carries the "Vouliez-vous dire … ?" buttons."""
    for i, note in enumerate(ex.notes):
        last = i == len(ex.notes) - 1
        buttons = [{"title": b["title"], "payload": b["payload"]} for b in ex.suggestions] if last else []
        dispatcher.utter_message(text=note, buttons=buttons)


def process(dispatcher: CollectingDispatcher, tracker: Tracker, from_fallback: bool = False,
            off_topic: bool = False) -> list[EventType]:
    """Read the latest message, recompute the assessment, ask what is missing or give the verdict.

    from_fallback: the NLU did not understand the message; it only counts if it answers the pending
    question. off_topic: the same, but an unanswered message is off-topic, not a misunderstanding.
    """
    slots = _slots(tracker)
    pending = tracker.get_slot("pending_question")
    previous = _last_assessment(tracker)
    cands = ((previous or {}).get("collectivity") or {}).get("candidates") or []
    message = tracker.latest_message or {}
    if not (message.get("text") or "").strip():
        # an empty message is not a misunderstanding: say what the assistant does, ask again
        dispatcher.utter_message(text=T.EMPTY)
        if pending:
            ask(dispatcher, pending, previous)
        return []
    text = message.get("text") or ""
    intent = (message.get("intent") or {}).get("name") or ""
    after_verdict = U.verdict_given(previous, pending)
    if after_verdict and not text.startswith("/") and U.is_what_if(text):
        return what_if(dispatcher, tracker, slots, previous, message)
    new_project = after_verdict and not text.startswith("/") and U.is_new_project(text)
    events: list[EventType] = []
    if new_project:
        # a second project for the same collectivity: the first is kept (slot, summary, case)
        past = _past(tracker) + [U.past_record(previous, slots, len(_past(tracker)) + 1)]
        slots = {**slots, **{k: None for k in U.PROJECT_SLOTS}}
        events += [SlotSet("assessments", past)] + [SlotSet(k, None) for k in U.PROJECT_SLOTS]
        dispatcher.utter_message(text=render.NEW_PROJECT.format(n=len(past) + 1, first=render.past_line(past[-1])))
    ex = extract(message, pending, slots, _referential(), candidates=cands)
    key, _confidence = F.selected(message)
    if key and not new_project and not text.startswith("/") and U.is_question(text) \
            and not set(ex.updates) & U.HARD_FACTS and not (pending and pending in ex.updates
                                                           and pending != "description"):
        # a procedure question typed like a statement ("À qui écrire pour une formation… ?"):
        # the question wins, nothing is recorded, the pending question is asked again
        return answer_faq(dispatcher, tracker, key)
    if intent in ("affirm", "deny") and pending in E.BOOL_SLOTS and U.is_question(text):
        ex.updates.pop(pending, None)        # "on signe quoi avec l'État ?" is no "non"
        ex.answered = False
    # a yes/no input corrected in a sentence ("en fait ce n'est pas porté par le maire")
    ex.updates.update(U.yes_no_corrections(text, pending))
    for k in [k for k, v in ex.updates.items() if slots.get(k) == v]:
        del ex.updates[k]
    if (from_fallback or off_topic) and "description" in ex.updates \
            and not looks_like_project((message.get("text") or "")):
        ex.updates.pop("description")   # "Hello, can you help me?" is not a project description
        ex.answered = pending in ex.updates
    if (from_fallback or off_topic) and not (ex.answered or ex.dont_know) and not (
            after_verdict and set(ex.updates) & (U.HARD_FACTS | set(E.BOOL_SLOTS))):
        # a message the NLU did not understand only counts as an answer, or after the verdict as a
        # correction of a fact ("correction : 9000 euros", "oui, le maire porte le projet")
        ex.updates = {}
    updates = dict(ex.updates)
    if ex.dont_know and pending and updates.get(pending) == UNKNOWN \
            and E.check_request(E.request_from_slots({**slots, pending: UNKNOWN})):
        updates.pop(pending)    # an engine that does not take "unknown" for this input: skipped only
    skipped = _skipped(tracker)
    if ex.dont_know and pending and pending not in skipped:
        skipped.append(pending)

    new = {**slots, **updates}
    refused = E.check_request(E.request_from_slots(new))
    if refused:
        # the engine refuses a value (e.g. an absurd budget): say why, keep the previous values
        dispatcher.utter_message(text=refused)
        for key in list(updates):
            trial = {**slots, **{k: v for k, v in updates.items() if k != key}}
            if E.check_request(E.request_from_slots(trial)) is None:
                updates.pop(key)
                break
        else:
            updates = {}
        new = {**slots, **updates}
        if E.check_request(E.request_from_slots(new)):
            updates, new = {}, dict(slots)

    understood = bool(updates) or ex.answered or ex.dont_know or new_project
    events += [SlotSet(k, v) for k, v in updates.items()]
    count = int(tracker.get_slot("fallback_count") or 0)
    if not understood and off_topic:
        dispatcher.utter_message(text=T.OUT_OF_SCOPE)
        if pending:
            ask(dispatcher, pending, previous)
        return events
    if not understood and key and text.rstrip().endswith("?") and not text.startswith("/"):
        return answer_faq(dispatcher, tracker, key)   # an unread question: the FAQ's best answer
    if not understood:
        say_notes(dispatcher, ex)
        count += 1
        if count >= MAX_FALLBACKS:
            return events + handoff(dispatcher, tracker, new, previous, HANDOFF_FALLBACK)
        if pending:
            if not ex.notes:
                dispatcher.utter_message(text=T.NOT_UNDERSTOOD_ANSWER)
            ask(dispatcher, pending, previous)
        elif (message.get("intent") or {}).get("name") in ("affirm", "deny") and previous:
            dispatcher.utter_message(text=T.AFTER_VERDICT)
            count -= 1
        else:
            dispatcher.utter_message(text=T.DEFAULT)
        return events + [SlotSet("fallback_count", count)]

    assessment = E.run_assessment(E.request_from_slots(new))
    assessment["_skipped"] = skipped
    events += [SlotSet("assessment", compact(assessment)), SlotSet("fallback_count", 0)]
    say_notes(dispatcher, ex)
    missing = [m for m in assessment.get("missing") or [] if m not in skipped]
    public = _public(assessment)
    ack = acknowledge(updates, assessment)
    if ack:
        dispatcher.utter_message(text=ack)
    if missing:
        if tracker.get_slot("handoff_pending") and _place_known(public):
            events += handoff(dispatcher, tracker, new, public, HANDOFF_USER)
        ask(dispatcher, missing[0], assessment)
        return events + [SlotSet("pending_question", missing[0])]

    dispatcher.utter_message(text=render.verdict_text(public, earlier=_past(tracker)),
                             json_message={"assessment": public})
    events.append(SlotSet("pending_question", None))
    if public.get("eligibility") == "to_confirm" or tracker.get_slot("handoff_pending"):
        reason = HANDOFF_TO_CONFIRM if public.get("eligibility") == "to_confirm" else HANDOFF_USER
        events += handoff(dispatcher, tracker, new, public, reason)
    else:
        E.record_case(_case_id(tracker), _channel(tracker), E.request_from_slots(new), public)
    # issue 14: the prefill offer (eligible / to confirm), else the satisfaction question
    events += PF.offer(dispatcher, tracker, public, E.request_from_slots(new))
    return events


def what_if(dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict, previous: dict,
            message: dict) -> list[EventType]:
    """"Et si on dépassait les 5 000 habitants ?": the engine again with one input changed, the new
    verdict and amount next to the first one. The conversation's inputs are not changed."""
    text = message.get("text") or ""
    ex = extract(message, None, slots, _referential())
    changes = {k: v for k, v in ex.updates.items() if k in E.REQUEST_SLOTS and v is not None}
    changes.update(U.yes_no_corrections(text, None))
    population, population_words = U.population_hypothesis(text)
    if population is not None:
        changes.pop("agents_count", None)          # "5 000 habitants" is no count of agents
    if "description" not in changes and not changes and population is None and P.describes_project(text):
        changes["description"] = P.project_text(text)
    if not changes and population is None:
        dispatcher.utter_message(text=render.WHAT_IF_NOTHING)
        return []
    request = E.request_from_slots({**slots, **changes})
    if population is not None:
        request["population"] = population
    refused = E.check_request(request)
    if refused:
        dispatcher.utter_message(text=refused)
        return []
    new = _public(E.run_assessment(request))
    first = _public(previous)
    dispatcher.utter_message(text=render.what_if_text(first, new, render.what_if_changes(changes, population_words, slots),
                                                      population=population is not None),
                             json_message={"what_if": {"changes": {**changes, **({"population": population}
                                                                              if population is not None else {})},
                                                       "assessment": new}})
    return [SlotSet("fallback_count", 0)]


class ActionProcess(Action):
    def name(self) -> str:
        return "action_process"

    @guarded
    async def run(self, dispatcher, tracker, domain):
        reply = await FB.reply(dispatcher, tracker)   # a pending offer's answer (issue 14)
        if reply is not None:
            return reply
        return FB.withdraw(tracker, process(dispatcher, tracker))


class ActionSmallTalk(Action):
    """"merci", "au revoir" (rules thanks / goodbye): while a question is pending, the message is first
    read as an answer to it ("jsp" is "je ne sais pas", "à la Réunion" a département the classifier
    took for small talk): then it goes to the engine loop like any answer. Otherwise a French "avec plaisir" / "au revoir"."""

    def name(self) -> str:
        return "action_small_talk"

    @guarded
    async def run(self, dispatcher, tracker, domain):
        if answers_pending(tracker):
            reply = await FB.reply(dispatcher, tracker)   # a pending offer's answer (issue 14)
            if reply is not None:
                return reply
            return FB.withdraw(tracker, process(dispatcher, tracker))
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        dispatcher.utter_message(text=T.GOODBYE if intent == "goodbye" else T.THANKS)
        return []


def answers_pending(tracker: Tracker) -> bool:
    """True when the latest message answers the pending question (or says "je ne sais pas" to it)."""
    pending = tracker.get_slot("pending_question")
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if not pending or not text.strip() or text.startswith("/"):
        return False
    cands = ((_last_assessment(tracker) or {}).get("collectivity") or {}).get("candidates") or []
    ex = extract(message, pending, _slots(tracker), _referential(), candidates=cands)
    return ex.answered or ex.dont_know


class ActionFallback(Action):
    """NLU fallback: still an answer if it fits the pending question; two in a row: a human."""

    def name(self) -> str:
        return "action_fallback"

    @guarded
    async def run(self, dispatcher, tracker, domain):
        reply = await FB.reply(dispatcher, tracker)   # a pending offer's answer (issue 14)
        if reply is not None:
            return reply
        return FB.withdraw(tracker, process(dispatcher, tracker, from_fallback=True))


class ActionOutOfScope(Action):
    """Off-topic or another language: say what the assistant does, unless it answers the question asked."""

    def name(self) -> str:
        return "action_out_of_scope"

    @guarded
    async def run(self, dispatcher, tracker, domain):
        reply = await FB.reply(dispatcher, tracker)   # a pending offer's answer (issue 14)
        if reply is not None:
            return reply
        return FB.withdraw(tracker, process(dispatcher, tracker, off_topic=True))


class ActionWhatIf(Action):
    """"Et si on dépassait les 5 000 habitants ?": after a verdict, the verdict with one input
    changed next to the first; before any verdict the message is read as facts (action_process)."""

    def name(self) -> str:
        return "action_what_if"

    @guarded
    async def run(self, dispatcher, tracker, domain):
        previous = _last_assessment(tracker)
        message = tracker.latest_message or {}
        if U.verdict_given(previous, tracker.get_slot("pending_question")) and U.is_what_if(message.get("text") or ""):
            return what_if(dispatcher, tracker, _slots(tracker), previous, message)   # the offer ends by itself
        return FB.withdraw(tracker, process(dispatcher, tracker))   # no "et si…" form (e.g. "Mamers"): a correction or an answer


def answer_faq(dispatcher: CollectingDispatcher, tracker: Tracker, key: str | None) -> list[EventType]:
    """A procedure question the intent classifier took for facts (or a yes/no): the entry of
    knowledge/faq.yml the ResponseSelector chose (`faq/<key>`, the text `utter_faq` would say),
    then the pending question again. Without a choice: the list of the questions answered."""
    entry = F.entry_for_key(key)
    if entry is None:
        dispatcher.utter_message(text=F.topics_text() or "Je n'ai pas de réponse à cette question.")
    else:
        dispatcher.utter_message(text=F.answer_text(entry), json_message={"faq": {"id": entry.get("id")}})
    resume(dispatcher, tracker)
    if entry is None:
        return FB.withdraw(tracker, [SlotSet("fallback_count", 0)])
    return [SlotSet("fallback_count", 0)] + FB.after_faq(dispatcher, tracker, key)


def resume(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    pending = tracker.get_slot("pending_question")
    if pending:
        dispatcher.utter_message(text=T.RESUME)
        ask(dispatcher, pending, _last_assessment(tracker))


class ActionResume(Action):
    """After small talk or a question: ask again the pending question, if any."""

    def name(self) -> str:
        return "action_resume"

    @guarded
    async def run(self, dispatcher, tracker, domain):
        message = tracker.latest_message or {}
        if answers_pending(tracker) and not U.is_question(message.get("text") or ""):
            # "Oui, le projet est soutenu par les élus" taken for a procedure question (or a
            # greeting): read as the answer to the pending question, the dialogue goes on
            return FB.withdraw(tracker, process(dispatcher, tracker))
        resume(dispatcher, tracker)
        if (message.get("intent") or {}).get("name") == F.RETRIEVAL_INTENT:
            # after utter_faq (rule "procedure question at any time"): the satisfaction question, last
            key, _confidence = F.selected(message)
            return FB.after_faq(dispatcher, tracker, key)
        return FB.withdraw(tracker, [])


class ActionHandoff(Action):
    """"Je veux parler à quelqu'un": the right contact, a ready mailto: link, the case recorded."""

    def name(self) -> str:
        return "action_handoff"

    @guarded
    async def run(self, dispatcher, tracker, domain):
        previous = _last_assessment(tracker)
        return FB.withdraw(tracker, handoff(dispatcher, tracker, _slots(tracker),
                                            _public(previous) if previous is not None else None, HANDOFF_USER))


class ActionRestartConversation(Action):
    def name(self) -> str:
        return "action_restart_conversation"

    @guarded
    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=T.RESTART)
        return [AllSlotsReset()]


def warm_up_names() -> None:
    """Build the name index once at start-up (about a second), not at the first user's message."""
    try:
        from assistant.reading.names import index_for
        index_for(_referential())
    except Exception as exc:  # pragma: no cover - the first message builds it then
        log.warning("name index warm-up failed: %s", type(exc).__name__)


if os.environ.get("FITN7_NO_WARMUP") != "1":
    E.warm_up()
    warm_up_names()
