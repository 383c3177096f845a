"""Settings read from environment variables, with safe defaults (documented in .env.example)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_env_file(path: str | os.PathLike | None = None) -> bool:
    """Read the project's `.env` with python-dotenv (never as a shell script): values may hold
    spaces, quotes, `#` comments. Variables already set in the environment win. Every entry
    point calls it (the `assistant` CLI, the web server, scripts/run.sh through `env-file`)."""
    from dotenv import load_dotenv

    env_path = Path(path) if path else Path(os.environ.get("FITN7_ENV_FILE") or ROOT / ".env")
    if not env_path.is_file():
        return False
    return load_dotenv(env_path, override=False)


def secret_from_file(path: Path) -> bytes:
    """A random secret generated once in `path` (32 bytes, base64, file mode 0600), then read."""
    import base64

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.urlsafe_b64encode(os.urandom(32)).decode())
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise RuntimeError(f"secret file {path} is too short")
    return value.encode()


def shell_exports(path: str | os.PathLike | None = None) -> str:
    """`export KEY='value'` lines for scripts/run.sh: the .env parsed by python-dotenv, minus the
    variables already set in the environment."""
    import shlex

    from dotenv import dotenv_values

    env_path = Path(path) if path else Path(os.environ.get("FITN7_ENV_FILE") or ROOT / ".env")
    if not env_path.is_file():
        return ""
    lines = []
    for key, value in dotenv_values(env_path).items():
        if value is None or key in os.environ or not key.replace("_", "").isalnum():
            continue
        lines.append(f"export {key}={shlex.quote(value)}")
    return "\n".join(lines)
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
