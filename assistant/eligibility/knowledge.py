"""Loader of knowledge/*.yml: data, not code, each entry citing its source.

An *entry* is any mapping with an `id` key. Every entry must carry:
  source:
    section: "3a > Montants de financement"   # heading path: each part begins a heading of the text
    quote: "a short verbatim quote"                                 # must be found in that text
  or, for a published local setting (knowledge/departements/*.yml):
    source: {document: "prefecture-variants.md", url: "https://...", quote: "..."}
and `valid_from` (ISO date); `valid_to` may be null. The loader refuses (KnowledgeError) any entry
without a reference, with a quote that the cited document does not contain, or without dates, and
any file whose keys do not fit its schema (assistant/eligibility/schema.py: unknown keys refused).
Quotes are compared after folding case, accents, spaces and typographic apostrophes, so that the
YAML may wrap lines.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..config import KNOWLEDGE_DIR
from ..text import fold
from . import schema

SOURCE_TEXT = "source/fitn7-axe3-guichet-departemental.txt"
DOCUMENTS = {
    None: SOURCE_TEXT,
    "fitn7-axe3-guichet-departemental.txt": SOURCE_TEXT,
    "prefecture-variants.md": "source/prefecture-variants.md",
}


class KnowledgeError(ValueError):
    """A knowledge file breaks the rules above; the message names the file and the entry."""


@lru_cache(maxsize=None)
def _document(rel: str, base: str) -> str:
    return fold((Path(base) / rel).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def source_sections(base: str = str(KNOWLEDGE_DIR)) -> tuple[str, ...]:
    """The headings of the source text (non-empty lines without final punctuation), folded."""
    lines = (Path(base) / SOURCE_TEXT).read_text(encoding="utf-8").splitlines()
    return tuple(fold(l) for l in lines if l.strip() and not l.strip().endswith((".", ";", ",", ":")))


def _check_entry(entry: dict, where: str, base: str) -> None:
    src = entry.get("source")
    if not isinstance(src, dict) or not src.get("quote"):
        raise KnowledgeError(f"{where}: entrée « {entry.get('id')} » sans référence (source.quote)")
    if not isinstance(src["quote"], str) or not isinstance(src.get("section", ""), (str, type(None))):
        raise KnowledgeError(f"{where}: « {entry.get('id')} » : source.quote et source.section doivent être du texte")
    doc = src.get("document")
    if not isinstance(doc, (str, type(None))) or doc not in DOCUMENTS:
        raise KnowledgeError(f"{where}: document inconnu « {doc} » pour « {entry['id']} »")
    if doc in (None, "fitn7-axe3-guichet-departemental.txt"):
        section = src.get("section")
        if not section:
            raise KnowledgeError(f"{where}: « {entry['id']} » doit citer la section du texte source")
        heads = source_sections(base)
        if not all(any(h.startswith(fold(part)) for h in heads) for part in section.split(">")):
            raise KnowledgeError(f"{where}: section introuvable « {section} » pour « {entry['id']} »")
    elif not src.get("url"):
        raise KnowledgeError(f"{where}: « {entry['id']} » doit donner l'adresse de la publication")
    if fold(src["quote"]) not in _document(DOCUMENTS[doc], base):
        raise KnowledgeError(f"{where}: citation introuvable pour « {entry['id']} » : {src['quote']!r}")
    start = entry.get("valid_from")
    if not isinstance(start, dt.date):
        raise KnowledgeError(f"{where}: « {entry['id']} » sans date de début de validité (valid_from)")
    end = entry.get("valid_to")
    if end is not None and not isinstance(end, dt.date):
        raise KnowledgeError(f"{where}: « {entry['id']} » : valid_to doit être une date ou null")


def _walk(node: Any, where: str, base: str) -> None:
    if isinstance(node, dict):
        if "id" in node:
            _check_entry(node, where, base)
        for value in node.values():
            if isinstance(value, (dict, list)) and value is not node.get("source"):
                _walk(value, where, base)
    elif isinstance(node, list):
        for item in node:
            _walk(item, where, base)


def load_file(relpath: str, base: Path | str = KNOWLEDGE_DIR) -> Any:
    """Load and validate one knowledge file (path relative to the knowledge folder)."""
    path = Path(base) / relpath
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{relpath}: YAML invalide ({exc})") from exc
    _walk(data, relpath, str(base))
    try:
        schema.check(relpath, data)
    except schema.SchemaError as exc:
        raise KnowledgeError(str(exc)) from None
    return data


@lru_cache(maxsize=None)
def load_cached(relpath: str) -> Any:
    """`load_file` once per process for the default knowledge folder (treat the result as read-only)."""
    return load_file(relpath)


def in_force(entry: dict, on: dt.date) -> bool:
    end = entry.get("valid_to")
    return entry["valid_from"] <= on and (end is None or on <= end)
