"""`assistant triage ...`: the helpdesk queue on the command line (issue 5).

    assistant triage list   [--department 72] [--sub-axis 3c] [--eligibility to_confirm]
                            [--status nouveau] [--since 2026-01-01] [--until 2026-12-31] [--json]
    assistant triage show ID [--json]            case, priority reasons, notes, transcript
    assistant triage status ID "en cours" [--note TEXTE]
    assistant triage note ID TEXTE
    assistant triage export [filtres] [--output fichier.csv]   (UTF-8 BOM, `;`; stdout by default)
    assistant triage hash-password               prints a TRIAGE_PASSWORD_HASH value
    assistant triage migrate [--revision head] [--downgrade]
    assistant triage user add LOGIN [--stdin]    a named staff account (scrypt hash of its password)
    assistant triage user remove LOGIN
    assistant triage user list
"""
from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys

from sqlalchemy.exc import SQLAlchemyError

from ..helpdesk.cases import CaseStore, head_revision, migrate
from ..db import get_engine
from ..errors import InputError
from ..fmt import integer
from ..helpdesk.triage import (Filter, PriorityRules, case_to_dict, case_type_label, eligibility_cell,
                      hash_password, queue, sub_axis_cell, sub_axis_short_label, to_csv)


def _db_errors(func):
    @functools.wraps(func)
    def wrapper(args):
        try:
            return func(args)
        except SQLAlchemyError as exc:
            raise InputError("base de données inaccessible ou incomplète "
                             f"({type(exc).__name__}) : vérifier DATABASE_URL") from None
    return wrapper


def _case_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"numéro de dossier invalide : « {text} »") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"numéro de dossier invalide : « {text} »")
    return value


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--department", "-d", help="numéro de département (72, 2A, 974…)")
    p.add_argument("--sub-axis", dest="sub_axis", help="sous-axe : 3a, 3b ou 3c")
    p.add_argument("--eligibility", "-e", help="eligible, to_confirm ou not_eligible")
    p.add_argument("--status", "-s", help="nouveau, « en cours » ou traité")
    p.add_argument("--since", help="reçu depuis le (AAAA-MM-JJ)")
    p.add_argument("--until", help="reçu jusqu'au (AAAA-MM-JJ, inclus)")


def register(subparsers) -> None:
    parser = subparsers.add_parser("triage", help="file de tri du helpdesk (dossiers)")
    sub = parser.add_subparsers(dest="triage_command", metavar="action", required=True)

    p = sub.add_parser("list", help="la file, par ordre de priorité")
    _add_filters(p)
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=_list)

    p = sub.add_parser("show", help="un dossier : priorité, notes, conversation")
    p.add_argument("case_id", type=_case_id, help="numéro du dossier")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=_show)

    p = sub.add_parser("status", help="changer le statut d'un dossier")
    p.add_argument("case_id", type=_case_id, help="numéro du dossier")
    p.add_argument("status", help="nouveau, « en cours » ou traité")
    p.add_argument("--note", help="note jointe au changement")
    p.add_argument("--author", help="identifiant de l'auteur (par défaut : « équipe »)")
    p.set_defaults(func=_status)

    p = sub.add_parser("note", help="ajouter une note à un dossier")
    p.add_argument("case_id", type=_case_id, help="numéro du dossier")
    p.add_argument("text", help="texte de la note")
    p.add_argument("--author", help="identifiant de l'auteur (par défaut : « équipe »)")
    p.set_defaults(func=_note)

    p = sub.add_parser("export", help="exporter la file filtrée en CSV (UTF-8 avec BOM, « ; »)")
    _add_filters(p)
    p.add_argument("--output", "-o", help="fichier de sortie (par défaut : la sortie standard)")
    p.set_defaults(func=_export)

    p = sub.add_parser("hash-password", help="produire la valeur de TRIAGE_PASSWORD_HASH")
    p.add_argument("--stdin", action="store_true",
                   help="lire le mot de passe sur l'entrée standard (sinon : saisie masquée)")
    p.set_defaults(func=_hash_password)

    p = sub.add_parser("user", help="comptes nominatifs du helpdesk (auteur des notes et des statuts)")
    users = p.add_subparsers(dest="user_command", metavar="action", required=True)
    q = users.add_parser("add", help="créer un compte (mot de passe demandé sans écho)")
    q.add_argument("login", help="identifiant : lettres minuscules, chiffres, . _ @ -")
    q.add_argument("--stdin", action="store_true",
                   help="lire le mot de passe sur l'entrée standard (scripts)")
    q.set_defaults(func=_user_add)
    q = users.add_parser("remove", help="supprimer un compte (ses sessions prennent fin)")
    q.add_argument("login")
    q.set_defaults(func=_user_remove)
    q = users.add_parser("list", help="les comptes")
    q.set_defaults(func=_user_list)

    p = sub.add_parser("migrate", help="mettre à jour les tables des dossiers (Alembic)")
    p.add_argument("--revision", default=None, help="révision cible (par défaut : head, ou base avec --downgrade)")
    p.add_argument("--downgrade", action="store_true", help="revenir en arrière jusqu'à --revision")
    p.set_defaults(func=_migrate)


def _filter(args: argparse.Namespace) -> Filter:
    return Filter.from_mapping({k: getattr(args, k, None) for k in
                                ("department", "sub_axis", "eligibility", "status", "since", "until")})


@_db_errors
def _list(args: argparse.Namespace) -> int:
    items = queue(CaseStore.default(), _filter(args))
    if args.json:
        print(json.dumps([dict(case_to_dict(it.case, it.priority), rank=i)
                          for i, it in enumerate(items, 1)], ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("Aucun dossier pour ces filtres.")
        return 0
    for rank, it in enumerate(items, 1):
        c, p = it.case, it.priority
        who = c.collectivity_name or "collectivité non identifiée"
        if c.population is not None:
            who += f" ({integer(c.population)} hab.)"
        flags = " · mise en relation" if c.handoff_reason else ""
        print(f"{rank:>3}. n° {c.id} · {c.status_label} · {who} · dépt {c.department or '?'} · "
              f"{sub_axis_short_label(c.sub_axis)} · {eligibility_cell(c.eligibility)}{flags}")
        print(f"     {p.tier_label}, score {p.score} : "
              + " ; ".join(r.short() for r in p.reasons))
    return 0


@_db_errors
def _show(args: argparse.Namespace) -> int:
    store = CaseStore.default()
    case = store.get(args.case_id)
    prio = PriorityRules.default().priority(case)
    data = case_to_dict(case, prio, with_details=True)
    lines = store.transcript(case.conversation_id)
    if args.json:
        data["transcript"] = None if lines is None else [
            {"at": l.at.isoformat() if l.at else None, "speaker": l.speaker, "text": l.text}
            for l in lines]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    coll = data["collectivity"]
    rows = [
        ("Dossier", f"n° {case.id} (conversation {case.conversation_id}, canal {case.channel})"),
        ("Reçu le", data["created_at"]), ("Statut", case.status_label),
        ("Collectivité", " ".join(str(x) for x in (coll["name"], coll["code"]) if x) or "non identifiée"),
        ("Type", case_type_label(case) if case.collectivity_type else None),
        ("Population", coll["population"]), ("Département", coll["department"]),
        ("Sous-axe", sub_axis_cell(case.sub_axis) if case.sub_axis else None),
        ("Éligibilité", eligibility_cell(case.eligibility)),
        ("Montant", data["amount"]["text"]), ("Calcul", case.amount_explanation),
        ("Agents", case.agents_count), ("Utilisateurs", case.users_count),
        ("Mise en relation", case.handoff_reason), ("Encore à préciser", ", ".join(case.missing)),
        ("Dossier démarches-simplifiées",
         f"n° {case.dossier_number} ({case.dossier_url})" if case.dossier_number else None),
        ("Description", case.description), ("Synthèse", case.summary),
    ]
    for label, value in rows:
        if value not in (None, ""):
            print(f"{label} : {value}")
    print(f"\nPriorité : {prio.tier_label}, score {prio.score}")
    for r in prio.reasons:
        print(f"  - {r.text()}")
    if case.findings:
        print("\nConstats :")
        for f in case.findings:
            print(f"  - {f.get('message') or f.get('rule')}")
    print("\nNotes :" if case.notes else "\nAucune note.")
    for n in data["notes"]:
        if n["kind"] == "status":
            print(f"  {n['at']} ({n['author']}) statut {n['old_status']} → {n['new_status']}"
                  + (f" : {n['text']}" if n["text"] else ""))
        else:
            print(f"  {n['at']} ({n['author']}) {n['text']}")
    if lines is None:
        print("\nConversation non disponible (pas de table Rasa « events » dans cette base).")
    elif not lines:
        print("\nAucun message enregistré pour cette conversation.")
    else:
        print("\nConversation :")
        for l in lines:
            print(f"  {'Usager' if l.speaker == 'user' else 'Assistant'} : {l.text}")
    return 0


def _cli_author(args: argparse.Namespace) -> str | None:
    from ..helpdesk.cases import normalize_login

    return normalize_login(args.author) if getattr(args, "author", None) else None


@_db_errors
def _status(args: argparse.Namespace) -> int:
    case = CaseStore.default().set_status(args.case_id, args.status, args.note,
                                          author=_cli_author(args))
    print(f"Dossier n° {case.id} : statut « {case.status_label} ».")
    return 0


@_db_errors
def _note(args: argparse.Namespace) -> int:
    case = CaseStore.default().add_note(args.case_id, args.text, author=_cli_author(args))
    print(f"Note ajoutée au dossier n° {case.id}.")
    return 0


@_db_errors
def _export(args: argparse.Namespace) -> int:
    items = queue(CaseStore.default(), _filter(args))
    data = to_csv(items)
    if args.output:
        try:
            with open(args.output, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise InputError(f"impossible d'écrire {args.output} ({exc.strerror})") from None
        print(f"{len(items)} dossier(s) exporté(s) dans {args.output}.", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _read_password(args: argparse.Namespace, prompt: str = "Mot de passe du helpdesk : ") -> str:
    if args.stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(prompt)
        if getpass.getpass("Répéter : ") != password:
            raise InputError("les deux saisies diffèrent")
    if len(password) < 12:
        raise InputError("mot de passe trop court : 12 caractères au moins")
    return password


def _hash_password(args: argparse.Namespace) -> int:
    password = _read_password(args)
    print(hash_password(password))
    print("À mettre dans .env : TRIAGE_PASSWORD_HASH=<la ligne ci-dessus>", file=sys.stderr)
    return 0


@_db_errors
def _migrate(args: argparse.Namespace) -> int:
    engine = get_engine()
    target = args.revision or ("base" if args.downgrade else "head")
    rev = migrate(engine, target, downgrade=args.downgrade)
    print(f"Tables des dossiers à la révision {rev or 'base'} (dernière : {head_revision()}).")
    return 0


@_db_errors
def _user_add(args: argparse.Namespace) -> int:
    from ..helpdesk.cases import normalize_login

    login = normalize_login(args.login)        # refused before the password is asked
    store = CaseStore.default()
    if any(u["login"] == login for u in store.list_users()):
        raise InputError(f"le compte « {login} » existe déjà")
    password = _read_password(args, f"Mot de passe de {login} : ")
    store.add_user(login, hash_password(password))
    print(f"Compte « {login} » créé. La connexion à /triage demande désormais un identifiant ; "
          "le mot de passe commun (TRIAGE_PASSWORD_HASH) n'y suffit plus.")
    return 0


@_db_errors
def _user_remove(args: argparse.Namespace) -> int:
    store = CaseStore.default()
    if not store.remove_user(args.login):
        raise InputError(f"aucun compte « {args.login} »")
    print(f"Compte « {args.login.strip().lower()} » supprimé ; ses notes gardent son nom.")
    if not store.has_users():
        print("Plus aucun compte nominatif : le mot de passe commun (TRIAGE_PASSWORD_HASH) "
              "ouvre de nouveau la file.")
    return 0


@_db_errors
def _user_list(args: argparse.Namespace) -> int:
    from ..helpdesk.triage import fmt_time

    users = CaseStore.default().list_users()
    if not users:
        print("Aucun compte nominatif : la file s'ouvre avec le mot de passe commun "
              "(TRIAGE_PASSWORD_HASH).")
        return 0
    for u in users:
        state = " (désactivé)" if u["disabled"] else ""
        print(f"{u['login']}{state} · créé le {fmt_time(u['created_at'])}")
    return 0
