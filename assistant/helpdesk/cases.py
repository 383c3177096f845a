"""Store of the helpdesk cases (issue 5): every completed assessment and every hand-off.

    from assistant.helpdesk.cases import CaseStore
    store = CaseStore.default()          # DATABASE_URL through assistant.db; migrated on first use
    case_id = store.record(conversation_id, channel, request, assessment, handoff_reason=None)

One case per conversation (`conversation_id` is unique): a later assessment in the same
conversation updates the case; a hand-off sets its reason without touching the assessment.

SQLAlchemy Core, 2.0 style (future engine). The schema belongs to the Alembic migrations in
`migrations/` (the tables below mirror them for queries; tests check that they agree). The
transcript is read from Rasa's SQLTrackerStore table `events` (reflected; absent -> no transcript).

Personal data: the case keeps what the helpdesk needs (collectivity, description, counts, verdict),
not the contacts, advice or full request; logs carry case ids and verdicts only.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, NoSuchTableError, OperationalError, ProgrammingError

from ..config import ROOT, VAR_DIR
from ..errors import InputError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = ROOT / "migrations"
VERSION_TABLE = "triage_alembic_version"

# Status codes stored; labels shown to staff (French).
STATUSES = {"nouveau": "nouveau", "en_cours": "en cours", "traite": "traité"}
_STATUS_ALIASES = {
    "nouveau": "nouveau", "new": "nouveau",
    "en cours": "en_cours", "en_cours": "en_cours", "encours": "en_cours", "en-cours": "en_cours",
    "traite": "traite", "traité": "traite", "traitee": "traite", "traitée": "traite", "done": "traite",
}
CHANNEL_MAX = 32
NOTE_MAX = 4000
# A write that meets a locked database (a long purge, another process) is tried again a bounded
# number of times (each try waits the driver's busy timeout, 5 s on SQLite: assistant/db.py).
WRITE_ATTEMPTS = 4
WRITE_BACKOFF = 0.5      # seconds, doubled after each failed try
PURGE_BATCH = 200        # rows per purge transaction: the write lock is held briefly

metadata = sa.MetaData()

cases_table = sa.Table(
    "triage_cases", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(128), nullable=False, unique=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("assessed_at", sa.DateTime),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("collectivity_code", sa.String(16)),
    sa.Column("collectivity_name", sa.String(200)),
    sa.Column("collectivity_type", sa.String(40)),
    sa.Column("collectivity_epci_type", sa.String(8)),   # migration 0002
    sa.Column("population", sa.Integer),
    sa.Column("department", sa.String(3)),
    sa.Column("description", sa.Text),
    sa.Column("agents_count", sa.Integer),
    sa.Column("users_count", sa.Integer),
    sa.Column("budget_eur", sa.Float),
    sa.Column("sub_axis", sa.String(2)),
    sa.Column("eligibility", sa.String(16)),
    sa.Column("amount_kind", sa.String(16)),
    sa.Column("amount_eur", sa.Float),
    sa.Column("amount_explanation", sa.Text),
    sa.Column("findings", sa.JSON),
    sa.Column("missing", sa.JSON),
    sa.Column("summary", sa.Text),
    sa.Column("handoff_reason", sa.Text),
    sa.Column("handoff_at", sa.DateTime),
    # migration 0003: the demarches-simplifiees dossier prefilled from this conversation (issue 14)
    sa.Column("dossier_number", sa.String(32)),
    sa.Column("dossier_id", sa.String(128)),
    sa.Column("dossier_url", sa.String(2000)),
    sa.Column("prefilled_at", sa.DateTime),
)

notes_table = sa.Table(
    "triage_case_notes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("triage_cases.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("old_status", sa.String(16)),
    sa.Column("new_status", sa.String(16)),
    sa.Column("text", sa.Text),
    sa.Column("author", sa.String(64)),      # migration 0003: staff login; NULL = shared password
)

# migration 0003: "Cette réponse vous a-t-elle aidé ?" (issue 14, part 3), one row per answer.
# Linked to the case by conversation_id (an FAQ answer may come before any case exists).
feedback_table = sa.Table(
    "triage_feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
    sa.Column("about", sa.String(8), nullable=False),
    sa.Column("faq_key", sa.String(128)),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
)

# migration 0003: named staff accounts (issue 14, part 6); without any, the shared password
staff_users_table = sa.Table(
    "triage_staff_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("login", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
)

FEEDBACK_ABOUT = ("verdict", "faq")
COMMENT_MAX = 2000
FAQ_KEY_MAX = 128
LOGIN_MAX = 64
SHARED_AUTHOR = "équipe"   # shown for a note written under the single shared password
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


def utcnow() -> dt.datetime:
    """Naive UTC (the same on SQLite and PostgreSQL `timestamp without time zone`)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def normalize_status(value: str) -> str:
    code = _STATUS_ALIASES.get((value or "").strip().lower())
    if not code:
        raise InputError(f"statut inconnu « {value} » : choisir parmi nouveau, en cours, traité")
    return code


# --------------------------------------------------------------------------- migrations

def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()


_thread_lock = threading.Lock()
_migrated: set[str] = set()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[sa.engine.Connection]:
    """A connection holding a lock that other processes respect: a PostgreSQL advisory lock, or
    an exclusive lock on a file next to the SQLite database (VAR_DIR for in-memory/other URLs)."""
    url = engine.url
    with _thread_lock:
        if url.get_backend_name() == "postgresql":
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT pg_advisory_lock(74703)"))  # arbitrary, ours
                conn.commit()
                try:
                    yield conn
                finally:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(74703)"))
                    conn.commit()
            return
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            lock_path = Path(url.database + ".migrate.lock")
        else:
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            lock_path = VAR_DIR / "triage-migrate.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                with engine.connect() as conn:
                    yield conn
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(engine: Engine, revision: str = "head", downgrade: bool = False) -> str | None:
    """Upgrade (or downgrade) the case tables under the migration lock; returns the revision."""
    from alembic import command

    with _migration_lock(engine) as conn:
        cfg = alembic_config(conn)
        if downgrade:
            command.downgrade(cfg, revision)
        else:
            command.upgrade(cfg, revision)
        conn.commit()
    _migrated.discard(str(engine.url))
    return current_revision(engine)


def ensure_schema(engine: Engine) -> None:
    """Migrate to head once per process and URL; cheap when already there."""
    key = str(engine.url)
    if key in _migrated:
        return
    head = head_revision()
    if current_revision(engine) != head:
        migrate(engine, "head")
    _migrated.add(key)


# --------------------------------------------------------------------------- records

@dataclass
class Note:
    id: int
    created_at: dt.datetime
    kind: str
    text: str | None
    old_status: str | None = None
    new_status: str | None = None
    author: str | None = None       # staff login; None under the shared password

    @property
    def author_label(self) -> str:
        return self.author or SHARED_AUTHOR


@dataclass
class Case:
    id: int
    conversation_id: str
    channel: str
    created_at: dt.datetime
    updated_at: dt.datetime
    status: str
    assessed_at: dt.datetime | None = None
    collectivity_code: str | None = None
    collectivity_name: str | None = None
    collectivity_type: str | None = None
    collectivity_epci_type: str | None = None
    population: int | None = None
    department: str | None = None
    description: str | None = None
    agents_count: int | None = None
    users_count: int | None = None
    budget_eur: float | None = None
    sub_axis: str | None = None
    eligibility: str | None = None
    amount_kind: str | None = None
    amount_eur: float | None = None
    amount_explanation: str | None = None
    findings: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    summary: str | None = None
    handoff_reason: str | None = None
    handoff_at: dt.datetime | None = None
    dossier_number: str | None = None
    dossier_id: str | None = None
    dossier_url: str | None = None
    prefilled_at: dt.datetime | None = None
    notes: list[Note] = field(default_factory=list)
    # who wrote the latest note or status change: a login, SHARED_AUTHOR under the shared
    # password, None when staff never wrote on the case (filled by get() and select_ids())
    last_author: str | None = None

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @classmethod
    def from_row(cls, row: Any) -> "Case":
        data = dict(row._mapping)
        for key in ("findings", "missing"):
            value = data.get(key)
            if isinstance(value, str):  # a JSON column read back as text by some drivers
                try:
                    value = json.loads(value)
                except ValueError:
                    value = []
            data[key] = value or []
        return cls(**data)


@dataclass
class TranscriptLine:
    at: dt.datetime | None
    speaker: str  # "user" | "bot"
    text: str


def _as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _clip(value: Any, size: int) -> str | None:
    if value is None:
        return None
    # PostgreSQL refuses NUL in text; lone surrogates cannot be encoded as UTF-8
    text = str(value).replace("\x00", " ").encode("utf-8", "replace").decode("utf-8").strip()
    return text[:size] if text else None


def _findings(items: Any) -> list[dict]:
    """Keep what staff read: rule, status, message, cited section (not internal values)."""
    out = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        src = item.get("source") or {}
        out.append({
            "rule": item.get("rule"),
            "status": item.get("status"),
            "message": item.get("message"),
            "section": src.get("section") if isinstance(src, dict) else None,
        })
    return out


def _assessment_fields(assessment: dict) -> dict:
    coll = assessment.get("collectivity") or {}
    amount = assessment.get("amount") or {}
    sub_axis = assessment.get("sub_axis")
    return {
        "collectivity_code": _clip(coll.get("code"), 16),
        "collectivity_name": _clip(coll.get("name"), 200),
        "collectivity_type": _clip(coll.get("type"), 40),
        "collectivity_epci_type": _clip(coll.get("epci_type"), 8),
        "population": _as_int(coll.get("population")),
        "department": _clip(coll.get("department"), 3),
        "sub_axis": sub_axis if sub_axis in ("3a", "3b", "3c") else None,
        "eligibility": _clip(assessment.get("eligibility"), 16),
        "amount_kind": _clip(amount.get("kind"), 16),
        "amount_eur": _as_float(amount.get("eur")),
        "amount_explanation": _clip(amount.get("explanation"), 2000),
        "findings": _findings(assessment.get("findings")),
        "missing": [str(m) for m in (assessment.get("missing") or [])],
        "summary": _clip(assessment.get("summary"), 4000),
    }


def _request_fields(request: dict) -> dict:
    out = {}
    if request.get("description") is not None:
        out["description"] = _clip(request.get("description"), 4000)
    for key in ("agents_count", "users_count"):
        if request.get(key) is not None:
            out[key] = _as_int(request.get(key))
    if request.get("budget_eur") is not None:
        out["budget_eur"] = _as_float(request.get("budget_eur"))
    return out


# --------------------------------------------------------------------------- store

class CaseStore:
    """Cases on one SQLAlchemy engine. Thread- and process-safe for `record` (upsert)."""

    def __init__(self, engine: Engine, migrate_on_first_use: bool = True):
        self.engine = engine
        self._ready = not migrate_on_first_use

    @classmethod
    def default(cls) -> "CaseStore":
        from ..db import get_engine

        return cls(get_engine())

    def _ensure(self) -> None:
        if not self._ready:
            ensure_schema(self.engine)
            self._ready = True

    # -- writing -------------------------------------------------------------------------

    def _retry(self, write, what: str = "case"):
        """Run `write()`; a locked database (SQLite) or a lost connection is tried again a bounded
        number of times, and the caller learns of the last failure (never a silent loss)."""
        delay = WRITE_BACKOFF
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return write()
            except OperationalError as exc:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                log.warning("triage: %s write failed (%s), retry %s", what, type(exc).__name__,
                            attempt + 1)
                time.sleep(delay)
                delay *= 2
        raise RuntimeError("unreachable")  # pragma: no cover

    def record(self, conversation_id: str, channel: str, request: dict | None,
               assessment: dict | None, handoff_reason: str | None = None) -> int:
        """Create or update the case of this conversation; returns its id."""
        conversation_id = _conversation_id(conversation_id, "le dossier n'est pas enregistré")
        self._ensure()
        now = utcnow()
        values: dict[str, Any] = {"updated_at": now}
        values.update(_request_fields(request or {}))
        if assessment:
            values.update(_assessment_fields(assessment))
            values["assessed_at"] = now
        reason = _clip(handoff_reason, 2000)
        if reason:
            values["handoff_reason"] = reason
            values["handoff_at"] = now
        channel = _clip(channel, CHANNEL_MAX) or "inconnu"
        return self._retry(lambda: self._upsert(conversation_id, channel, values, reason, now))

    def record_prefill(self, conversation_id: str, channel: str, dossier_number: str | int,
                       dossier_id: str, dossier_url: str) -> int:
        """The demarches-simplifiees dossier prefilled from this conversation (issue 14, part 1):
        creates or updates the case like `record` (a later prefill replaces the earlier one) and
        returns the case id."""
        conversation_id = _conversation_id(conversation_id, "le dossier prérempli n'est pas enregistré")
        if isinstance(dossier_number, bool):
            dossier_number = None
        number = _clip(dossier_number, 32)
        if not number:
            raise InputError("numéro du dossier démarches-simplifiées manquant")
        url = _clip(dossier_url, 2000)
        if not url or not re.match(r"^https?://[^\s]+$", url):
            raise InputError("adresse du dossier démarches-simplifiées manquante ou invalide "
                             "(attendu : https://…)")
        self._ensure()
        now = utcnow()
        values = {"updated_at": now, "dossier_number": number, "dossier_id": _clip(dossier_id, 128),
                  "dossier_url": url, "prefilled_at": now}
        channel = _clip(channel, CHANNEL_MAX) or "inconnu"
        return self._retry(lambda: self._upsert(conversation_id, channel, values, None, now))

    # -- satisfaction (issue 14, part 3) ------------------------------------------------

    def record_feedback(self, conversation_id: str, about: str, helpful: bool,
                        faq_key: str | None = None) -> int:
        """One answer to "Cette réponse vous a-t-elle aidé ?" after a verdict or an FAQ answer;
        returns the feedback id."""
        conversation_id = _conversation_id(conversation_id, "l'avis n'est pas enregistré")
        about = (about or "").strip().lower() if isinstance(about, str) else about
        if about not in FEEDBACK_ABOUT:
            raise InputError(f"avis sur « {about} » inconnu : choisir verdict ou faq")
        if not isinstance(helpful, bool):
            raise InputError("réponse à « Cette réponse vous a-t-elle aidé ? » illisible : oui ou non")
        key = _clip(faq_key, FAQ_KEY_MAX)
        self._ensure()
        values = {"conversation_id": conversation_id, "about": about, "faq_key": key,
                  "helpful": helpful, "created_at": utcnow()}

        def write() -> int:
            with self.engine.begin() as conn:
                return int(conn.execute(feedback_table.insert().values(**values))
                           .inserted_primary_key[0])

        feedback_id = self._retry(write, "feedback")
        log.info("triage: feedback %s (%s, %s)", feedback_id, about, "oui" if helpful else "non")
        return feedback_id

    def comment_feedback(self, conversation_id: str, comment: str) -> bool:
        """Attach a free comment to the latest "not helpful" answer of this conversation that has
        none yet; False when there is no such answer (nothing written)."""
        conversation_id = _conversation_id(conversation_id, "le commentaire n'est pas enregistré")
        text = _clip(comment, COMMENT_MAX)
        if not text:
            raise InputError("le commentaire est vide")
        self._ensure()
        f = feedback_table.c

        def write() -> bool:
            with self.engine.begin() as conn:
                target = conn.execute(
                    sa.select(f.id).where(f.conversation_id == conversation_id)
                    .where(f.helpful.is_(False)).where(f.comment.is_(None))
                    .order_by(f.created_at.desc(), f.id.desc()).limit(1)).scalar()
                if target is None:
                    return False
                conn.execute(feedback_table.update().where(f.id == target).values(comment=text))
                return True

        done = self._retry(write, "feedback")
        log.info("triage: feedback comment %s", "attached" if done else "without a 'non' answer")
        return done

    def feedback_for(self, conversation_id: str) -> list[dict]:
        """The answers of one conversation, oldest first (case detail, tests)."""
        self._ensure()
        f = feedback_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(feedback_table).where(f.conversation_id == conversation_id)
                                .order_by(f.created_at, f.id)).all()
        return [dict(r._mapping) for r in rows]

    # -- staff accounts (issue 14, part 6) ----------------------------------------------

    def add_user(self, login: str, password_hash: str) -> int:
        """A named staff account (the hash from assistant.helpdesk.triage.hash_password). An
        existing login is refused (remove it first); returns the account id."""
        login = normalize_login(login)
        if not password_hash or not str(password_hash).startswith(("scrypt:", "scrypt$")):
            raise InputError("empreinte de mot de passe invalide (attendu : scrypt)")
        self._ensure()

        def write() -> int:
            with self.engine.begin() as conn:
                return int(conn.execute(staff_users_table.insert().values(
                    login=login, password_hash=password_hash, created_at=utcnow(),
                    disabled=False)).inserted_primary_key[0])

        try:
            user_id = self._retry(write, "staff user")
        except IntegrityError:
            raise InputError(f"le compte « {login} » existe déjà") from None
        log.info("triage: staff account %s added", user_id)
        return user_id

    def remove_user(self, login: str) -> bool:
        """Delete the account (its notes keep their author's login); False when unknown."""
        login = normalize_login(login)
        self._ensure()

        def write() -> bool:
            with self.engine.begin() as conn:
                return conn.execute(staff_users_table.delete()
                                    .where(staff_users_table.c.login == login)).rowcount > 0

        return self._retry(write, "staff user")

    def list_users(self) -> list[dict]:
        self._ensure()
        u = staff_users_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(u.id, u.login, u.created_at, u.disabled)
                                .order_by(u.login)).all()
        return [dict(r._mapping) for r in rows]

    def has_users(self) -> bool:
        """True when at least one enabled account exists (the login form then asks for a login)."""
        self._ensure()
        u = staff_users_table.c
        with self.engine.connect() as conn:
            return conn.execute(sa.select(u.id).where(u.disabled.is_(False)).limit(1)).first() is not None

    def user_hash(self, login: str) -> str | None:
        """The hash of an enabled account, or None (unknown, disabled or unreadable login)."""
        try:
            login = normalize_login(login)
        except InputError:
            return None
        self._ensure()
        u = staff_users_table.c
        with self.engine.connect() as conn:
            return conn.execute(sa.select(u.password_hash).where(u.login == login)
                                .where(u.disabled.is_(False))).scalar()

    def _upsert(self, conversation_id: str, channel: str, values: dict, reason: str | None,
                now: dt.datetime) -> int:
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(
                        sa.select(cases_table.c.id, cases_table.c.status)
                        .where(cases_table.c.conversation_id == conversation_id)
                    ).first()
                    if row is None:
                        insert = dict(values, conversation_id=conversation_id, channel=channel,
                                      created_at=now, status="nouveau")
                        case_id = conn.execute(
                            cases_table.insert().values(**insert)
                        ).inserted_primary_key[0]
                        log.info("triage: case %s created (%s)", case_id, values.get("eligibility"))
                        return int(case_id)
                    case_id = row.id
                    update = dict(values)
                    if reason and row.status == "traite":
                        # A new hand-off on a closed case needs a human again: reopen it.
                        update["status"] = "nouveau"
                        conn.execute(notes_table.insert().values(
                            case_id=case_id, created_at=now, kind="status", old_status="traite",
                            new_status="nouveau", text="Rouvert : nouvelle demande de mise en relation."))
                    conn.execute(cases_table.update().where(cases_table.c.id == case_id)
                                 .values(**update))
                    log.info("triage: case %s updated (%s)", case_id, values.get("eligibility"))
                    return int(case_id)
            except IntegrityError:
                # Another process inserted the same conversation between our select and insert.
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")  # pragma: no cover

    def set_status(self, case_id: int, status: str, note: str | None = None,
                   author: str | None = None) -> Case:
        code = normalize_status(status)
        self._ensure()
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(cases_table.c.status)
                               .where(cases_table.c.id == case_id)).first()
            if row is None:
                raise InputError(f"dossier n° {case_id} introuvable")
            conn.execute(cases_table.update().where(cases_table.c.id == case_id)
                         .values(status=code, updated_at=now))
            conn.execute(notes_table.insert().values(
                case_id=case_id, created_at=now, kind="status", old_status=row.status,
                new_status=code, text=_clip(note, NOTE_MAX), author=_clip(author, LOGIN_MAX)))
        log.info("triage: case %s status %s -> %s", case_id, row.status, code)
        return self.get(case_id)

    def add_note(self, case_id: int, text: str, author: str | None = None) -> Case:
        text = _clip(text, NOTE_MAX)
        if not text:
            raise InputError("la note est vide")
        self._ensure()
        now = utcnow()
        with self.engine.begin() as conn:
            if conn.execute(sa.select(cases_table.c.id)
                            .where(cases_table.c.id == case_id)).first() is None:
                raise InputError(f"dossier n° {case_id} introuvable")
            conn.execute(notes_table.insert().values(case_id=case_id, created_at=now,
                                                     kind="note", text=text,
                                                     author=_clip(author, LOGIN_MAX)))
            conn.execute(cases_table.update().where(cases_table.c.id == case_id)
                         .values(updated_at=now))
        log.info("triage: case %s note added", case_id)
        return self.get(case_id)

    # -- reading -------------------------------------------------------------------------

    def get(self, case_id: int) -> Case:
        case = self._read(sa.select(cases_table).where(cases_table.c.id == case_id))
        if case is None:
            raise InputError(f"dossier n° {case_id} introuvable")
        return case

    def get_by_conversation(self, conversation_id: str) -> Case | None:
        """The conversation's case, or None, read in one query: a purge (or a deletion by another
        instance) between two reads must not turn "no case" into an error."""
        return self._read(sa.select(cases_table).where(cases_table.c.conversation_id == conversation_id))

    def _read(self, query) -> Case | None:
        self._ensure()
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            case = Case.from_row(row)
            notes = conn.execute(sa.select(notes_table).where(notes_table.c.case_id == case.id)
                                 .order_by(notes_table.c.created_at, notes_table.c.id)).all()
        case.notes = [Note(id=n.id, created_at=n.created_at, kind=n.kind, text=n.text,
                           old_status=n.old_status, new_status=n.new_status, author=n.author)
                      for n in notes]
        case.last_author = case.notes[-1].author_label if case.notes else None
        return case

    def select(self, where: list | None = None) -> list[Case]:
        """Cases matching SQL conditions on `cases_table` (see assistant.helpdesk.triage.Filter)."""
        self._ensure()
        query = sa.select(cases_table)
        for cond in where or []:
            query = query.where(cond)
        with self.engine.connect() as conn:
            return [Case.from_row(r) for r in conn.execute(query.order_by(cases_table.c.id))]

    # columns left out of the queue's sort (long texts): read for one page at a time
    HEAVY_COLUMNS = ("description", "findings", "missing", "summary", "amount_explanation")

    def select_light(self, where: list | None = None) -> list[Case]:
        """Like select(), without the long text columns (enough to compute priorities)."""
        self._ensure()
        cols = [c for c in cases_table.c if c.name not in self.HEAVY_COLUMNS]
        query = sa.select(*cols)
        for cond in where or []:
            query = query.where(cond)
        with self.engine.connect() as conn:
            return [Case.from_row(r) for r in conn.execute(query.order_by(cases_table.c.id))]

    def select_ids(self, ids: list[int]) -> dict[int, Case]:
        """Full cases by id (at most a page at a time)."""
        self._ensure()
        out: dict[int, Case] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(ids), 500):
                for row in conn.execute(sa.select(cases_table).where(cases_table.c.id.in_(chunk))):
                    case = Case.from_row(row)
                    out[case.id] = case
                n = notes_table.c
                for row in conn.execute(sa.select(n.case_id, n.author).where(n.case_id.in_(chunk))
                                        .order_by(n.created_at, n.id)):
                    out[row.case_id].last_author = row.author or SHARED_AUTHOR   # the latest wins
        return out

    def transcript(self, conversation_id: str) -> list[TranscriptLine] | None:
        """User and bot texts of the conversation from Rasa's tracker store (`events`), or None
        when that table does not exist in this database."""
        try:
            events = sa.Table("events", sa.MetaData(), autoload_with=self.engine)
        except (NoSuchTableError, OperationalError, ProgrammingError):
            return None
        cols = events.c
        needed = ("sender_id", "type_name", "data")
        if not all(name in cols for name in needed):
            return None
        # the case of a second project is "<conversation id>#projet-2" (actions/followup.py)
        conversation_id = conversation_id.split("#projet-")[0]
        query = (sa.select(events).where(cols.sender_id == conversation_id)
                 .where(cols.type_name.in_(("user", "bot"))))
        order = [cols.timestamp] if "timestamp" in cols else []
        if "id" in cols:
            order.append(cols.id)
        query = query.order_by(*order)
        lines = []
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                try:
                    data = json.loads(row.data) if isinstance(row.data, str) else (row.data or {})
                except ValueError:
                    data = {}
                text = data.get("text") if isinstance(data, dict) else None
                if not text:
                    continue
                ts = getattr(row, "timestamp", None)
                at = None
                if isinstance(ts, (int, float)):
                    at = dt.datetime.fromtimestamp(ts, dt.timezone.utc).replace(tzinfo=None)
                lines.append(TranscriptLine(at=at, speaker=row.type_name, text=str(text)))
        return lines

    # -- retention -----------------------------------------------------------------------

    def purge(self, older_than_days: int, dry_run: bool = False, batch: int = PURGE_BATCH) -> dict:
        """Remove cases not updated for `older_than_days` days, their notes and their transcript
        (Rasa `events` of those conversation ids), and the transcripts of conversations whose
        last event is older than the same cutoff (personal data kept no longer than the cases).

        A conversation still active since the cutoff keeps its transcript even when its case is
        old (the user is talking today). Deletions run in transactions of `batch` rows, so that
        the write lock is never held long (the assistant keeps writing meanwhile); with SQLite,
        `secure_delete` (assistant/db.py) overwrites the deleted rows."""
        if older_than_days < 1:
            raise InputError("la durée de conservation doit être d'au moins 1 jour")
        self._ensure()
        cutoff = utcnow() - dt.timedelta(days=older_than_days)
        cutoff_ts = cutoff.replace(tzinfo=dt.timezone.utc).timestamp()
        try:
            events = sa.Table("events", sa.MetaData(), autoload_with=self.engine)
        except (NoSuchTableError, OperationalError, ProgrammingError):
            events = None
        has_ts = events is not None and "timestamp" in events.c
        result = {"cutoff": cutoff, "cases": 0, "notes": 0, "events": 0, "feedback": 0}
        with self.engine.connect() as conn:      # reads only: no write lock
            old = conn.execute(sa.select(cases_table.c.id, cases_table.c.conversation_id)
                               .where(cases_table.c.updated_at < cutoff)).all()
            senders = {r.conversation_id.split("#projet-")[0] for r in old}
            if has_ts:
                last = sa.func.max(events.c.timestamp)
                active = set(conn.execute(
                    sa.select(events.c.sender_id).group_by(events.c.sender_id)
                    .having(last >= cutoff_ts)).scalars())
                stale = set(conn.execute(
                    sa.select(events.c.sender_id).group_by(events.c.sender_id)
                    .having(last < cutoff_ts)).scalars())
                # never cut the transcript of a case still kept, nor of a conversation active today
                kept = {c.split("#projet-")[0] for c in conn.execute(sa.select(cases_table.c.conversation_id)
                        .where(cases_table.c.updated_at >= cutoff)).scalars()}   # a later project's case too
                senders = (senders | stale) - kept - active
        ids = [r.id for r in old]
        result["cases"] = len(ids)
        for chunk in _chunks(ids, batch):
            with self.engine.begin() as conn:
                result["notes"] += conn.execute(
                    sa.select(sa.func.count()).select_from(notes_table)
                    .where(notes_table.c.case_id.in_(chunk))).scalar_one()
                if not dry_run:
                    conn.execute(notes_table.delete().where(notes_table.c.case_id.in_(chunk)))
                    conn.execute(cases_table.delete().where(cases_table.c.id.in_(chunk)))
        if events is not None:
            for chunk in _chunks(sorted(senders), max(1, batch // 10)):
                with self.engine.begin() as conn:
                    result["events"] += conn.execute(
                        sa.select(sa.func.count()).select_from(events)
                        .where(events.c.sender_id.in_(chunk))).scalar_one()
                    if not dry_run:
                        conn.execute(events.delete().where(events.c.sender_id.in_(chunk)))
        # satisfaction answers (their comments are free text) are kept no longer than the cases
        with self.engine.begin() as conn:
            old_feedback = feedback_table.c.created_at < cutoff
            result["feedback"] = conn.execute(sa.select(sa.func.count()).select_from(feedback_table)
                                              .where(old_feedback)).scalar_one()
            if not dry_run:
                conn.execute(feedback_table.delete().where(old_feedback))
        result["conversations"] = sorted(senders) if not dry_run else []
        log.info("triage: purge older than %s days: %s cases, %s events%s", older_than_days,
                 result["cases"], result["events"], " (simulation)" if dry_run else "")
        return result


def _conversation_id(value: Any, consequence: str) -> str:
    text = (value or "").replace("\x00", "").strip() if isinstance(value, str) else ""
    if not text:
        raise InputError(f"identifiant de conversation manquant : {consequence}")
    return text[:128]


def normalize_login(value: Any) -> str:
    """A staff login: lower case letters, digits and . _ @ - (64 at most)."""
    login = (value or "").strip().lower() if isinstance(value, str) else ""
    if not _LOGIN.match(login):
        raise InputError(f"identifiant « {value} » invalide : lettres minuscules, chiffres et . _ @ - "
                         f"({LOGIN_MAX} caractères au plus)")
    return login


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
