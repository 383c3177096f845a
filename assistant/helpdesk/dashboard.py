"""The helpdesk dashboard (issue 14, part 2): figures over a period, drawn as SVG by the server.

    from assistant.helpdesk.dashboard import Period, compute, render_html, to_csv
    board = compute(store, Period.from_mapping(request.query))

Every figure is an SQL aggregate (COUNT, GROUP BY, conditional SUM) over the case tables, the
satisfaction answers and Rasa's tracker-store table `events`; no case is loaded into Python.

Definitions (written here and on the page):
- period: from `since` to `until` inclusive, days in Paris time (default: the last 30 days);
  cases (and their hand-offs) count by the case's creation date, answers by theirs, Rasa events
  by their timestamp;
- conversations: distinct Rasa senders that wrote at least one message in the period (without an
  `events` table: the cases of the period, one per conversation);
- containment rate: conversations whose case reached a verdict without a hand-off, over the
  conversations of the period (a second project's case, "#projet-N", is not counted twice);
- fallback rate: runs of the fallback action over the user messages of the period. The domain
  sends both the NLU fallback (intent `nlu_fallback`, data/rules.yml) and the core fallback
  (config.yml `core_fallback_action_name`) to `action_fallback` ("je n'ai pas compris");
  Rasa's own `action_default_fallback` and `utter_default` are counted too, should a later
  configuration use them;
- satisfaction: the share of "Oui" among the answers to "Cette réponse vous a-t-elle aidé ?".
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, OperationalError, ProgrammingError

from .cases import CaseStore, cases_table, feedback_table
from .triage import (CSV_DELIMITER, PARIS, _csv_safe, _paris_midnight_utc, _parse_date,
                     eligibility_cell, fmt_time, sub_axis_short_label)
from ..errors import InputError
from ..fmt import NBSP, integer

DEFAULT_DAYS = 30
MAX_DAYS = 3660                 # ten years: beyond, the period is surely a typing error
FALLBACK_ACTIONS = ("action_fallback", "action_default_fallback", "utter_default")
TOP_REASONS = 5
TOP_DEPARTMENTS = 15            # bars drawn; the table lists every département
LATEST_COMMENTS = 10
UNKNOWN_DEPARTMENT = "inconnu"


@dataclass
class Period:
    since: dt.date
    until: dt.date

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], today: dt.date | None = None) -> "Period":
        today = today or dt.datetime.now(PARIS).date()
        until = _parse_date((data.get("until") or "").strip() or None, "« jusqu'au »") or today
        since = _parse_date((data.get("since") or "").strip() or None, "« depuis le »") or \
            until - dt.timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            raise InputError("la date de début est après la date de fin")
        if (until - since).days >= MAX_DAYS:
            raise InputError("période trop longue : dix ans au plus")
        return cls(since, until)

    @property
    def start(self) -> dt.datetime:          # naive UTC, as stored
        return _paris_midnight_utc(self.since)

    @property
    def end(self) -> dt.datetime:            # exclusive
        return _paris_midnight_utc(self.until + dt.timedelta(days=1))

    def epoch(self) -> tuple[float, float]:
        return (self.start.replace(tzinfo=dt.timezone.utc).timestamp(),
                self.end.replace(tzinfo=dt.timezone.utc).timestamp())

    def label(self) -> str:
        return f"du {self.since:%d/%m/%Y} au {self.until:%d/%m/%Y}"

    def query(self) -> str:
        return f"since={self.since.isoformat()}&until={self.until.isoformat()}"


@dataclass
class Figure:
    """One chart and its table: rows of (label, count); `total` is the base of the shares."""
    key: str
    title: str
    description: str
    rows: list[tuple[str, int]]
    total: int
    unit: str = "dossiers"
    percent_only: bool = False      # a rate: one bar out of 100 %

    def share(self, value: int) -> float | None:
        return (value / self.total) if self.total else None


@dataclass
class Dashboard:
    period: Period
    conversations: int
    conversations_source: str            # "events" | "cases"
    user_messages: int | None
    fallbacks: int | None
    contained: int
    cases: int
    feedback_total: int
    feedback_helpful: int
    figures: list[Figure] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)

    @property
    def containment_rate(self) -> float | None:
        return min(1.0, self.contained / self.conversations) if self.conversations else None

    @property
    def fallback_rate(self) -> float | None:
        if not self.user_messages or self.fallbacks is None:
            return None
        return min(1.0, self.fallbacks / self.user_messages)

    @property
    def satisfaction_rate(self) -> float | None:
        return self.feedback_helpful / self.feedback_total if self.feedback_total else None


def percent(value: float | None) -> str:
    """French: "42,5 %" (no-break space), "—" when there is nothing to divide."""
    if value is None:
        return "—"
    text = f"{value * 100:.1f}".replace(".", ",")
    if text.endswith(",0"):
        text = text[:-2]
    return f"{text}{NBSP}%"


# --------------------------------------------------------------------------- SQL

def _events(store: CaseStore) -> sa.Table | None:
    cached = getattr(store, "_dashboard_events", None)
    if cached is not None:
        return cached
    try:
        table = sa.Table("events", sa.MetaData(), autoload_with=store.engine)
    except (NoSuchTableError, OperationalError, ProgrammingError):
        return None          # not cached: Rasa may create it later
    if not all(c in table.c for c in ("sender_id", "type_name", "timestamp", "action_name")):
        return None
    store._dashboard_events = table
    return table


def compute(store: CaseStore, period: Period) -> Dashboard:
    store._ensure()
    c, f = cases_table.c, feedback_table.c
    in_period = sa.and_(c.created_at >= period.start, c.created_at < period.end)
    first_project = sa.not_(c.conversation_id.like("%#projet-%"))
    events = _events(store)
    with store.engine.connect() as conn:
        # the cases of the period in one pass, grouped by what the figures count: at most
        # (verdicts x sub-axes x départements x 2 x 2) rows, summed below (never one row per case)
        groups = conn.execute(sa.select(
            c.eligibility, c.sub_axis, c.department, c.handoff_reason,
            sa.case((first_project, 1), else_=0).label("first"),
            sa.func.count().label("n"),
        ).where(in_period).group_by(c.eligibility, c.sub_axis, c.department, c.handoff_reason,
                                    "first")).all()
        cases = contained = case_conversations = 0
        elig_counts: dict = {}
        sub_counts: dict = {}
        dept_counts: dict = {}
        reason_counts: dict = {}
        for g in groups:
            cases += g.n
            if g.handoff_reason is not None:
                reason_counts[g.handoff_reason] = reason_counts.get(g.handoff_reason, 0) + g.n
            dept_counts[g.department] = dept_counts.get(g.department, 0) + g.n
            if g.first:
                case_conversations += g.n
                if g.eligibility is not None and g.handoff_reason is None:
                    contained += g.n
            if g.eligibility is not None:
                elig_counts[g.eligibility] = elig_counts.get(g.eligibility, 0) + g.n
                sub_counts[g.sub_axis] = sub_counts.get(g.sub_axis, 0) + g.n
        by_eligibility = list(elig_counts.items())
        by_sub_axis = list(sub_counts.items())
        by_department = sorted(dept_counts.items(), key=lambda kv: (-kv[1], kv[0] or "~"))
        handoffs = sum(reason_counts.values())
        reasons = sorted(reason_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
        fb_period = sa.and_(f.created_at >= period.start, f.created_at < period.end)
        feedback = conn.execute(
            sa.select(f.about, f.helpful, sa.func.count()).where(fb_period)
            .group_by(f.about, f.helpful)).all()
        comments = conn.execute(
            sa.select(f.created_at, f.about, f.faq_key, f.comment).where(fb_period)
            .where(f.comment.isnot(None)).order_by(f.created_at.desc(), f.id.desc())
            .limit(LATEST_COMMENTS)).all()
        conversations, source, user_messages, fallbacks = case_conversations, "cases", None, None
        if events is not None:
            e = events.c
            lo, hi = period.epoch()
            is_user = e.type_name == "user"
            ev = conn.execute(sa.select(
                sa.func.count(sa.distinct(sa.case((is_user, e.sender_id), else_=None))),
                sa.func.sum(sa.case((is_user, 1), else_=0)),
                sa.func.sum(sa.case((sa.and_(e.type_name == "action",
                                             e.action_name.in_(FALLBACK_ACTIONS)), 1), else_=0)),
            ).where(e.timestamp >= lo).where(e.timestamp < hi)).one()
            conversations, source = ev[0] or 0, "events"
            user_messages, fallbacks = ev[1] or 0, ev[2] or 0

    verdicts = sum(n for _, n in by_eligibility)
    fb_total = sum(n for _, _, n in feedback)
    fb_helpful = sum(n for _, helpful, n in feedback if helpful)
    board = Dashboard(period=period, conversations=conversations, conversations_source=source,
                      user_messages=user_messages, fallbacks=fallbacks, contained=contained,
                      cases=cases, feedback_total=fb_total, feedback_helpful=fb_helpful)
    order = {"eligible": 0, "to_confirm": 1, "not_eligible": 2}
    board.figures = [
        Figure("verdicts", "Verdicts par éligibilité",
               f"{integer(verdicts)} verdicts sur la période, répartis par éligibilité.",
               [(eligibility_cell(k), n) for k, n in sorted(by_eligibility, key=lambda r: order.get(r[0], 9))],
               verdicts, "verdicts"),
        Figure("sous-axes", "Verdicts par sous-axe",
               f"{integer(verdicts)} verdicts sur la période, répartis par sous-axe.",
               [(sub_axis_short_label(k) if k else "sous-axe non déterminé", n)
                for k, n in sorted(by_sub_axis, key=lambda r: (r[0] is None, r[0] or ""))],
               verdicts, "verdicts"),
        Figure("departements", "Dossiers par département",
               f"{integer(cases)} dossiers ouverts sur la période, par département "
               f"(les {TOP_DEPARTMENTS} premiers dessinés, tous dans le tableau).",
               [(k or UNKNOWN_DEPARTMENT, n) for k, n in by_department], cases),
        Figure("confinement", "Taux de résolution sans mise en relation",
               f"{integer(contained)} conversations sur {integer(conversations)} ont reçu un verdict "
               "sans mise en relation.",
               [("Verdict sans mise en relation", contained)], conversations, "conversations", True),
        Figure("repli", "Taux de réponses de repli",
               ("Aucun historique Rasa dans cette base : taux non disponible." if fallbacks is None else
                f"{integer(fallbacks)} réponses de repli (« je n'ai pas compris ») pour "
                f"{integer(user_messages or 0)} messages d'usagers."),
               [("Réponses de repli", fallbacks or 0)], user_messages or 0, "messages", True),
        Figure("mises-en-relation", "Motifs de mise en relation les plus fréquents",
               f"{integer(handoffs)} mises en relation sur la période ; les {TOP_REASONS} motifs "
               "les plus fréquents.",
               [(r or "—", n) for r, n in reasons], handoffs, "mises en relation"),
        Figure("satisfaction", "Satisfaction : « Cette réponse vous a-t-elle aidé ? »",
               f"{integer(fb_helpful)} « Oui » sur {integer(fb_total)} réponses, après un verdict "
               "ou une réponse aux questions fréquentes.",
               _satisfaction_rows(feedback), fb_total, "réponses"),
    ]
    board.comments = [{"at": fmt_time(r.created_at),
                       "about": "verdict" if r.about == "verdict" else "question fréquente",
                       "faq_key": r.faq_key, "comment": r.comment} for r in comments]
    return board


def _satisfaction_rows(feedback) -> list[tuple[str, int]]:
    counts = {(about, bool(helpful)): n for about, helpful, n in feedback}
    rows = []
    for about, label in (("verdict", "après un verdict"), ("faq", "après une question fréquente")):
        rows.append((f"Oui, {label}", counts.get((about, True), 0)))
        rows.append((f"Non, {label}", counts.get((about, False), 0)))
    return rows


# --------------------------------------------------------------------------- SVG

def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _short(text: str, size: int = 34) -> str:
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


BAR = "#000091"       # DSFR "bleu France": 15:1 on white
TRACK = "#e5e5f4"
INK = "#161616"


def svg_chart(fig: Figure) -> str:
    """A horizontal bar chart, role="img" with <title> and <desc> (the table next to it holds the
    same data); presentation attributes only, no style attribute (the triage CSP forbids inline
    styles)."""
    tid, did = f"svg-{fig.key}-titre", f"svg-{fig.key}-desc"
    label_w, bar_w, value_w, row_h, top = 250, 260, 110, 30, 8
    if fig.percent_only:
        rows = [(label, fig.share(n)) for label, n in fig.rows]
    else:
        rows = [(label, n) for label, n in fig.rows[:TOP_DEPARTMENTS]]
    height = top * 2 + row_h * max(1, len(rows))
    width = label_w + bar_w + value_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{tid} {did}" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart" focusable="false">',
             f'<title id="{tid}">{_e(fig.title)}</title>', f'<desc id="{did}">{_e(fig.description)}</desc>']
    if not rows:
        parts.append(f'<text x="0" y="{top + 20}" fill="{INK}" font-size="14">Aucune donnée sur la période.</text>')
    biggest = 1.0 if fig.percent_only else max([v for _, v in rows] + [1])
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        length = 0 if value is None else round(bar_w * value / biggest)
        shown = percent(value) if fig.percent_only else integer(value)
        parts.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" fill="{INK}" '
                     f'font-size="14">{_e(_short(label))}</text>')
        if fig.percent_only:
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="20" fill="{TRACK}"/>')
        if length:
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{length}" height="20" fill="{BAR}"/>')
        parts.append(f'<text x="{label_w + (bar_w if fig.percent_only else length) + 8}" y="{y + 19}" '
                     f'fill="{INK}" font-size="14">{_e(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table(fig: Figure) -> str:
    head = ('<tr><th scope="col">Libellé</th><th scope="col">Nombre</th>'
            f'<th scope="col">Part ({_e(fig.unit)})</th></tr>')
    body = []
    for label, n in fig.rows:
        body.append(f'<tr><th scope="row">{_e(label)}</th><td>{integer(n)}</td>'
                    f'<td>{percent(fig.share(n))}</td></tr>')
    if not body:
        body.append('<tr><td colspan="3">Aucune donnée sur la période.</td></tr>')
    body.append(f'<tr><th scope="row">Total ({_e(fig.unit)})</th><td>{integer(fig.total)}</td><td></td></tr>')
    return (f'<table class="figure-table"><caption>{_e(fig.title)} : données</caption>'
            f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>")


def render_html(board: Dashboard) -> str:
    """The body of /triage/tableau-de-bord (the page frame is web/triage.py's)."""
    p = board.period
    kpis = [
        ("Conversations", integer(board.conversations)),
        ("Dossiers", integer(board.cases)),
        ("Résolues sans mise en relation", percent(board.containment_rate)),
        ("Réponses de repli", percent(board.fallback_rate)),
        ("Satisfaction (« Oui »)", percent(board.satisfaction_rate)),
    ]
    source = ("Conversations : expéditeurs distincts des messages enregistrés par Rasa."
              if board.conversations_source == "events" else
              "Pas d'historique Rasa dans cette base : une conversation par dossier.")
    out = [f"""<div class="bar">
<h1>Tableau de bord du helpdesk</h1>
<p><a href="/triage">Revenir à la file de tri</a></p>
</div>
<form method="get" action="/triage/tableau-de-bord" class="filters" aria-label="Choisir la période">
  <div><label for="p-since">Du</label><input id="p-since" name="since" type="date" value="{p.since.isoformat()}"></div>
  <div><label for="p-until">Au (inclus)</label><input id="p-until" name="until" type="date" value="{p.until.isoformat()}"></div>
  <div class="actions"><button type="submit">Afficher la période</button>
  <a class="button secondary" href="/triage/tableau-de-bord.csv?{_e(p.query())}">Exporter ces chiffres en CSV</a></div>
</form>
<h2 id="periode">Période {_e(p.label())} (heure de Paris)</h2>
<dl class="kpis">"""]
    for label, value in kpis:
        out.append(f"<div><dt>{_e(label)}</dt><dd>{_e(value)}</dd></div>")
    out.append(f'</dl>\n<p class="hint">{_e(source)}</p>')
    for fig in board.figures:
        out.append(f'<section class="figure" aria-labelledby="h-{fig.key}">'
                   f'<h2 id="h-{fig.key}">{_e(fig.title)}</h2><p>{_e(fig.description)}</p>'
                   f'<div class="figure-body">{svg_chart(fig)}{table(fig)}</div></section>')
    out.append('<section class="figure" aria-labelledby="h-commentaires">'
               '<h2 id="h-commentaires">Derniers commentaires après un « Non »</h2>')
    if board.comments:
        out.append('<ul class="comments">')
        for c in board.comments:
            what = c["about"] + (f" ({c['faq_key']})" if c["faq_key"] else "")
            out.append(f"<li><span class=\"who\">{_e(c['at'])} – {_e(what)} :</span> {_e(c['comment'])}</li>")
        out.append("</ul>")
    else:
        out.append("<p>Aucun commentaire sur la période.</p>")
    out.append("</section>")
    return "\n".join(out)


# --------------------------------------------------------------------------- CSV

def to_csv(board: Dashboard) -> bytes:
    """The figures as CSV, like the queue's: UTF-8 with BOM, `;`, CRLF, decimal comma, one row
    per value: Indicateur ; Libellé ; Nombre ; Part (%) ; Total."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    w.writerow(["Indicateur", "Libellé", "Nombre", "Part (%)", "Total"])
    p = board.period
    w.writerow(["Période", p.label(), "", "", ""])

    def pct(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.1f}".replace(".", ",")

    w.writerow(["Conversations", "", board.conversations, "", ""])
    w.writerow(["Dossiers", "", board.cases, "", ""])
    for fig in board.figures:
        for label, n in fig.rows:
            w.writerow([_csv_safe(fig.title), _csv_safe(label), n, pct(fig.share(n)), fig.total])
    for c in board.comments:
        w.writerow(["Commentaire après un « Non »",
                    _csv_safe(f"{c['at']} – {c['about']} : {c['comment'] or ''}"), "", "", ""])
    return buf.getvalue().encode("utf-8-sig")
