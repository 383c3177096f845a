#!/usr/bin/env python
"""Writes data/faq_responses.yml (the `utter_faq/<key>` responses) from knowledge/faq.yml.

    python scripts/faq_responses.py          # rewrite the file
    python scripts/faq_responses.py --check  # exit 1 when the file is not what knowledge/faq.yml gives

The answers stay in knowledge/faq.yml with their sources; this file only copies them where Rasa
wants a response for each retrieval intent (see actions/faq.py).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions import faq as F  # noqa: E402


def main(argv: list[str]) -> int:
    path = ROOT / F.RESPONSES_FILE
    text = F.responses_yaml()
    if "--check" in argv:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"FAIL: {F.RESPONSES_FILE} is stale: run `python scripts/faq_responses.py`", file=sys.stderr)
            return 1
        print(f"{F.RESPONSES_FILE} is up to date with knowledge/faq.yml")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {F.RESPONSES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
