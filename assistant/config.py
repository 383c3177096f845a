"""Settings read from environment variables, with safe defaults (documented in .env.example)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = Path(os.environ.get("FITN7_KNOWLEDGE_DIR", ROOT / "knowledge"))
VAR_DIR = Path(os.environ.get("FITN7_VAR_DIR", ROOT / "var"))


def database_url() -> str:
    """The one SQLAlchemy URL for the referential, the cases and Rasa's tracker store."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'fitn7.sqlite'}"


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default
