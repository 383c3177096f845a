"""Text folding shared by the referential lookups and the classifier."""
from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def fold(s: str) -> str:
    """Lower case, no accents, every run of punctuation/space/hyphen/apostrophe as one space."""
    s = strip_accents(s.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")).lower()
    return _NON_ALNUM.sub(" ", s).strip()
