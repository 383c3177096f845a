"""Helpdesk triage page and its JSON API (issue 5), mounted by web/server.py:

    from web.triage import setup
    setup(app)          # adds /triage, /triage/api/..., /triage/export.csv, /triage/static/...

Access: a password (or token) whose hash is TRIAGE_PASSWORD_HASH (`assistant triage
hash-password`). Login sets a signed, HttpOnly, SameSite=Strict session cookie limited to
/triage; nothing under /triage (page, JSON, CSV) is served without it, except the login form and
the static assets. With no hash configured the triage is closed (French message, HTTP 503): never
open by default. Comparisons are constant time (hmac.compare_digest).

Settings (environment): TRIAGE_PASSWORD_HASH, TRIAGE_SESSION_SECRET (optional; else a random
secret generated once in TRIAGE_SECRET_FILE, default var/triage-session.key, mode 0600: outside
the database, so that reading the hash or a database dump is not enough to forge a session; the
signing key also mixes in the hash, so that changing the password ends every session),
TRIAGE_SESSION_HOURS (8), TRIAGE_COOKIE_SECURE (1 forces Secure; it is also set whenever the
public origin is HTTPS), RETENTION_DAYS (180, shown on the page).

Named staff accounts (issue 14, part 6; `assistant triage user add`): once one exists the login
form asks for a login, the shared password no longer opens (every change has a named author) and a
session carries its login, signed with a key that mixes in the account's hash (removing the account
or changing its password ends its sessions). Without any account the shared password works as
before and notes are signed "équipe". /triage/tableau-de-bord and its CSV (issue 14, part 2):
assistant/helpdesk/dashboard.py.

Sessions ended by logout are remembered until they expire in TRIAGE_REVOKED_FILE (default
var/triage-revoked.txt), so that a restart does not bring them back. Failed logins are counted
per client address (X-Forwarded-For's last hop with TRUST_PROXY=1, web/server.py), and an attempt
is counted before its password is checked, so that parallel guesses cannot pass the limit.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from assistant.helpdesk.cases import CaseStore
from assistant.config import VAR_DIR, env_int
from web.origin import is_same_origin, public_origin
from assistant.errors import InputError
from assistant.helpdesk.triage import (ELIGIBILITIES, STATUSES, SUB_AXES, Filter, PriorityRules,
                              case_to_dict, check_hash_format, csv_chunks, iter_queue, queue,
                              queue_page, sub_axis_short_label, to_csv, verify_password)

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "triage"
COOKIE = "fitn7_triage"
COOKIE_PATH = "/triage"
PER_PAGE = 100             # cases per page of the queue (?page=N, ?per_page= up to MAX_PER_PAGE)
MAX_PER_PAGE = 500
MAX_FAILURES = 5            # failed logins per client address ...
FAILURE_WINDOW = 300        # ... within this many seconds, then refused for the rest of it

CLOSED_MESSAGE = ("La file de tri n'est pas ouverte : aucun mot de passe n'est configuré. "
                  "L'administrateur doit définir TRIAGE_PASSWORD_HASH (commande "
                  "« assistant triage hash-password ») puis redémarrer le serveur.")


@dataclass
class TriageSettings:
    password_hash: str | None
    session_secret: bytes | None
    session_hours: int = 8
    cookie_secure: bool = False
    retention_days: int = 180
    failures: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "TriageSettings":
        stored = (os.environ.get("TRIAGE_PASSWORD_HASH") or "").strip() or None
        if stored and not check_hash_format(stored):
            log.error("triage: TRIAGE_PASSWORD_HASH is malformed; triage stays closed")
            stored = None
        secret = (os.environ.get("TRIAGE_SESSION_SECRET") or "").encode() or None
        return cls(
            password_hash=stored,
            session_secret=secret,
            session_hours=max(1, env_int("TRIAGE_SESSION_HOURS", 8)),
            cookie_secure=os.environ.get("TRIAGE_COOKIE_SECURE", "0").lower() in ("1", "true", "oui"),
            retention_days=max(1, env_int("RETENTION_DAYS", 180)),
        )

    def __post_init__(self) -> None:
        if self.password_hash and not self.session_secret:
            self.session_secret = session_secret_from_file()

    @property
    def configured(self) -> bool:
        return bool(self.password_hash)

    def key(self) -> bytes:
        if not self.session_secret:   # never derived from the hash alone (anyone reading it could sign)
            self.session_secret = session_secret_from_file()
        return hmac.new(self.session_secret, ("fitn7-triage-session:" + (self.password_hash or "")).encode(),
                        hashlib.sha256).digest()

    def account_key(self, login: str, user_hash: str) -> bytes:
        """Signing key of a named account's session (issue 14, part 6): the secret file and the
        account's own hash, so that removing the account or changing its password ends its
        sessions."""
        if not self.session_secret:
            self.session_secret = session_secret_from_file()
        return hmac.new(self.session_secret, f"fitn7-triage-account:{login}:{user_hash}".encode(),
                        hashlib.sha256).digest()


def _secret_path() -> Path:
    return Path(os.environ.get("TRIAGE_SECRET_FILE") or VAR_DIR / "triage-session.key")


def _revoked_path() -> Path:
    return Path(os.environ.get("TRIAGE_REVOKED_FILE") or VAR_DIR / "triage-revoked.txt")


def session_secret_from_file(path: Path | None = None) -> bytes:
    """The random signing secret, generated once (32 bytes, file mode 0600)."""
    from assistant.config import secret_from_file

    return secret_from_file(path or _secret_path())


def load_revoked(path: Path | None = None, now: float | None = None) -> dict:
    """nonce -> expiry of the sessions ended by logout and not expired yet."""
    path = path or _revoked_path()
    now = now or time.time()
    out = {}
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return out
    for line in lines:
        nonce, _, expires = line.partition(" ")
        try:
            if int(expires) > now:
                out[nonce] = int(expires)
        except ValueError:
            continue
    return out


def save_revoked(revoked: dict, path: Path | None = None) -> None:
    path = path or _revoked_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{n} {e}\n" for n, e in revoked.items() if e > now), encoding="ascii")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@dataclass
class TriageState:
    """Per-application state; the store and the rules are created on first use (not at setup,
    so that mounting the routes never touches the database)."""
    settings: TriageSettings
    store: CaseStore | None = None
    rules: PriorityRules | None = None
    revoked: dict = field(default_factory=load_revoked)  # nonce -> expiry, ended by logout
    # named accounts exist (issue 14, part 6): re-read from the store at most every ACCOUNTS_TTL s
    accounts: bool = False
    accounts_checked: float = 0.0


STATE = web.AppKey("triage_state", TriageState)


# --------------------------------------------------------------------------- session

def _sign(key: bytes, payload: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()
                                    ).decode().rstrip("=")


def make_session(settings: TriageSettings, now: float | None = None) -> str:
    expires = int((now or time.time()) + settings.session_hours * 3600)
    nonce = base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")
    payload = f"{expires}.{nonce}"
    return f"{payload}.{_sign(settings.key(), payload)}"


def valid_session(settings: TriageSettings, value: str | None, now: float | None = None) -> bool:
    if not settings.configured or not value or value.count(".") != 2:
        return False
    expires, nonce, sig = value.split(".")
    if not hmac.compare_digest(_sign(settings.key(), f"{expires}.{nonce}"), sig):
        return False
    try:
        return int(expires) > (now or time.time())
    except ValueError:
        return False


def _login_b64(login: str) -> str:
    return base64.urlsafe_b64encode(login.encode()).decode().rstrip("=")


def _login_from_b64(text: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def make_account_session(settings: TriageSettings, login: str, user_hash: str,
                         now: float | None = None) -> str:
    """`expires.nonce.login.sig` (login in URL-safe base64: no dot), signed with account_key."""
    expires = int((now or time.time()) + settings.session_hours * 3600)
    nonce = base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")
    payload = f"{expires}.{nonce}.{_login_b64(login)}"
    return f"{payload}.{_sign(settings.account_key(login, user_hash), payload)}"


def session_login(value: str | None) -> str | None:
    """The login carried by a named account's session (not yet verified), else None."""
    if not value or value.count(".") != 3:
        return None
    return _login_from_b64(value.split(".")[2])


def valid_account_session(settings: TriageSettings, value: str | None, user_hash: str | None,
                          now: float | None = None) -> bool:
    if not value or not user_hash or value.count(".") != 3:
        return False
    expires, nonce, login64, sig = value.split(".")
    login = _login_from_b64(login64)
    if not login:
        return False
    key = settings.account_key(login, user_hash)
    if not hmac.compare_digest(_sign(key, f"{expires}.{nonce}.{login64}"), sig):
        return False
    try:
        return int(expires) > (now or time.time())
    except ValueError:
        return False


ACCOUNTS_TTL = 5.0   # seconds between two checks that named accounts exist


async def _accounts(request: web.Request) -> bool:
    """True when named staff accounts exist (then a login is asked and the shared password no
    longer opens the triage: every change has a named author)."""
    state = request.app[STATE]
    now = time.monotonic()
    if not state.accounts_checked or now - state.accounts_checked > ACCOUNTS_TTL:
        state.accounts = await _run(_store(request).has_users)
        state.accounts_checked = now
    return state.accounts


async def _is_open(request: web.Request) -> bool:
    """The triage opens with the shared password hash or with at least one named account."""
    if request.app[STATE].settings.configured:
        return True
    return await _accounts(request)


ANONYMOUS = object()


async def _author(request: web.Request):
    """Who holds this session: a login (named account), None (the shared password), or
    ANONYMOUS (no valid session)."""
    state = request.app[STATE]
    value = request.cookies.get(COOKIE)
    if not value:
        return ANONYMOUS
    login = session_login(value)
    if login is not None:
        user_hash = await _run(_store(request).user_hash, login)
        if not valid_account_session(state.settings, value, user_hash):
            return ANONYMOUS
        author = login
    else:
        if not valid_session(state.settings, value) or await _accounts(request):
            return ANONYMOUS     # with named accounts, the shared password's sessions end
        author = None
    if value.split(".")[1] in state.revoked:
        return ANONYMOUS
    return author


async def _authenticated(request: web.Request) -> bool:
    return (await _author(request)) is not ANONYMOUS


def _same_origin(request: web.Request) -> bool:
    # no Origin: not a browser's cross-site request; else scheme + host + port as the chat checks
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    return is_same_origin(request, origin)


# --------------------------------------------------------------------------- helpers

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
                                "base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # not no-referrer: Chromium would then send Origin: null
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def _json(data, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers=SECURITY_HEADERS,
                             dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _error(message: str, status: int) -> web.Response:
    return _json({"error": message}, status=status)


async def _guard_json(request: web.Request) -> web.Response | None:
    if not await _is_open(request):
        return _error(CLOSED_MESSAGE, 503)
    if not await _authenticated(request):
        return _error("Connexion requise : ouvrez /triage et saisissez le mot de passe.", 401)
    return None


def _store(request: web.Request) -> CaseStore:
    state = request.app[STATE]
    if state.store is None:
        state.store = CaseStore.default()
    return state.store


def _rules(request: web.Request) -> PriorityRules:
    state = request.app[STATE]
    if state.rules is None:
        state.rules = PriorityRules.default()
    return state.rules


class DatabaseUnavailable(Exception):
    pass


async def _run(func, *args):
    """Run a blocking store call in a thread. Database errors become DatabaseUnavailable, logged
    by class name only (SQLAlchemy messages can quote parameters, i.e. personal data)."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)
    except SQLAlchemyError as exc:
        log.error("triage: database error %s", type(exc).__name__)
        raise DatabaseUnavailable() from None


def _db_guard(handler):
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except DatabaseUnavailable:
            return _error("Base de données indisponible : réessayez plus tard ou prévenez "
                          "l'administrateur.", 503)
    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


def _db_guard_page(handler):
    """The HTML pages' version of _db_guard: a French page, HTTP 503."""
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except DatabaseUnavailable:
            return _page("Indisponible", "<h1>File de tri des demandes</h1><p role=\"alert\">Base de "
                         "données indisponible : réessayez plus tard ou prévenez l'administrateur.</p>",
                         status=503)
    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


def _text(value: str) -> str:
    """Escape for an element's text (apostrophes stay readable)."""
    return html.escape(value, quote=False)


def _page(title: str, body: str, status: int = 200, script: bool = False) -> web.Response:
    scripts = '<script src="/triage/static/triage.js" defer></script>' if script else ""
    doc = f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{html.escape(title)} – FITN7 axe 3</title>
<link rel="stylesheet" href="/triage/static/triage.css">
{scripts}
</head>
<body>
<a class="skip" href="#contenu">Aller au contenu</a>
<header class="top"><p class="brand">FITN7 axe 3 · Guichet départemental</p></header>
<main id="contenu" tabindex="-1">
{body}
</main>
</body>
</html>"""
    return web.Response(text=doc, status=status, content_type="text/html", charset="utf-8",
                        headers=SECURITY_HEADERS)


def _options(values: dict, empty: str) -> str:
    opts = [f'<option value="">{html.escape(empty)}</option>']
    opts += [f'<option value="{html.escape(k)}">{html.escape(v)}</option>' for k, v in values.items()]
    return "".join(opts)


def _closed_page() -> web.Response:
    return _page("Fermé", f'<h1>File de tri des demandes</h1><p role="alert">{_text(CLOSED_MESSAGE)}</p>',
                 status=503)


def _login_page(error: str | None = None, status: int = 200, accounts: bool = False) -> web.Response:
    err = ""
    if error:
        err = f'<p class="error" role="alert" id="login-error">{_text(error)}</p>'
    described = ' aria-describedby="login-error"' if error else ""
    login_field = ""
    if accounts:   # named staff accounts exist (issue 14, part 6)
        login_field = f"""
  <label for="login">Identifiant</label>
  <input id="login" name="login" type="text" autocomplete="username" autocapitalize="none"
   spellcheck="false" maxlength="64" required{described}>"""
    body = f"""<h1>File de tri des demandes</h1>
<p>Accès réservé aux agents du helpdesk (préfecture, ANCT).</p>
{err}
<form method="post" action="/triage/login" class="login">{login_field}
  <label for="password">Mot de passe</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required{described}>
  <button type="submit">Se connecter</button>
</form>"""
    return _page("Connexion", body, status=status)


def _app_page(settings: TriageSettings) -> web.Response:
    body = f"""<div class="bar">
<h1>File de tri des demandes</h1>
<p class="nav"><a href="/triage/tableau-de-bord">Tableau de bord</a></p>
<form method="post" action="/triage/logout"><button type="submit" class="secondary">Se déconnecter</button></form>
</div>
<p class="retention">Durée de conservation des dossiers et des conversations :
<strong id="retention-days">{settings.retention_days}</strong> jours, puis suppression
(<code>assistant purge --older-than {settings.retention_days}d</code>).</p>
<form id="filters" class="filters" role="search" aria-label="Filtrer la file">
  <div><label for="f-department">Département</label>
  <input id="f-department" name="department" inputmode="text" size="4" maxlength="3" autocomplete="off"
   aria-describedby="f-department-hint"><span class="hint" id="f-department-hint">ex. 72, 2A, 974</span></div>
  <div><label for="f-sub_axis">Sous-axe</label>
  <select id="f-sub_axis" name="sub_axis">{_options({a: sub_axis_short_label(a) for a in SUB_AXES}, "Tous")}</select></div>
  <div><label for="f-eligibility">Éligibilité</label>
  <select id="f-eligibility" name="eligibility">{_options(ELIGIBILITIES, "Toutes")}</select></div>
  <div><label for="f-status">Statut</label>
  <select id="f-status" name="status">{_options(STATUSES, "Tous")}</select></div>
  <div><label for="f-since">Reçu depuis le</label><input id="f-since" name="since" type="date"></div>
  <div><label for="f-until">Reçu jusqu'au</label><input id="f-until" name="until" type="date"></div>
  <div class="actions"><button type="submit">Filtrer</button>
  <button type="reset" class="secondary">Effacer les filtres</button>
  <a id="export" class="button secondary" href="/triage/export.csv">Exporter en CSV</a></div>
</form>
<p id="status-message" class="live" role="status" aria-live="polite"></p>
<table id="queue" class="queue">
  <caption>Demandes par ordre de priorité (critères de sélection du guichet) :
  <span id="queue-count">chargement…</span></caption>
  <thead><tr>
    <th scope="col">Rang</th><th scope="col">Dossier</th><th scope="col">Reçu le</th>
    <th scope="col">Collectivité</th><th scope="col">Dépt</th><th scope="col">Sous-axe</th>
    <th scope="col">Éligibilité</th><th scope="col">Montant</th><th scope="col">Statut</th>
    <th scope="col">Priorité et raisons</th>
  </tr></thead>
  <tbody></tbody>
</table>
<section id="detail" class="detail" hidden aria-labelledby="detail-title" tabindex="-1">
  <h2 id="detail-title">Dossier</h2>
  <div id="detail-body"></div>
  <form id="status-form" class="inline">
    <label for="d-status">Changer le statut</label>
    <select id="d-status" name="status">{_options(STATUSES, "— choisir —")}</select>
    <label for="d-status-note">Note (facultative)</label>
    <input id="d-status-note" name="note" maxlength="4000">
    <button type="submit">Enregistrer le statut</button>
  </form>
  <form id="note-form" class="inline">
    <label for="d-note">Ajouter une note</label>
    <textarea id="d-note" name="text" rows="3" maxlength="4000" required></textarea>
    <button type="submit">Ajouter la note</button>
  </form>
  <h3>Conversation</h3>
  <div id="transcript"></div>
  <p><button type="button" id="close-detail" class="secondary">Revenir à la file</button></p>
</section>"""
    return _page("File de tri", body, script=True)


# --------------------------------------------------------------------------- handlers

@_db_guard_page
async def page(request: web.Request) -> web.Response:
    settings = request.app[STATE].settings
    if not await _is_open(request):
        return _closed_page()
    if not await _authenticated(request):
        return _login_page(accounts=await _accounts(request))
    return _app_page(settings)


# verified when the login is unknown, so that an unknown login costs the same time as a wrong password
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        from assistant.helpdesk.triage import hash_password
        _DUMMY_HASH.append(hash_password(base64.b64encode(os.urandom(18)).decode()))
    return _DUMMY_HASH[0]


@_db_guard_page
async def login(request: web.Request) -> web.Response:
    settings = request.app[STATE].settings
    if not await _is_open(request):
        return _closed_page()
    accounts = await _accounts(request)
    if not _same_origin(request):
        return _login_page("Requête refusée (origine inconnue).", status=403, accounts=accounts)
    client = request.remote or "?"   # the real client behind a trusted proxy (web/server.py)
    now = time.time()
    # check and count in one step, with no await in between (atomic on the event loop): the
    # attempt counts as a failure until its password is found right
    recent = [t for t in settings.failures.get(client, []) if now - t < FAILURE_WINDOW]
    if len(recent) >= MAX_FAILURES:
        settings.failures[client] = recent
        return _login_page("Trop d'essais : réessayez dans quelques minutes.", status=429,
                           accounts=accounts)
    # forget the addresses whose failures are all past the window, so the table stays bounded
    for other in [c for c, ts in settings.failures.items() if not ts or now - ts[-1] >= FAILURE_WINDOW]:
        del settings.failures[other]
    recent.append(now)
    settings.failures[client] = recent
    form = await request.post()
    password = str(form.get("password") or "")
    login_name = str(form.get("login") or "").strip().lower()
    if accounts:
        # named accounts: the login and its own password; the shared password no longer opens
        user_hash = await _run(_store(request).user_hash, login_name) if login_name else None
        ok = await _run(verify_password, password, user_hash or _dummy_hash()) and bool(user_hash)
        if not ok:
            log.warning("triage: failed login")
            return _login_page("Identifiant ou mot de passe incorrect.", status=401, accounts=True)
        session = make_account_session(settings, login_name, user_hash)
    else:
        ok = await _run(verify_password, password, settings.password_hash)
        if not ok:
            log.warning("triage: failed login")
            return _login_page("Mot de passe incorrect.", status=401)
        session = make_session(settings)
    settings.failures.pop(client, None)
    response = web.HTTPSeeOther("/triage")
    secure = settings.cookie_secure or public_origin(request).startswith("https://")
    response.set_cookie(COOKIE, session, path=COOKIE_PATH, httponly=True,
                        samesite="Strict", secure=secure,
                        max_age=settings.session_hours * 3600)
    log.info("triage: login")
    raise response


async def logout(request: web.Request) -> web.Response:
    value = request.cookies.get(COOKIE)
    state = request.app[STATE]
    if value and (valid_session(state.settings, value) or session_login(value) is not None):
        # a named session is remembered too (its signature is checked on every use anyway)
        expires, nonce = value.split(".")[:2]
        try:
            state.revoked[nonce] = int(expires)
        except ValueError:
            state.revoked.pop(nonce, None)
        try:
            save_revoked(state.revoked)   # kept across restarts until the session expires
        except OSError as exc:
            log.error("triage: revoked sessions not saved (%s)", type(exc).__name__)
    response = web.HTTPSeeOther("/triage")
    response.del_cookie(COOKIE, path=COOKIE_PATH)
    raise response


def _filter(request: web.Request) -> Filter:
    return Filter.from_mapping({k: request.query.get(k) for k in
                                ("department", "sub_axis", "eligibility", "status", "since", "until")})


async def _guarded_filter(request: web.Request):
    """Guard and filter parsing shared by the JSON list and the CSV export: the filter, or the
    error response to send instead."""
    denied = await _guard_json(request)
    if denied is not None:
        return denied
    try:
        return _filter(request)
    except InputError as exc:
        return _error(str(exc), 400)


def _positive(value: str | None, default: int, upper: int) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        raise InputError("numéro de page illisible : un entier positif est attendu") from None
    if number < 1:
        raise InputError("numéro de page illisible : un entier positif est attendu")
    return min(number, upper)


@_db_guard
async def api_cases(request: web.Request) -> web.Response:
    flt = await _guarded_filter(request)
    if isinstance(flt, web.Response):
        return flt
    try:
        page = _positive(request.query.get("page"), 1, 10 ** 6)
        per_page = _positive(request.query.get("per_page"), PER_PAGE, MAX_PER_PAGE)
    except InputError as exc:
        return _error(str(exc), 400)
    total, items = await _run(queue_page, _store(request), flt, _rules(request), page, per_page)
    first = (page - 1) * per_page + 1
    return _json({
        "filter": flt.to_dict(),
        "count": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, -(-total // per_page)),
        "retention_days": request.app[STATE].settings.retention_days,
        "cases": [dict(case_to_dict(it.case, it.priority), rank=i)
                  for i, it in enumerate(items, start=first)],
    })


def _case_id(request: web.Request) -> int | None:
    try:
        return int(request.match_info["case_id"])
    except (KeyError, ValueError):
        return None


def _detail(store: CaseStore, rules: PriorityRules, case_id: int) -> dict:
    case = store.get(case_id)
    data = case_to_dict(case, rules.priority(case), with_details=True)
    lines = store.transcript(case.conversation_id)
    data["transcript_available"] = lines is not None
    data["transcript"] = [{"at": (l.at.isoformat() + "Z") if l.at else None, "speaker": l.speaker,
                           "text": l.text} for l in (lines or [])]
    return data


@_db_guard
async def api_case(request: web.Request) -> web.Response:
    denied = await _guard_json(request)
    if denied is not None:
        return denied
    case_id = _case_id(request)
    if case_id is None:
        return _error("numéro de dossier invalide", 400)
    try:
        data = await _run(_detail, _store(request), _rules(request), case_id)
    except InputError as exc:
        return _error(str(exc), 404)
    return _json(data)


async def _json_body(request: web.Request) -> dict:
    if request.content_type != "application/json":
        raise InputError("format attendu : JSON")
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise InputError("JSON illisible") from None
    if not isinstance(body, dict):
        raise InputError("JSON illisible")
    return body


async def _change_case(request: web.Request, change) -> web.Response:
    """A staff change to one case (status, note): same guards, then `change(store, case_id, body)`."""
    denied = await _guard_json(request)
    if denied is not None:
        return denied
    if not _same_origin(request):
        return _error("Requête refusée (origine inconnue).", 403)
    case_id = _case_id(request)
    if case_id is None:
        return _error("numéro de dossier invalide", 400)
    try:
        body = await _json_body(request)
        body["_author"] = await _author(request)     # a login, or None for the shared password
        store = _store(request)
        await _run(change, store, case_id, body)
        data = await _run(_detail, store, _rules(request), case_id)
    except InputError as exc:
        return _error(str(exc), 404 if "introuvable" in str(exc) else 400)
    return _json(data)


def _set_status(store, case_id: int, body: dict) -> None:
    note = body.get("note")
    store.set_status(case_id, str(body.get("status") or ""), str(note) if note else None,
                     author=_author_of(body))


def _author_of(body: dict) -> str | None:
    author = body.get("_author")
    return author if isinstance(author, str) else None


def _add_note(store, case_id: int, body: dict) -> None:
    store.add_note(case_id, str(body.get("text") or ""), author=_author_of(body))


@_db_guard
async def api_status(request: web.Request) -> web.Response:
    return await _change_case(request, _set_status)


@_db_guard
async def api_note(request: web.Request) -> web.Response:
    return await _change_case(request, _add_note)


@_db_guard
async def export_csv(request: web.Request) -> web.StreamResponse:
    """The whole filtered queue, written 500 cases at a time (never every case in memory)."""
    flt = await _guarded_filter(request)
    if isinstance(flt, web.Response):
        return flt
    pieces = await _run(lambda: csv_chunks(iter_queue(_store(request), flt, _rules(request))))
    first = await _run(next, pieces, b"")      # the sort and the first chunk: errors still a 503
    headers = dict(SECURITY_HEADERS)
    headers["Content-Disposition"] = 'attachment; filename="file-de-tri-fitn7.csv"'
    headers["Content-Type"] = "text/csv; charset=utf-8"
    response = web.StreamResponse(headers=headers)
    await response.prepare(request)
    await response.write(first)
    while True:
        piece = await _run(next, pieces, None)
        if piece is None:
            break
        await response.write(piece)
    await response.write_eof()
    return response


@_db_guard_page
async def dashboard_page(request: web.Request) -> web.Response:
    """/triage/tableau-de-bord (issue 14, part 2): figures of a period, server-drawn SVG + tables."""
    from assistant.helpdesk import dashboard

    if not await _is_open(request):
        return _closed_page()
    if not await _authenticated(request):
        return _login_page(accounts=await _accounts(request), status=401)
    try:
        period = dashboard.Period.from_mapping(request.query)
    except InputError as exc:
        return _page("Tableau de bord", '<h1>Tableau de bord du helpdesk</h1>'
                     f'<p class="error" role="alert">Période illisible : {_text(str(exc))}.</p>'
                     '<p><a href="/triage/tableau-de-bord">Revenir aux 30 derniers jours</a></p>',
                     status=400)
    board = await _run(dashboard.compute, _store(request), period)
    return _page("Tableau de bord", dashboard.render_html(board))


@_db_guard
async def dashboard_csv(request: web.Request) -> web.Response:
    from assistant.helpdesk import dashboard

    denied = await _guard_json(request)
    if denied is not None:
        return denied
    try:
        period = dashboard.Period.from_mapping(request.query)
    except InputError as exc:
        return _error(str(exc), 400)
    board = await _run(dashboard.compute, _store(request), period)
    headers = dict(SECURITY_HEADERS)
    headers["Content-Disposition"] = (f'attachment; filename="tableau-de-bord-fitn7-'
                                      f'{period.since.isoformat()}-{period.until.isoformat()}.csv"')
    return web.Response(body=dashboard.to_csv(board), headers=headers,
                        content_type="text/csv", charset="utf-8")


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ("triage.js", "triage.css"):
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC_DIR / name, headers={"X-Content-Type-Options": "nosniff",
                                                        "Cache-Control": "no-cache"})


def setup(app: web.Application, *, store: CaseStore | None = None,
          settings: TriageSettings | None = None) -> None:
    """Add the triage routes to `app`. `store` and `settings` default to DATABASE_URL and the
    environment (tests pass their own)."""
    app[STATE] = TriageState(settings=settings or TriageSettings.from_env(), store=store)
    app.router.add_get("/triage", page)
    app.router.add_get("/triage/", page)
    app.router.add_post("/triage/login", login)
    app.router.add_post("/triage/logout", logout)
    app.router.add_get("/triage/api/cases", api_cases)
    app.router.add_get("/triage/api/cases/{case_id}", api_case)
    app.router.add_post("/triage/api/cases/{case_id}/status", api_status)
    app.router.add_post("/triage/api/cases/{case_id}/notes", api_note)
    app.router.add_get("/triage/export.csv", export_csv)
    app.router.add_get("/triage/tableau-de-bord", dashboard_page)
    app.router.add_get("/triage/tableau-de-bord.csv", dashboard_csv)
    app.router.add_get("/triage/static/{name}", static)
