"""The digital criterion, three-valued (issue 10): "Le projet est un projet de transformation,
d'innovation ou de modernisation numérique" (knowledge/rules.yml, conditions.digital_project).

- met: a digital cue of the description (knowledge/sub_axes.yml `digital_project`);
- not_met: only with positive evidence that the project is not digital (knowledge/sub_axes.yml
  `not_digital`: works, roads, vehicles, furniture, salaries, events, or the user who says so),
  or a project that is only an excluded purchase (equipment for agents or elected officials);
- unknown: neither; the engine asks `digital_change` ("En quoi votre projet est-il numérique : que
  change-t-il pour les agents ou les habitants ?"), whose answer is read like the description;
- no description, or a text that describes no project ("notre projet est-il éligible ?"): no
  verdict on the criterion, `description` is asked.
"""
from __future__ import annotations

from .findings import MET, NOT_MET, UNKNOWN, Finding, _jsonable, _src
from .labels import sub_axis_label

DIGITAL_CHANGE_QUESTION = ("En quoi votre projet est-il numérique : que change-t-il pour les agents ou les "
                           "habitants ?")


def digital_findings(f, e: dict, k) -> list[Finding]:
    """The findings of the digital criterion for the facts `f` (evaluate.Facts)."""
    out: list[Finding] = []
    exclusions = [x for x in (f.excluded or []) if isinstance(x, dict) and x.get("kind", "exclusion") == "exclusion"]
    excluded_only = bool(exclusions) and f.sub_axis is None
    digital = getattr(f, "digital", f.is_digital)
    evidence = list(getattr(f, "not_digital_evidence", None) or [])
    kinds = list(getattr(f, "not_digital_kinds", None) or [])
    asked = bool(getattr(f, "digital_change", None))
    if not f.description or getattr(f, "no_project", False):
        msg = ("Décrivez le projet en quelques phrases pour vérifier qu'il s'agit d'un projet de transformation, "
               "d'innovation ou de modernisation numérique.")
        if f.description:
            msg = (f"Le message « {_short(f.description)} » ne décrit pas encore de projet : " + msg[0].lower() + msg[1:])
        out.append(Finding("digital_project", UNKNOWN, msg, _src(e), {"no_project": bool(f.description)},
                           missing=["description"]))
    elif getattr(f, "user_says_not_digital", False):
        out.append(Finding("digital_project", NOT_MET,
                           "Vous indiquez que le projet n'a pas de volet numérique : le guichet ne finance que des "
                           "projets de transformation, d'innovation ou de modernisation numérique.", _src(e),
                           {"is_digital": False, "user_says_so": True, "answer": f.digital_change}))
    elif excluded_only and "equipment_agents" in k.restrictions:
        r = k.restrictions["equipment_agents"]
        words = ", ".join(w for x in exclusions for w in x.get("evidence") or [])
        out.append(Finding("digital_project", NOT_MET,
                           "Le projet décrit consiste surtout en l'achat d'équipements informatiques pour les "
                           f"agents ou les élus ({words}), qui sont exclus du guichet.", _src(r),
                           {"excluded": _jsonable(f.excluded)}))
    elif digital is True:
        out.append(Finding("digital_project", MET, "Le projet est un projet de transformation, d'innovation ou de "
                           "modernisation numérique.", _src(e), {"is_digital": True}))
        if exclusions and "equipment_agents" in k.restrictions:
            words = ", ".join(w for x in exclusions for w in x.get("evidence") or [])
            out.append(Finding("equipment_agents", NOT_MET,
                               f"La description mentionne l'achat d'équipements informatiques pour les agents "
                               f"({words}) : ces achats sont exclus et ne seront pas financés ; le reste du projet "
                               "peut l'être.", _src(k.restrictions["equipment_agents"]),
                               {"evidence": words}, required=False))
    elif digital is False:
        what = f" ({'; '.join(kinds)} : « {' », « '.join(evidence)} »)" if evidence else ""
        out.append(Finding("digital_project", NOT_MET,
                           f"La description montre un projet qui n'est pas numérique{what}. Le guichet ne finance que des projets de "
                           "transformation, d'innovation ou de modernisation numérique.",
                           _src(e), {"is_digital": False, "evidence": evidence, "kinds": kinds}))
    else:
        proposal = ""
        model = getattr(f, "model", None) or {}
        if f.sub_axis and getattr(f, "sub_axis_method", None) == "model":
            proposal = (f" D'après une lecture statistique de la description (mots : "
                        f"{', '.join(model.get('words') or []) or '—'}), il relèverait du volet "
                        f"{sub_axis_label(f.sub_axis)}.")
        if asked:
            out.append(Finding("digital_project", UNKNOWN,
                               "Le caractère numérique du projet n'a pas pu être établi d'après la description et "
                               f"votre réponse : la préfecture l'appréciera.{proposal}", _src(e),
                               {"is_digital": None, "asked": True}))
        else:
            out.append(Finding("digital_project", UNKNOWN,
                               "La description ne dit pas encore ce que le projet a de numérique (aucun mot ne "
                               "le montre, ni ne montre le contraire)." + proposal, _src(e),
                               {"is_digital": None, "question": DIGITAL_CHANGE_QUESTION},
                               missing=["digital_change"]))
    return out


def _short(text: str, n: int = 80) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1].rstrip() + "…"
