"""`assistant referential load [--force]` and `assistant referential lookup TEXT [--department D]`."""
from __future__ import annotations

import argparse
import json
import sys
import time

from ..db import get_engine
from ..eligibility.referential import EXTRACT_PATH, Referential, load


def register(subparsers) -> None:
    parser = subparsers.add_parser("referential", help="référentiel des collectivités")
    sub = parser.add_subparsers(dest="referential_command", metavar="action", required=True)

    p_load = sub.add_parser("load", help="charger l'extrait du référentiel dans la base")
    p_load.add_argument("--force", action="store_true", help="recharger même si l'extrait n'a pas changé")
    p_load.set_defaults(func=_load)

    p_lookup = sub.add_parser("lookup", help="chercher une collectivité (nom, code INSEE, SIREN, code postal)")
    p_lookup.add_argument("text", help="nom, code INSEE, SIREN ou code postal")
    p_lookup.add_argument("--department", "-d", help="département (code ou nom) pour départager les homonymes")
    p_lookup.set_defaults(func=_lookup)


def _load(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    loaded = load(get_engine(), force=args.force)
    elapsed = time.perf_counter() - start
    if loaded:
        print(f"Référentiel chargé depuis {EXTRACT_PATH.name} en {elapsed:.1f} s.")
    else:
        print("Référentiel déjà à jour (extrait inchangé).")
    return 0


def _lookup(args: argparse.Namespace) -> int:
    ref = Referential.open()
    if args.department and ref.department(args.department) is None:
        print(f"Attention : département inconnu « {args.department} », filtre ignoré.", file=sys.stderr)
    result = ref.lookup(args.text, department=args.department)
    out = {
        "status": result.status,
        "query": result.query,
        "match": result.match.to_dict() if result.match else None,
        "candidates": [c.to_dict() for c in result.candidates],
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
