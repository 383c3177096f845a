"""The helpdesk queue (issue 5): filters, priority from the selection criteria, CSV export.

Pure domain: no aiohttp, no Rasa. The weights are data in knowledge/triage.yml (each citing the
rules text); `priority(case)` returns the sort key and the reasons shown to staff.

Queue order (lexicographic):
  1. open cases (nouveau, en cours) before closed ones (traité);
  2. tier: a human is needed (hand-off, "to_confirm" or no verdict yet) < eligible < not eligible;
  3. score, highest first: size of the collectivity (small and medium first) + number of agents
     or users concerned;
  4. oldest case first (first come, first served).

CSV: UTF-8 with BOM, `;` as separator. French spreadsheet software (Excel with a French locale,
LibreOffice by default in fr_FR) uses the comma as the decimal separator and `;` as the list
separator: a `;` file opens in columns on a double click, a `,` file opens in one column. Amounts
are written with a decimal comma for the same reason.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .cases import STATUSES, Case, CaseStore, cases_table, normalize_status
from ..errors import InputError
from ..fmt import eur
from ..eligibility.knowledge import load_cached
from ..eligibility import labels

try:
    PARIS = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # no tz database on this system (no tzdata): CET without summer time
    PARIS = dt.timezone(dt.timedelta(hours=1), "CET")
ELIGIBILITIES = labels.ELIGIBILITY_LABELS   # the engine's words (knowledge/labels.yml)
SUB_AXES = tuple(labels.SUB_AXIS_LABELS)
CSV_DELIMITER = ";"
_DEPT = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-8]|98[4-9])$")


NO_VALUE = "—"            # shown for an unknown or missing code
SHORT_SUB_AXIS_CHARS = 42  # description part of the short sub-axis label (narrow table column)


def eligibility_cell(code: str | None) -> str:
    """ "à confirmer"; "pas encore évalué" without a verdict; "—" for an unknown code."""
    if not code:
        return "pas encore évalué"
    return labels.eligibility_label(code) or NO_VALUE


# The labels below are the engine's (assistant/eligibility/labels.py), computed from the codes stored in the
# case (the case table keeps codes only): same wording as the chat, the widget and the summary.

def sub_axis_cell(code: str | None) -> str:
    """The engine's label ("3b (formation au numérique des agents)"); "—" for None or unknown."""
    return labels.sub_axis_label(code) or NO_VALUE


def sub_axis_short_label(code: str | None, limit: int = SHORT_SUB_AXIS_CHARS) -> str:
    """The engine's label for a narrow column: "3b – formation au numérique des agents", the
    description cut at a word boundary with "…" beyond `limit` characters; "—" as above."""
    full = sub_axis_cell(code)
    match = re.fullmatch(r"(\S+) \((.+)\)", full)
    if not match:
        return full
    head, text = match.groups()
    if len(text) > limit:
        text = text[:limit + 1].rsplit(" ", 1)[0].rstrip(" ,;") + "…"
    return f"{head} – {text}"


def type_cell(applicant_type: str | None, epci_type: str | None = None) -> str:
    """The engine's name of a kind of collectivity ("commune", "communauté de communes" when the
    EPCI's kind is known, else "groupement de collectivités (EPCI)"); "—" for None or an unknown code."""
    return labels.type_label(applicant_type, epci_type) or NO_VALUE


def case_type_label(case: Case) -> str:
    # The EPCI's kind (CC, CA…) is kept since migration 0002; an older EPCI case reads "EPCI".
    return type_cell(case.collectivity_type, case.collectivity_epci_type)


def local_time(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(PARIS)


def fmt_time(value: dt.datetime | None) -> str:
    local = local_time(value)
    return local.strftime("%d/%m/%Y %H:%M") if local else ""


# --------------------------------------------------------------------------- priority

@dataclass
class Reason:
    label: str
    points: int | None
    section: str
    quote: str
    rule_id: str

    def to_dict(self) -> dict:
        return {"label": self.label, "points": self.points, "rule": self.rule_id,
                "source": {"section": self.section, "quote": self.quote}}

    def short(self) -> str:
        """The label and its points: "Petite commune (+2)"."""
        return self.label if self.points is None else f"{self.label} (+{self.points})"

    def text(self) -> str:
        return f"{self.short()} — « {self.quote} » ({self.section})"


@dataclass
class Priority:
    open_rank: int
    tier_rank: int
    tier_label: str
    score: int
    reasons: list[Reason] = field(default_factory=list)

    identified: bool = True

    def sort_key(self, case: Case) -> tuple:
        # a conversation that never named its collectivity (a flood, a test, an injected
        # hand-off) comes after every identified open case, whatever its tier
        return (self.open_rank, 0 if self.identified else 1, self.tier_rank, -self.score,
                case.created_at, case.id)

    def to_dict(self) -> dict:
        return {"tier": self.tier_rank, "tier_label": self.tier_label, "score": self.score,
                "reasons": [r.to_dict() for r in self.reasons]}

    def summary(self) -> str:
        return " ; ".join(r.text() for r in self.reasons)


class PriorityRules:
    """knowledge/triage.yml in force on a date."""

    def __init__(self, data: Mapping, on: dt.date | None = None):
        from ..eligibility.knowledge import in_force

        on = on or dt.date.today()
        self.tiers = [t for t in data["tiers"] if in_force(t, on)]
        self.size = [s for s in data["size"] if in_force(s, on)]
        self.beneficiaries = sorted((b for b in data["beneficiaries"] if in_force(b, on)),
                                    key=lambda b: -b["min_count"])

    @classmethod
    def default(cls) -> "PriorityRules":
        return cls(load_cached("triage.yml"))

    @staticmethod
    def _reason(entry: Mapping, points: int | None) -> Reason:
        src = entry["source"]
        return Reason(entry["label"], points, src.get("section", src.get("document", "")),
                      src["quote"], entry["id"])

    def _tier(self, case: Case) -> Mapping:
        for tier in self.tiers:
            when = tier.get("when", {})
            if when.get("handoff") and case.handoff_reason:
                return tier
            if case.eligibility in (when.get("eligibility") or []):
                return tier
        return self.tiers[0]  # an unknown verdict is better seen by a human first

    def _size(self, case: Case) -> Mapping | None:
        for entry in self.size:
            if entry.get("unknown"):
                if case.population is None:
                    return entry
                continue
            if case.population is None:
                continue
            limit = entry.get("max_population")
            if limit is None or case.population <= limit:
                return entry
        return None

    def priority(self, case: Case) -> Priority:
        tier = self._tier(case)
        first = self._reason(tier, None)
        why = []
        if case.handoff_reason:
            why.append("mise en relation demandée")
        if case.eligibility == "to_confirm":
            why.append("verdict à confirmer")
        elif case.eligibility is None:
            why.append("pas encore évalué")
        if why and int(tier["rank"]) == 0:
            first.label = f"{first.label} ({', '.join(why)})"
        reasons = [first]
        score = 0
        size = self._size(case)
        if size:
            score += int(size["points"])
            reasons.append(self._reason(size, int(size["points"])))
        counts = [c for c in (case.agents_count, case.users_count) if c is not None]
        if counts:
            n = max(counts)
            for entry in self.beneficiaries:
                if n >= entry["min_count"]:
                    score += int(entry["points"])
                    reasons.append(self._reason(entry, int(entry["points"])))
                    break
        open_rank = 1 if case.status == "traite" else 0
        identified = bool(case.collectivity_code or case.collectivity_name)
        if not identified:
            # interpretation (issue 13): the guichet serves collectivities; a request that names
            # none cannot be assessed, so it waits behind the identified ones
            reasons.append(Reason("Collectivité non identifiée : après les demandes identifiées", None,
                                  first.section, first.quote, "triage_unidentified"))
        return Priority(open_rank, int(tier["rank"]), tier["label"], score, reasons, identified)


# --------------------------------------------------------------------------- filters

def _parse_date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError(f"date « {text} » illisible pour {name} : écrire AAAA-MM-JJ ou JJ/MM/AAAA")


def normalize_department(value: Any) -> str | None:
    if value in (None, ""):
        return None
    code = str(value).strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    if not _DEPT.match(code):
        raise InputError(f"département « {value} » inconnu : donner son numéro (72, 2A, 974…)")
    return code


def _paris_midnight_utc(day: dt.date) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=PARIS)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


@dataclass
class Filter:
    department: str | None = None
    sub_axis: str | None = None
    eligibility: str | None = None
    status: str | None = None
    since: dt.date | None = None   # case created on or after this day (Paris time)
    until: dt.date | None = None   # case created on or before this day (Paris time)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Filter":
        """From query parameters or CLI options; raises InputError with a French message."""
        def get(key):
            value = data.get(key)
            return value.strip() if isinstance(value, str) else value

        sub_axis = get("sub_axis") or None
        if sub_axis and str(sub_axis).lower() not in SUB_AXES:
            raise InputError(f"sous-axe « {sub_axis} » inconnu : choisir 3a, 3b ou 3c")
        eligibility = get("eligibility") or None
        if eligibility and eligibility not in ELIGIBILITIES:
            raise InputError(f"éligibilité « {eligibility} » inconnue : choisir eligible, "
                             "to_confirm ou not_eligible")
        status = get("status") or None
        f = cls(
            department=normalize_department(get("department")),
            sub_axis=str(sub_axis).lower() if sub_axis else None,
            eligibility=eligibility,
            status=normalize_status(status) if status else None,
            since=_parse_date(get("since"), "« depuis le »"),
            until=_parse_date(get("until"), "« jusqu'au »"),
        )
        if f.since and f.until and f.since > f.until:
            raise InputError("la date de début est après la date de fin")
        return f

    def conditions(self) -> list:
        c = cases_table.c
        out = []
        if self.department:
            out.append(c.department == self.department)
        if self.sub_axis:
            out.append(c.sub_axis == self.sub_axis)
        if self.eligibility:
            out.append(c.eligibility == self.eligibility)
        if self.status:
            out.append(c.status == self.status)
        if self.since:
            out.append(c.created_at >= _paris_midnight_utc(self.since))
        if self.until:
            out.append(c.created_at < _paris_midnight_utc(self.until + dt.timedelta(days=1)))
        return out

    def to_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in self.__dict__.items() if v is not None}


@dataclass
class QueueItem:
    case: Case
    priority: Priority


def queue(store: CaseStore, flt: Filter | None = None,
          rules: PriorityRules | None = None) -> list[QueueItem]:
    rules = rules or PriorityRules.default()
    items = [QueueItem(c, rules.priority(c)) for c in store.select((flt or Filter()).conditions())]
    items.sort(key=lambda it: it.priority.sort_key(it.case))
    return items


def _ordered_light(store: CaseStore, flt: Filter | None, rules: PriorityRules) -> list[QueueItem]:
    items = [QueueItem(c, rules.priority(c)) for c in store.select_light((flt or Filter()).conditions())]
    items.sort(key=lambda it: it.priority.sort_key(it.case))
    return items


def queue_page(store: CaseStore, flt: Filter | None = None, rules: PriorityRules | None = None,
               page: int = 1, per_page: int = 100) -> tuple[int, list[QueueItem]]:
    """(number of matching cases, the items of one page, full): the sort reads the short columns
    only; the long texts are read for the page's cases only."""
    rules = rules or PriorityRules.default()
    ordered = _ordered_light(store, flt, rules)
    start = (max(1, page) - 1) * per_page
    window = ordered[start:start + per_page]
    full = store.select_ids([it.case.id for it in window])
    return len(ordered), [QueueItem(full[it.case.id], it.priority) for it in window if it.case.id in full]


def iter_queue(store: CaseStore, flt: Filter | None = None, rules: PriorityRules | None = None,
               chunk: int = 500) -> Iterable[list[QueueItem]]:
    """The whole queue in order, `chunk` full cases at a time (the CSV export)."""
    rules = rules or PriorityRules.default()
    ordered = _ordered_light(store, flt, rules)
    for i in range(0, len(ordered), chunk):
        window = ordered[i:i + chunk]
        full = store.select_ids([it.case.id for it in window])
        yield [QueueItem(full[it.case.id], it.priority) for it in window if it.case.id in full]


# --------------------------------------------------------------------------- rendering

def conversation_ref(conversation_id: str) -> str:
    """A short reference to quote to an administrator (who can find the conversation from it),
    never the conversation id itself: that id would let its holder continue the conversation."""
    return "conv-" + hashlib.sha256((conversation_id or "").encode("utf-8")).hexdigest()[:12]


def case_to_dict(case: Case, prio: Priority | None = None, with_details: bool = False) -> dict:
    out = {
        "id": case.id,          # the case number; never the conversation id (a bearer token)
        "channel": case.channel,
        "created_at": fmt_time(case.created_at),
        "updated_at": fmt_time(case.updated_at),
        "created_at_iso": local_time(case.created_at).isoformat(),
        "status": case.status,
        "status_label": case.status_label,
        "collectivity": {"code": case.collectivity_code, "name": case.collectivity_name,
                         "type": case.collectivity_type, "type_label": case_type_label(case),
                         "population": case.population, "department": case.department},
        "sub_axis": case.sub_axis,
        "sub_axis_label": sub_axis_cell(case.sub_axis),
        "sub_axis_short_label": sub_axis_short_label(case.sub_axis),
        "eligibility": case.eligibility,
        "eligibility_label": eligibility_cell(case.eligibility),
        "amount": {"kind": case.amount_kind, "eur": case.amount_eur,
                   "text": eur(case.amount_eur) if case.amount_eur is not None else "",
                   "explanation": case.amount_explanation},
        "agents_count": case.agents_count,
        "users_count": case.users_count,
        "handoff_reason": case.handoff_reason,
        "description": case.description,
        "dossier": ({"number": case.dossier_number, "id": case.dossier_id, "url": case.dossier_url,
                     "prefilled_at": fmt_time(case.prefilled_at)} if case.dossier_number else None),
    }
    if prio:
        out["priority"] = prio.to_dict()
    if with_details:
        out.update({
            "budget_eur": case.budget_eur,
            "budget_text": eur(case.budget_eur) if case.budget_eur is not None else "",
            "findings": case.findings,
            "missing": case.missing,
            "summary": case.summary,
            "handoff_at": fmt_time(case.handoff_at),
            "assessed_at": fmt_time(case.assessed_at),
            "notes": [{"at": fmt_time(n.created_at), "kind": n.kind, "text": n.text,
                       "old_status": STATUSES.get(n.old_status or "", n.old_status),
                       "new_status": STATUSES.get(n.new_status or "", n.new_status),
                       "author": n.author_label}
                      for n in case.notes],
        })
    return out


CSV_COLUMNS = [
    ("rang", "Rang"), ("id", "Dossier"), ("created_at", "Reçu le"), ("channel", "Canal"),
    ("status", "Statut"), ("department", "Département"), ("collectivity_code", "Code INSEE"),
    ("collectivity_name", "Collectivité"), ("collectivity_type", "Type"),
    ("population", "Population"), ("sub_axis", "Sous-axe"), ("eligibility", "Éligibilité"),
    ("amount", "Montant (€)"), ("agents_count", "Agents"), ("users_count", "Utilisateurs"),
    ("handoff_reason", "Mise en relation"), ("priority", "Priorité"),
    ("priority_reasons", "Raisons de la priorité"), ("missing", "Encore à préciser"),
    ("description", "Description du projet"), ("conversation_ref", "Conversation"),
    # Labels of the code columns "Type" and "Sous-axe", appended so that the columns above keep
    # their positions for anyone importing the file ("Éligibilité" already holds the label).
    ("collectivity_type_label", "Type (libellé)"), ("sub_axis_label", "Sous-axe (libellé)"),
    # issue 14: the demarches-simplifiees dossier prefilled from the conversation, and the last
    # staff member (login; "équipe" under the shared password) who wrote on the case
    ("dossier_number", "Dossier démarches-simplifiées"), ("last_author", "Dernière intervention par"),
]


def _decimal(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".replace(".", ",")


def csv_rows(items: Iterable[QueueItem], header: bool = True, start: int = 1) -> Iterable[list[str]]:
    if header:
        yield [label for _, label in CSV_COLUMNS]
    for rank, it in enumerate(items, start=start):
        c, p = it.case, it.priority
        row = {
            "rang": rank, "id": c.id, "created_at": fmt_time(c.created_at), "channel": c.channel,
            "status": c.status_label, "department": c.department or "",
            "collectivity_code": c.collectivity_code or "",
            "collectivity_name": c.collectivity_name or "",
            "collectivity_type": c.collectivity_type or "",
            "population": "" if c.population is None else c.population,
            "sub_axis": c.sub_axis or "", "eligibility": eligibility_cell(c.eligibility),
            "amount": _decimal(c.amount_eur),
            "agents_count": "" if c.agents_count is None else c.agents_count,
            "users_count": "" if c.users_count is None else c.users_count,
            "handoff_reason": c.handoff_reason or "",
            "priority": f"{p.tier_label} — score {p.score}",
            "priority_reasons": p.summary(), "missing": ", ".join(c.missing or []),
            "description": c.description or "", "conversation_ref": conversation_ref(c.conversation_id),
            "collectivity_type_label": case_type_label(c),
            "sub_axis_label": sub_axis_cell(c.sub_axis),
            "dossier_number": c.dossier_number or "",
            "last_author": c.last_author or "",
        }
        yield [_csv_safe(str(row[key])) for key, _ in CSV_COLUMNS]


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection): prefix with an apostrophe."""
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False


def csv_chunks(chunks: Iterable[list[QueueItem]]) -> Iterable[bytes]:
    """The export piece by piece (same bytes as to_csv of the concatenated items)."""
    rank = 1
    first = True
    for items in chunks:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=CSV_DELIMITER, lineterminator="\r\n")
        writer.writerows(csv_rows(items, header=first, start=rank))
        yield buf.getvalue().encode("utf-8-sig" if first else "utf-8")
        first = False
        rank += len(items)
    if first:
        yield to_csv([])


def to_csv(items: Iterable[QueueItem]) -> bytes:
    """The export as bytes: UTF-8 with BOM, `;`, CRLF line ends (what spreadsheets expect)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerows(csv_rows(items))
    return buf.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- staff password

# OWASP's password storage cheat sheet (2024): scrypt N=2^17, r=8, p=1 (128 MiB per hash)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 17, 8, 1
SCRYPT_MAXMEM = 256 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt:N:r:p:salt:hash` (hashlib.scrypt, base64) for TRIAGE_PASSWORD_HASH. Colons, not
    dollars, so that the value needs no quoting in .env or a shell."""
    if not password:
        raise InputError("mot de passe vide")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, dklen=32, maxmem=SCRYPT_MAXMEM)
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}:{_b64(salt)}:{_b64(digest)}"


def _hash_parts(stored: str) -> list[str]:
    stored = (stored or "").strip()
    return stored.split("$" if "$" in stored else ":")


def check_hash_format(stored: str) -> bool:
    parts = _hash_parts(stored)
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            int(parts[1]), int(parts[2]), int(parts[3])
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            int(parts[1])
        else:
            return False
        base64.b64decode(parts[-2], validate=True)
        base64.b64decode(parts[-1], validate=True)
        return True
    except (ValueError, TypeError):
        return False


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check against `scrypt:N:r:p:salt:hash` or `pbkdf2_sha256:iterations:salt:hash`
    (`$` accepted as separator too); False on any malformed input."""
    if not password or not check_hash_format(stored):
        return False
    parts = _hash_parts(stored)
    salt, expected = base64.b64decode(parts[-2]), base64.b64decode(parts[-1])
    try:
        if parts[0] == "scrypt":
            n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                                    dklen=len(expected), maxmem=SCRYPT_MAXMEM)
        else:
            digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt,
                                         int(parts[1]), dklen=len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest, expected)
