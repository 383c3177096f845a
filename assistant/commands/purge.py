"""`assistant purge --older-than 180d [--dry-run]`: remove old cases and their transcripts.

Removes the cases not updated for the given period, their notes, and the Rasa tracker events of
their conversations (plus the events of conversations whose last message is older than the same
cutoff, so that no transcript outlives the retention period). The default period is RETENTION_DAYS
(180). Only counts are printed: no names, no texts.
"""
from __future__ import annotations

import argparse
import re

from sqlalchemy.exc import SQLAlchemyError

from ..helpdesk.cases import CaseStore
from ..config import env_int
from ..errors import InputError

_PERIOD = re.compile(r"^\s*(\d{1,5})\s*(d|j|jours?|days?)?\s*$", re.IGNORECASE)


def retention_days() -> int:
    return max(1, env_int("RETENTION_DAYS", 180))


def parse_period(text: str) -> int:
    """'180d', '180j', '180' -> 180 (days)."""
    match = _PERIOD.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise InputError(f"durée « {text} » illisible : écrire un nombre de jours, par exemple 180d")
    return int(match.group(1))


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "purge", help="supprimer les dossiers et conversations plus anciens que la durée de conservation")
    parser.add_argument("--older-than", dest="older_than", default=None,
                        help="ancienneté en jours, par exemple 180d (par défaut : RETENTION_DAYS, 180)")
    parser.add_argument("--dry-run", action="store_true", help="compter sans rien supprimer")
    parser.set_defaults(func=_purge)


def _purge(args: argparse.Namespace) -> int:
    days = parse_period(args.older_than) if args.older_than else retention_days()
    try:
        result = CaseStore.default().purge(days, dry_run=args.dry_run)
    except SQLAlchemyError as exc:
        raise InputError(f"base de données inaccessible ({type(exc).__name__}) : vérifier DATABASE_URL") from None
    verb = "seraient supprimés" if args.dry_run else "supprimés"
    print(f"Plus de {days} jours (avant le {result['cutoff']:%d/%m/%Y}) : {result['cases']} dossier(s), "
          f"{result['notes']} note(s) et {result['events']} événement(s) de conversation {verb}.")
    return 0
