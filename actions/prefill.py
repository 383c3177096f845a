"""A prefilled dossier on demarches-simplifiees (issue 14, part 1): the offer after an « éligible » or
« à confirmer » verdict, and the call on the user's explicit yes.

- No DS_DEMARCHE_ID: no offer at all (assistant/prefill.py, Settings.from_env).
- The offer lists what would be sent (the labels of knowledge/ds_prefill.yml that have a value) and
  says that an unclaimed draft is deleted after `draft_kept_days` days; its buttons are
  « Préremplir mon dossier » (`/prefill`, intent `prefill`) and « Non merci » (`/deny`).
- The explicit yes: that button, the intent `prefill` typed (« préremplissez mon dossier »), or a typed
  « oui » while the offer is the pending one. Nothing is sent otherwise.
- Success: the dossier_url as a link in the text (the widget renders [label](url)) and as a link
  button ({"title", "url", "type": "web_url"}, the button form Rasa 3.6 passes through to channels
  that render link buttons); the case records the prefill and its number (CaseStore.record_prefill).
- Failure or timeout: a French sentence saying why and the plain application link.
Then the satisfaction question about the verdict (actions/feedback.py).
"""
from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from assistant import prefill as DS
from assistant.errors import InputError

from . import engine as E
from . import feedback as FB

log = logging.getLogger(__name__)

PREFILLED_SLOT = "prefilled"
BUTTON = {"title": "Préremplir mon dossier", "payload": "/prefill"}
NO_BUTTON = {"title": "Non merci", "payload": "/deny"}
OFFER = ("Je peux préparer votre dossier de candidature sur demarches-simplifiees.fr, prérempli avec ce que vous "
         "m'avez indiqué : {fields}. Rien n'est envoyé sans votre accord (bouton « Préremplir mon dossier »). "
         "Vous vérifiez, complétez et déposez ensuite le dossier vous-même ; un dossier prérempli que vous "
         "n'ouvrez pas avec votre compte est supprimé au bout de {days} jours.")
DONE = ("Votre dossier est prérempli{number}. Ouvrez-le pour le rattacher à votre compte demarches-simplifiees, "
        "le vérifier, le compléter et le déposer : [Ouvrir mon dossier prérempli]({url}). Sans cela, il est "
        "supprimé au bout de {days} jours.")
ALREADY = "Votre dossier est déjà prérempli{number} : [Ouvrir mon dossier prérempli]({url})."
LINK_TITLE = "Ouvrir mon dossier prérempli"
FAILED = "Le préremplissage n'a pas abouti : {why}. Vous pouvez déposer votre demande directement sur le formulaire en ligne : {url}"
WHY = {
    "timeout": "le service demarches-simplifiees n'a pas répondu à temps",
    "unreachable": "le service demarches-simplifiees est injoignable pour le moment",
    "refused": "le service demarches-simplifiees a refusé les informations envoyées",
    "not_found": "la démarche configurée est introuvable sur demarches-simplifiees",
    "server_error": "le service demarches-simplifiees rencontre un incident",
    "bad_answer": "la réponse du service demarches-simplifiees est inattendue",
}
DECLINED = "Entendu, rien n'est envoyé. Vous pourrez candidater vous-même sur le formulaire en ligne : {url}"
NOT_AVAILABLE = ("Le préremplissage du dossier n'est pas disponible ici. Vous pouvez déposer votre demande sur le "
                 "formulaire en ligne : {url}")
NEEDS_VERDICT = ("Je ne peux préremplir un dossier qu'après un verdict « éligible » ou « à confirmer » : décrivez "
                 "d'abord votre projet et votre collectivité.")
QUALIFYING = ("eligible", "to_confirm")


def _full_assessment(tracker) -> tuple[dict, dict] | tuple[None, None]:
    """(request, full engine answer) from the slots; (None, None) without a qualifying verdict."""
    from .actions import _last_assessment, _slots
    from . import followup as U
    previous = _last_assessment(tracker)
    if not U.verdict_given(previous, tracker.get_slot("pending_question")):
        return None, None
    request = E.request_from_slots(_slots(tracker))
    try:
        assessment = E.run_assessment(request)
    except InputError:
        return None, None
    if assessment.get("eligibility") not in QUALIFYING:
        return None, None
    return request, assessment


def _application_url(assessment: dict | None) -> str:
    url = (assessment or {}).get("application_url")
    if url:
        return url
    try:
        return E.run_assessment({}).get("application_url") or ""
    except Exception:
        return ""


def _number(n) -> str:
    return f" (dossier n° {n})" if n else ""


def record_prefill(conversation: str, channel: str, result: DS.Prefilled) -> int | None:
    """The case records that a dossier was prefilled, with its number; never raises."""
    try:
        from assistant.helpdesk.cases import CaseStore
        rid = CaseStore.default().record_prefill(conversation, channel, result.dossier_number, result.dossier_id,
                                                 result.dossier_url)
        log.info("prefill recorded (id %s)", rid)
        return rid
    except Exception as exc:
        log.warning("prefill not recorded: %s", type(exc).__name__)
        return None


def offer(dispatcher, tracker, assessment: dict, request: dict) -> list[EventType]:
    """After a verdict: the prefill offer (eligible / to confirm, DS configured), else the
    satisfaction question. Returns the events of the `offer` slot."""
    settings = DS.Settings.from_env()
    if settings is not None and assessment.get("eligibility") in QUALIFYING:
        try:
            from .actions import _referential
            champs = DS.build_champs(request, assessment, _referential())
            labels = DS.sent_labels(champs)
            days = DS.draft_kept_days()
        except Exception as exc:   # a broken mapping file: no offer, the satisfaction question instead
            log.warning("prefill offer unavailable: %s", type(exc).__name__)
            labels = []
        if labels:
            dispatcher.utter_message(text=OFFER.format(fields=", ".join(labels), days=days),
                                     buttons=[dict(BUTTON), dict(NO_BUTTON)])
            return [SlotSet(FB.OFFER_SLOT, {"stage": "prefill", "about": "verdict",
                                            "turn": FB.user_turns(tracker)})]
    return FB.ask(dispatcher, tracker, "verdict")


async def prefill(dispatcher, tracker) -> list[EventType]:
    """The user said yes: POST the inputs to DS, give the link (or why not and the plain link)."""
    settings = DS.Settings.from_env()
    request, assessment = _full_assessment(tracker)
    if settings is None:
        dispatcher.utter_message(text=NOT_AVAILABLE.format(url=_application_url(assessment)))
        return [SlotSet(FB.OFFER_SLOT, None)]
    if assessment is None:
        dispatcher.utter_message(text=NEEDS_VERDICT)
        return [SlotSet(FB.OFFER_SLOT, None)]
    conv = FB.conversation_id(tracker)
    done = tracker.get_slot(PREFILLED_SLOT)
    if isinstance(done, dict) and done.get("case") == conv and done.get("url"):
        dispatcher.utter_message(text=ALREADY.format(number=_number(done.get("number")), url=done["url"]),
                                 buttons=[{"title": LINK_TITLE, "url": done["url"], "type": "web_url"}])
        return [SlotSet(FB.OFFER_SLOT, None)]
    from .actions import _channel, _referential
    champs = DS.build_champs(request, assessment, _referential())
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, DS.create_dossier, settings, champs)
    events: list[EventType] = []
    if result.ok:
        record_prefill(conv, _channel(tracker), result)
        dispatcher.utter_message(
            text=DONE.format(number=_number(result.dossier_number), url=result.dossier_url,
                             days=DS.draft_kept_days()),
            buttons=[{"title": LINK_TITLE, "url": result.dossier_url, "type": "web_url"}])
        events.append(SlotSet(PREFILLED_SLOT, {"case": conv, "url": result.dossier_url,
                                               "number": result.dossier_number}))
    else:
        dispatcher.utter_message(text=FAILED.format(why=WHY.get(result.reason, WHY["unreachable"]),
                                                    url=_application_url(assessment)))
    return events + FB.ask(dispatcher, tracker, "verdict")


async def reply(dispatcher, tracker) -> list[EventType] | None:
    """A message while the offer is pending: a typed « oui » is the explicit yes, « non » declines;
    anything else is read as usual (None), which withdraws the offer."""
    from . import followup as U
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    text = message.get("text") or ""
    if intent not in ("affirm", "deny") or U.is_question(text) or tracker.get_slot("pending_question"):
        return None
    if not FB.next_message(tracker, FB.offer(tracker)):
        return None
    if intent == "affirm":
        return await prefill(dispatcher, tracker)
    _request, assessment = _full_assessment(tracker)
    dispatcher.utter_message(text=DECLINED.format(url=_application_url(assessment)))
    return FB.ask(dispatcher, tracker, "verdict")


class ActionPrefill(Action):
    """« Préremplir mon dossier »: the explicit yes to the offer."""

    def name(self) -> str:
        return "action_prefill"

    async def run(self, dispatcher, tracker, domain):
        from .actions import guarded_call
        return await guarded_call(self.name(), dispatcher, prefill(dispatcher, tracker))


class ActionFeedback(Action):
    """The Oui / Non buttons of « Cette réponse vous a-t-elle aidé ? » (intent `feedback`)."""

    def name(self) -> str:
        return "action_feedback"

    async def run(self, dispatcher, tracker, domain):
        from .actions import guarded_call

        async def go():
            helpful = FB.helpful_of(tracker.latest_message or {})
            state = FB.offer(tracker)
            if helpful is None:
                FB.resume(dispatcher, tracker)
                return FB.withdraw(tracker, [])
            if state is None or state.get("stage") != "feedback":
                # a button of an older question: still an opinion about the last answer
                state = {"about": "verdict" if tracker.get_slot("assessment") else "faq"}
            return FB.answer(dispatcher, tracker, helpful, state)
        return await guarded_call(self.name(), dispatcher, go())
