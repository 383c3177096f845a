"""`assistant assess`: one JSON request on stdin -> one JSON assessment on stdout.

`assistant assess --jsonl`: one request per line -> one answer per line, in the same order (models
loaded once, descriptions classified in batches). A malformed line yields
{"error": "…", "line": n} on its own line and the batch goes on. Every input line gets exactly one
output line (an empty line is an error too).
"""
from __future__ import annotations

import json
import os
import select
import sys

from ..errors import InputError

BATCH = 128
MAX_BYTES = 1_000_000  # one request: far more than any real one (descriptions are cut at 5 000 characters)


def register(subparsers) -> None:
    p = subparsers.add_parser("assess", help="évaluer l'éligibilité d'une demande (JSON sur l'entrée standard)",
                              description="Lit une demande JSON sur l'entrée standard et écrit l'évaluation JSON.")
    p.add_argument("--jsonl", action="store_true",
                   help="une demande JSON par ligne, une réponse par ligne (traitement par lots)")
    p.add_argument("--indent", type=int, default=None, help="indentation de la sortie JSON (mode simple)")
    p.set_defaults(func=run)


def _parse(text: str):
    from ..eligibility.assess import Request
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno}) : {_fr_json_error(exc.msg)}.") from None
    except RecursionError:
        raise InputError("JSON trop imbriqué.") from None
    return Request.from_dict(data)


def _fr_json_error(msg: str) -> str:
    table = {"Expecting value": "valeur attendue", "Extra data": "données en trop après l'objet",
             "Unterminated string": "chaîne non terminée", "Expecting property name": "nom de clé attendu",
             "Expecting ',' delimiter": "virgule attendue", "Expecting ':' delimiter": "deux-points attendus",
             "Invalid control character": "caractère de contrôle invalide", "Invalid \\escape": "échappement invalide"}
    for en, fr in table.items():
        if msg.startswith(en):
            return fr
    return "syntaxe incorrecte"


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def run(args) -> int:
    return run_jsonl() if args.jsonl else run_one(args.indent)


def run_one(indent: int | None = None) -> int:
    from ..eligibility.assess import assess
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError(f"demande trop longue (plus de {MAX_BYTES // 1000} ko).")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("l'entrée n'est pas du texte UTF-8.") from None
    if not text.strip():
        raise InputError("aucune demande reçue : envoyez un objet JSON sur l'entrée standard, par exemple "
                         "{\"collectivity\": \"Mamers\", \"description\": \"…\"}.")
    request = _parse(text)
    try:
        answer = assess(request).to_dict()
    except InputError:
        raise
    except Exception as exc:  # never a stack trace for the user
        print(f"Erreur interne pendant l'évaluation ({type(exc).__name__}) : signalez-la à l'équipe.", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=indent) + "\n")
    return 0


def _lines(fd: int):
    """Yield (line, more_ready): more_ready is False when no further input is waiting right now,
    so that an interactive caller gets its answer without waiting for a full batch. A line longer
    than MAX_BYTES is not kept in memory: it is yielded as None."""
    buf = b""
    eof = False
    skipping = False  # inside a line longer than MAX_BYTES
    while not eof:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            eof = True
        buf += chunk
        parts = buf.split(b"\n")
        buf = parts.pop()
        lines: list = list(parts)
        if skipping and lines:
            lines[0] = None
            skipping = False
        if len(buf) > MAX_BYTES:
            buf, skipping = b"", True
        for i, raw in enumerate(lines):
            last = i == len(lines) - 1
            ready = True
            if last and not eof:
                try:
                    ready = bool(select.select([fd], [], [], 0)[0])
                except (OSError, ValueError):
                    ready = True
            yield raw, (not last) or ready
    if skipping:
        yield None, False
    elif buf:
        yield buf, False


def run_jsonl() -> int:
    from ..eligibility.assess import assess, assess_many
    from ..eligibility.referential import Referential
    from ..eligibility.classify import Classifier

    ref = Referential.open()
    clf = Classifier.load()
    out = sys.stdout
    pending: list = []   # (line number, Request | error dict)

    def flush() -> None:
        reqs = [(n, r) for n, r in pending if not isinstance(r, dict)]
        answers: dict[int, dict] = {}
        if reqs:
            try:
                for (n, _), a in zip(reqs, assess_many([r for _, r in reqs], referential=ref, classifier=clf)):
                    answers[n] = a.to_dict()
            except Exception:  # isolate the faulty request
                for n, r in reqs:
                    try:
                        answers[n] = assess(r, referential=ref, classifier=clf).to_dict()
                    except Exception as exc:
                        answers[n] = {"error": f"erreur interne pendant l'évaluation ({type(exc).__name__})", "line": n}
        for n, r in pending:
            out.write(_dump(r if isinstance(r, dict) else answers[n]) + "\n")
        out.flush()
        pending.clear()

    n = 0
    for raw, more in _lines(sys.stdin.fileno()):
        n += 1
        try:
            if raw is None or len(raw) > MAX_BYTES:
                raise InputError(f"ligne trop longue (plus de {MAX_BYTES // 1000} ko).")
            text = raw.decode("utf-8").strip()
            if not text:
                raise InputError("ligne vide : une demande JSON était attendue.")
            pending.append((n, _parse(text)))
        except UnicodeDecodeError:
            pending.append((n, {"error": "la ligne n'est pas du texte UTF-8.", "line": n}))
        except InputError as exc:
            pending.append((n, {"error": str(exc), "line": n}))
        if len(pending) >= BATCH or not more:
            flush()
    if pending:
        flush()
    return 0
