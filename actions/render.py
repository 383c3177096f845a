"""French rendering of the engine's answer: verdict text, homonym buttons, hand-off message.

Only presentation: every fact (reasons, sources, sub-axis, amount, advice, contacts, summary) comes
from the engine's answer dict; nothing is decided here.
"""
from __future__ import annotations

from urllib.parse import quote

from assistant.eligibility import labels
from assistant.fmt import eur, integer

from . import texts as T

ELIGIBILITY = {
    "eligible": "✅ Votre projet semble éligible au guichet FITN7 axe 3",
    "not_eligible": "❌ Votre projet ne semble pas éligible au guichet FITN7 axe 3",
    "to_confirm": "⚠️ L'éligibilité de votre projet reste à confirmer",
}
MAX_ADVICE = 5
SHORT = {"eligible": "✅ éligible", "not_eligible": "❌ non éligible", "to_confirm": "⚠️ à confirmer"}
NEW_PROJECT = ("Je l'étudie comme un nouveau projet (projet {n}) pour la même collectivité ; la première "
               "évaluation est gardée ({first}). Pour corriger la description du premier projet, dites "
               "« en fait le projet est … ».")
WHAT_IF_NOTHING = ("Quelle information voulez-vous changer ? Par exemple : « et avec 30 000 € de budget ? », "
                   "« et si la commune dépassait 5 000 habitants ? », « et si les résultats arrivaient en mars 2023 ? ».")
WHAT_IF_KEEP = ("Votre évaluation reste celle de départ. Pour retenir un changement, corrigez l'information "
                "(par exemple « en fait le budget est de 30 000 € »).")
WHAT_IF_POPULATION = "La population prise en compte pour votre évaluation reste celle du référentiel (INSEE)."


def collectivity_label(c: dict | None) -> str | None:
    """The engine's `collectivity.label`; for an answer stored before the engine gave it (an old
    slot), the same label computed by the engine's function. Never raises."""
    if not isinstance(c, dict) or not c.get("name"):
        return None
    if c.get("label"):
        return c["label"]
    try:
        return labels.collectivity_label(c)
    except Exception:
        return c.get("name")


def axis_label(a: dict, code: str | None) -> str | None:
    """The engine's label of a sub-axis of the answer (`sub_axis_label` / `sub_axis_labels`),
    falling back on the engine's wording for an answer without them."""
    if not code:
        return None
    if code == a.get("sub_axis") and a.get("sub_axis_label"):
        return a["sub_axis_label"]
    axes, names = a.get("sub_axes") or [], a.get("sub_axis_labels") or []
    if code in axes and len(names) == len(axes) and names[axes.index(code)]:
        return names[axes.index(code)]
    return labels.sub_axis_label(code) or str(code)


def _kind(cand: dict) -> str | None:
    """The engine's `type_label` of a candidate (or the engine's wording for an old answer)."""
    if cand.get("type_label"):
        return cand["type_label"]
    try:
        return labels.type_label(cand.get("type"), cand.get("epci_type"))
    except Exception:
        return None


def _source(f: dict) -> str:
    src = f.get("source") or {}
    where = src.get("section") or src.get("document")
    return f" (source : « {where} »)" if where else ""


def decisive_findings(a: dict) -> list[dict]:
    """The findings that explain the verdict, in the engine's order."""
    findings = a.get("findings") or []
    if a.get("eligibility") == "not_eligible":
        chosen = [f for f in findings if f.get("status") == "not_met" and f.get("required", True)]
    elif a.get("eligibility") == "to_confirm":
        chosen = [f for f in findings if f.get("status") in ("unknown", "not_met")]
    else:
        chosen = [f for f in findings if f.get("status") == "met"]
    return chosen or [f for f in findings if f.get("status") != "not_applicable"]


def negated_cues(a: dict, limit: int = 4) -> list[str]:
    """The cues the engine did not count because the description negates them ("pas de formation")."""
    negated = a.get("sub_axis_negated")
    if not isinstance(negated, dict):
        return []
    out: list[str] = []
    for cues in negated.values():
        for cue in cues if isinstance(cues, list) else []:
            if isinstance(cue, str) and cue and f"« {cue} »" not in out:
                out.append(f"« {cue} »")
    return out[:limit]


def short_result(a: dict) -> str:
    """"✅ éligible, 3a, 5 000 €": the verdict, sub-axis and amount on one line."""
    parts = [SHORT.get(a.get("eligibility"), SHORT["to_confirm"])]
    if a.get("eligibility") != "not_eligible":
        if a.get("sub_axis"):
            parts.append(str(a["sub_axis"]))
        amount = a.get("amount") or {}
        if amount.get("eur") is not None:
            try:
                parts.append(eur(amount["eur"]))
            except (TypeError, ValueError):
                pass
        elif a.get("eligibility") == "eligible":
            parts.append("montant à préciser")
    return ", ".join(parts)


def past_line(p: dict) -> str:
    """One earlier project of the conversation (actions/followup.past_record)."""
    description = " ".join(str(p.get("description") or "").split())
    if len(description) > 80:
        description = description[:79].rstrip() + "…"
    result = short_result({"eligibility": p.get("eligibility"), "sub_axis": p.get("sub_axis"),
                           "amount": {"eur": p.get("amount_eur")}})
    return f"projet {p.get('project')}" + (f" « {description} »" if description else "") + f" : {result}"


def what_if_changes(changes: dict, population: str | None, slots: dict) -> str:
    """French words for the inputs a what-if changes, with the value they replace."""
    from assistant.eligibility.labels import fr_date
    import datetime as dt

    def was(key: str, fmt) -> str:
        old = slots.get(key)
        if old in (None, "", []):
            return ""
        try:
            return f" au lieu de {fmt(old)}"
        except (TypeError, ValueError):
            return ""

    def date(v):
        return fr_date(dt.date.fromisoformat(str(v)))

    out = []
    for key, value in changes.items():
        try:
            if key == "budget_eur":
                out.append(f"budget de {eur(value)}{was(key, eur)}")
            elif key == "results_date":
                out.append(f"premiers résultats le {date(value)}{was(key, date)}")
            elif key == "agents_count":
                out.append(f"{int(value)} agents concernés{was(key, lambda v: int(v))}")
            elif key == "decision_level_sponsor":
                out.append("projet porté par un niveau décisionnel" if value else
                           "projet sans portage à un niveau décisionnel")
            elif key == "funded_only_by_local_authorities":
                out.append("structure financée uniquement par des collectivités" if value else
                           "structure financée aussi par d'autres sources que les collectivités")
            elif key == "applicant_type":
                out.append(f"candidat : {labels.type_label(value) or value}")
            elif key == "description":
                out.append(f"projet « {' '.join(str(value).split())[:120]} »")
            elif key == "collectivity":
                out.append("une autre collectivité")
            elif key == "department":
                out.append(f"département {value}")
            elif key == "expenses":
                out.append("autre répartition des dépenses")
        except (TypeError, ValueError):
            continue
    if population:
        out.append(f"population de {population}")
    return ", ".join(out) or "hypothèse"


def what_if_text(first: dict, new: dict, change: str, population: bool = False) -> str:
    """The first verdict and the what-if's side by side (one line each), then what stays."""
    lines = [f"Hypothèse : {change}.",
             f"• Évaluation actuelle : {short_result(first)}",
             f"• Avec cette hypothèse : {short_result(new)}"]
    missing = [m for m in new.get("missing") or []]
    if missing and new.get("eligibility") != "not_eligible":
        names = new.get("missing_labels") or missing
        lines.append("Il me faudrait encore : " + ", ".join(str(n) for n in names[:3]) + ".")
    if new.get("eligibility") == "not_eligible":
        why = [f.get("message", "").strip() for f in decisive_findings(new)][:2]
        if why:
            lines.append("Pourquoi : " + " ".join(why))
    amount = (new.get("amount") or {}).get("explanation")
    if amount and new.get("eligibility") != "not_eligible" and not population:
        lines.append(f"Montant : {amount}")      # (with a population what-if it would quote the assumed figure)
    lines.append(WHAT_IF_POPULATION if population else WHAT_IF_KEEP)
    return "\n".join(lines)


def how_to_change_line(f: dict) -> str | None:
    """The engine's `how_to_change` of a not_met / unknown finding, shown under it (issue 10)."""
    text = f.get("how_to_change")
    if f.get("status") not in ("not_met", "unknown") or not isinstance(text, str) or not text.strip():
        return None
    return f"  → Pour que cela change : {text.strip()}"


def verdict_text(a: dict, earlier: list[dict] | None = None) -> str:
    lines = []
    who = collectivity_label(a.get("collectivity"))
    head = ELIGIBILITY.get(a.get("eligibility"), ELIGIBILITY["to_confirm"])
    lines.append(head + (f" — {who}." if who else "."))
    lines.append("")
    lines.append("Pourquoi :")
    for f in decisive_findings(a):
        lines.append(f"• {f.get('message', '').strip()}{_source(f)}")
        change = how_to_change_line(f)
        if change:
            lines.append(change)
    if a.get("eligibility") != "not_eligible":
        if a.get("sub_axis"):
            evidence = (a.get("sub_axis_evidence") or {}).get(a["sub_axis"]) or []
            why = f", car votre description évoque : {', '.join(evidence[:4])}" if evidence else ""
            lines.append("")
            lines.append(f"Volet : {axis_label(a, a['sub_axis'])}{why}.")
            others = [s for s in a.get("sub_axes") or [] if s != a["sub_axis"]]
            if others:
                lines.append("Le projet touche aussi : " + ", ".join(axis_label(a, s) for s in others) + ".")
        set_aside = negated_cues(a)
        if set_aside:
            lines.append(f"Je n'ai pas tenu compte de ce que vous écartez : {', '.join(set_aside)}.")
        amount = a.get("amount") or {}
        if amount.get("explanation") or amount.get("eur") is not None:
            lines.append("")
            text = amount.get("explanation") or ""
            if amount.get("eur") is not None and eur(amount["eur"]) not in text:
                text = (text + " " if text else "") + f"Montant indicatif : {eur(amount['eur'])}."
            lines.append(f"Montant : {text}")
            for x in amount.get("excluded_expenses") or []:
                lines.append(f"• Non financé : {x.get('label')} ({eur(x.get('amount_eur'))}) — {x.get('reason', '')}".rstrip(" —"))
    advice = a.get("advice") or []
    if advice:
        lines.append("")
        lines.append("À préparer :" if a.get("eligibility") != "not_eligible" else "À savoir :")
        for item in advice[:MAX_ADVICE]:
            lines.append(f"• {item}")
    if a.get("eligibility") != "not_eligible" and a.get("application_url"):
        lines.append("")
        lines.append(f"Déposer le dossier : {a['application_url']}")
    contacts = a.get("contacts") or []
    if contacts:
        lines.append("")
        lines.append("Contact :")
        for c in contacts:
            where = c.get("email") or c.get("url") or ""
            lines.append(f"• {c.get('name')}{' — ' + where if where else ''}")
    if earlier:
        lines.append("")
        lines.append("Vos autres projets dans cette conversation :")
        for p in earlier:
            lines.append(f"• {past_line(p)}")
    lines.append("")
    lines.append(T.CAN_CORRECT)
    # one message: Rasa's channels split a text on blank lines, so sections are not separated by one
    return "\n".join(line for line in lines if line)


def homonym_question(a: dict) -> tuple[dict, list[dict]]:
    """(template variables, buttons) to choose among homonyms; each button carries the INSEE code."""
    c = a.get("collectivity") or {}
    candidates = c.get("candidates") or []
    name = candidates[0]["name"] if candidates else (c.get("query") or "")
    buttons = []
    for cand in candidates[:10]:
        label = cand["name"]
        if cand.get("department_name"):
            label += f" ({cand['department_name']}, {cand['department']})"
        elif _kind(cand):
            label += f" ({_kind(cand)})"
        code = cand.get("code")
        payload = '/inform{"collectivity": "%s"}' % code
        buttons.append({"title": label, "payload": payload})
    noun = "communes" if candidates and all(c.get("type") == "commune" for c in candidates) else "collectivités"
    return {"count": len(candidates), "name": name, "noun": noun}, buttons


def choose_contact(a: dict | None) -> dict | None:
    """The contact for a hand-off: the one the engine marks `primary` (ANCT for 3b, else the prefecture)."""
    contacts = (a or {}).get("contacts") or []
    return next((c for c in contacts if c.get("primary")), contacts[0] if contacts else None)


def mailto(contact: dict | None, a: dict | None, earlier: list[dict] | None = None) -> str:
    """A mailto: link whose subject and body hold the summary of the assessment, and of the
    earlier projects of the conversation (URL-encoded)."""
    a = a or {}
    c = a.get("collectivity") or {}
    who = c.get("name") or c.get("query") or "une collectivité"
    subject = f"FITN7 axe 3 – demande d'accompagnement – {who}"
    before = "".join(f"Projet {p.get('project')} : {p.get('summary') or past_line(p)}\n\n" for p in earlier or [])
    current = f"Projet {len(earlier) + 1} : " if earlier else "Synthèse de l'assistant : "
    body = ("Bonjour,\n\nJe souhaite échanger sur un projet pour le guichet départemental FITN7 axe 3.\n\n"
            f"{before}{current}{a.get('summary') or 'pas encore d’évaluation.'}\n\n"
            "Cordialement,\n")
    address = (contact or {}).get("email") or ""
    return f"mailto:{quote(address, safe='@')}?subject={quote(subject)}&body={quote(body)}"


NOT_RECORDED = ("Votre demande n'a pas pu être enregistrée pour l'équipe d'accompagnement (incident "
                "technique) : envoyez le message préparé ci-dessus pour être sûr d'être recontacté.")


def handoff_text(contact: dict | None, link: str, reason: str | None, recorded: bool = True) -> str:
    intro = {
        "to_confirm": "Votre situation demande l'avis d'une personne.",
        "fallback": "Je n'arrive pas à vous comprendre : le mieux est d'échanger avec une personne.",
    }.get(reason or "", "Je vous mets en relation.")
    if contact is None:
        return (f"{intro} Le guichet est géré par la préfecture de votre département. "
                f"Écrivez-lui avec ce message préparé : {link}") + ("" if recorded else "\n" + NOT_RECORDED)
    where = contact.get("email") or contact.get("url") or ""
    lines = [f"{intro} Interlocuteur : {contact.get('name')}{' (' + where + ')' if where else ''}.",
             contact.get("why") or "",
             f"Message prêt à envoyer (il contient la synthèse de votre demande) : {link}",
             # said only once the case is stored (never "transmise" when it is not)
             "Votre demande est transmise à l'équipe d'accompagnement, qui pourra la reprendre."
             if recorded else NOT_RECORDED]
    return "\n".join(line for line in lines if line)
