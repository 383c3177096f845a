"""The simulated user of issue 11: plays the HELD-OUT sets against the real stack and scores them.

    .venv/bin/python scripts/eval_conversations.py                 # starts the stack (tests/stack.py)
    .venv/bin/python scripts/eval_conversations.py --url http://127.0.0.1:5005   # a running Rasa (--enable-api)
    make -o .venv/.installed eval-conversations

Sets (never trained on, see tests/conversations/README.md):
- tests/conversations/scenarios.yml: for each scenario, send `first` over the REST channel
  (POST /webhooks/rest/webhook), read the pending question from the tracker
  (GET /conversations/<id>/tracker, slot `pending_question`), answer it from `facts` (an input absent
  from `facts` gets "je ne sais pas"), ask the `mid` procedure question before the n-th answer (its
  reply must carry the expected FAQ answer, no verdict, and leave the same question pending), stop at
  the verdict (a reply carrying {"assessment": …}, or the `assessment` slot with an eligibility and
  nothing left to ask) or after --max-turns turns, then play each `after` message the same way.
  A scenario passes when every verdict has the expected eligibility, sub-axis and amount (for a
  "not eligible", only the eligibility is compared: no amount or volet is offered then).
- tests/faq/heldout.yml: one question per new conversation; the reply must contain the answer text of
  the expected entry of knowledge/faq.yml, and no verdict.

Prints success rates per class and per style, the overall rate, the failing ids and the FAQ accuracy,
writes a JSON report (default results/eval_conversations.json) and exits 1 when the conversation rate
is below --goal (default 0.95), 2 when the stack could not be started or the sets could not be read.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures as cf
import json
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCENARIOS = ROOT / "tests" / "conversations" / "scenarios.yml"
FAQ_SET = ROOT / "tests" / "faq" / "heldout.yml"
FAQ_KB = ROOT / "knowledge" / "faq.yml"
REPORT = ROOT / "results" / "eval_conversations.json"
DONT_KNOW = "je ne sais pas"
COLLECTIVITY = "bons chiffres mais pour la collectivité"
HTTP_TIMEOUT = 120
MAX_REPEATS = 4            # the same question asked again after this many answers: the bot loops, stop


# ------------------------------------------------------------------ HTTP


class Bot:
    """The Rasa server seen by one simulated user (one conversation id)."""

    def __init__(self, url: str, sender: str):
        self.url = url.rstrip("/")
        self.sender = sender
        self.transcript: list[dict] = []

    def _request(self, path: str, payload: dict | None = None):
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        req = urllib.request.Request(self.url + path, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            return json.loads(resp.read().decode("utf-8") or "null")

    def say(self, text: str) -> list[dict]:
        msgs = self._request("/webhooks/rest/webhook", {"sender": self.sender, "message": text}) or []
        self.transcript.append({"user": text, "bot": [m.get("text") for m in msgs if m.get("text")],
                                "custom": [m.get("custom") for m in msgs if m.get("custom")]})
        return msgs

    def slots(self) -> dict:
        sender = urllib.parse.quote(self.sender, safe="")
        tracker = self._request(f"/conversations/{sender}/tracker?include_events=NONE") or {}
        return tracker.get("slots") or {}


# ------------------------------------------------------------------ reading the bot's answers


def verdict_in(msgs: list[dict]) -> dict | None:
    """The last assessment a reply carries (the verdict message's custom payload, or the what-if
    answer's), or None."""
    found = None
    for m in msgs:
        custom = m.get("custom")
        if not isinstance(custom, dict):
            continue
        # a what-if answers {"what_if": {"changes", "assessment"}} (actions/actions.py what_if): its
        # assessment is the verdict under the hypothesis, the first one stays in the slot
        what_if = custom.get("what_if")
        for a in (custom.get("assessment"), what_if.get("assessment") if isinstance(what_if, dict) else None):
            if isinstance(a, dict) and a.get("eligibility"):
                found = a
    return found


def verdict_in_slots(slots: dict) -> dict | None:
    """The `assessment` slot when it is a verdict: an eligibility and nothing left to ask."""
    a = slots.get("assessment")
    if not isinstance(a, dict) or not a.get("eligibility") or slots.get("pending_question"):
        return None
    skipped = set(a.get("_skipped") or [])
    left = [m for m in a.get("missing") or [] if m not in skipped]
    return a if not left else None


def _norm(text: str) -> str:
    text = (text or "").replace("\u202f", " ").replace("\xa0", " ").replace("’", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def load_faq_answers(path: Path = FAQ_KB) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {e["id"]: _norm(e.get("answer") or "") for e in data.get("faq") or []}


def faq_answered(msgs: list[dict], answers: dict[str, str]) -> list[str]:
    """The FAQ ids whose answer text appears in the replies (in reply order)."""
    texts = [_norm(m.get("text") or "") for m in msgs]
    out = []
    for t in texts:
        for fid, ans in answers.items():
            if ans and ans in t and fid not in out:
                out.append(fid)
    return out


def compare(actual: dict | None, expected: dict) -> list[str]:
    """Differences between a verdict and the expected outcome ([] when right)."""
    if actual is None:
        return ["pas de verdict"]
    diffs = []
    if actual.get("eligibility") != expected.get("eligibility"):
        diffs.append(f"éligibilité {actual.get('eligibility')} au lieu de {expected.get('eligibility')}")
    if expected.get("eligibility") == "not_eligible":
        return diffs
    if (actual.get("sub_axis") or None) != (expected.get("sub_axis") or None):
        diffs.append(f"volet {actual.get('sub_axis')} au lieu de {expected.get('sub_axis')}")
    got = (actual.get("amount") or {}).get("eur")
    want = expected.get("amount_eur")
    if (got is None) != (want is None) or (got is not None and abs(float(got) - float(want)) > 0.5):
        diffs.append(f"montant {got} au lieu de {want}")
    code = expected.get("collectivity_code")
    if code and diffs == []:
        # the right figures for another collectivity are not the right verdict ("Le Saint" for
        # Saint-Germain-en-Coglès): counted, and reported apart (COLLECTIVITY prefix)
        got_code = (actual.get("collectivity") or {}).get("code")
        if str(got_code) != str(code):
            diffs.append(f"{COLLECTIVITY} {got_code} au lieu de {code}")
    return diffs


def summary_of(a: dict | None) -> dict | None:
    if a is None:
        return None
    return {"eligibility": a.get("eligibility"), "sub_axis": a.get("sub_axis"),
            "amount_eur": (a.get("amount") or {}).get("eur"), "missing": a.get("missing"),
            "collectivity_code": (a.get("collectivity") or {}).get("code")}


# ------------------------------------------------------------------ playing


def answer_until_verdict(bot: Bot, facts: dict, msgs: list[dict], turns: int, max_turns: int,
                         mid: dict | None, faq_answers: dict, before: dict | None, log: dict) -> tuple[dict | None, int]:
    """Answer the pending questions from `facts` until a verdict; returns (verdict, turns used).

    `before`: the assessment slot before this phase (after a first verdict): the slot then counts as
    a new verdict only when it changed, so that an unread follow-up is not taken for its answer.
    """
    answers_sent = 0
    verdict = verdict_in(msgs)
    repeats, last_pending = 0, None
    while verdict is None and turns < max_turns:
        slots = bot.slots()
        v = verdict_in_slots(slots)
        if v is not None and (before is None or v != before):
            verdict = v
            break
        pending = slots.get("pending_question")
        if not pending:
            log["reasons"].append("ni question en attente ni verdict")
            break
        log.setdefault("asked", []).append(pending)
        repeats = repeats + 1 if pending == last_pending else 1
        last_pending = pending
        if repeats > MAX_REPEATS:
            log["reasons"].append(f"la question {pending} revient sans fin ({MAX_REPEATS} réponses)")
            return None, turns
        if mid and not log.get("mid_done") and answers_sent + 1 >= int(mid.get("before") or 1):
            log["mid_done"] = True
            mmsgs = bot.say(mid["text"])
            turns += 1
            got = faq_answered(mmsgs, faq_answers)
            after_slots = bot.slots()
            problems = []
            if mid.get("faq") not in got:
                problems.append(f"question de procédure : réponse {got or 'aucune'} au lieu de {mid.get('faq')}")
            if verdict_in(mmsgs) is not None:
                problems.append("question de procédure : un verdict a été donné")
            if after_slots.get("pending_question") != pending:
                problems.append(f"question de procédure : la question en attente est passée de {pending} à "
                                f"{after_slots.get('pending_question')}")
            log["mid_ok"] = not problems
            log["reasons"].extend(problems)
            continue
        answer = facts.get(pending)
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            answer = DONT_KNOW
        msgs = bot.say(str(answer))
        answers_sent += 1
        turns += 1
        verdict = verdict_in(msgs)
    if verdict is None and turns >= max_turns:
        log["reasons"].append(f"pas de verdict après {max_turns} tours")
    return verdict, turns


def play_scenario(url: str, sc: dict, max_turns: int, faq_answers: dict) -> dict:
    sender = f"eval-{sc['id']}-{uuid.uuid4().hex[:8]}"
    bot = Bot(url, sender)
    log: dict = {"id": sc["id"], "class": sc.get("class"), "style": sc.get("style"), "reasons": [],
                 "sender": sender}
    t0 = time.monotonic()
    facts = dict(sc.get("facts") or {})
    mid = sc.get("mid")
    try:
        msgs = bot.say(sc["first"])
        verdict, turns = answer_until_verdict(bot, facts, msgs, 1, max_turns, mid, faq_answers, None, log)
        if mid and not log.get("mid_done"):
            log["mid_ok"] = False
            log["reasons"].append(f"question de procédure jamais posée (verdict avant la réponse {mid.get('before')})")
        log["verdict"] = summary_of(verdict)
        diffs = compare(verdict, sc["expected"])
        log["reasons"].extend(f"verdict : {d}" for d in diffs if d != "pas de verdict" or not log["reasons"])
        log["verdict_ok"] = not diffs
        after_logs = []
        last = verdict
        for i, item in enumerate(sc.get("after") or []):
            if last is None:   # no verdict to follow up: not played, counted as failed
                after_logs.append({"kind": item.get("kind"), "text": item.get("text"), "ok": False,
                                   "reasons": ["non jouée : pas de premier verdict"]})
                continue
            alog: dict = {"kind": item.get("kind"), "text": item.get("text"), "reasons": []}
            before = bot.slots().get("assessment")
            msgs = bot.say(item["text"])
            v2, _ = answer_until_verdict(bot, {**facts, **(item.get("facts") or {})}, msgs, 1, max_turns,
                                         None, faq_answers, before, alog)
            d2 = compare(v2, item["expected"])
            alog["verdict"] = summary_of(v2)
            alog["ok"] = not d2
            alog["reasons"].extend(d2)
            after_logs.append(alog)
            log["reasons"].extend(f"suite {i + 1} ({item.get('kind')}) : {d}" for d in d2)
            last = v2 or last
        if after_logs:
            log["after"] = after_logs
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log["reasons"].append(f"erreur HTTP : {type(exc).__name__}: {exc}")
        log.setdefault("verdict_ok", False)
    log["ok"] = (bool(log.get("verdict_ok")) and log.get("mid_ok", True)
                 and all(a.get("ok") for a in log.get("after") or []) and not any(
                     r.startswith("erreur") for r in log["reasons"]))
    log["seconds"] = round(time.monotonic() - t0, 2)
    log["transcript"] = bot.transcript
    return log


def play_faq(url: str, q: dict, faq_answers: dict) -> dict:
    bot = Bot(url, f"eval-faq-{uuid.uuid4().hex[:10]}")
    out = {"text": q["text"], "expected": q["faq"], "ok": False}
    try:
        msgs = bot.say(q["text"])
        got = faq_answered(msgs, faq_answers)
        out["answered"] = got
        out["verdict"] = verdict_in(msgs) is not None
        out["ok"] = q["faq"] in got and not out["verdict"]
        out["reply"] = [m.get("text") for m in msgs if m.get("text")][:3]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


# ------------------------------------------------------------------ reporting


def rate(items: list[dict]) -> tuple[int, int, float]:
    n = len(items)
    ok = sum(1 for x in items if x.get("ok"))
    return ok, n, (ok / n if n else 0.0)


def table(title: str, logs: list[dict], key: str) -> list[str]:
    groups = collections.defaultdict(list)
    for x in logs:
        groups[x.get(key)].append(x)
    lines = [f"{title}:"]
    for k in sorted(groups, key=str):
        ok, n, r = rate(groups[k])
        lines.append(f"  {str(k):<20} {ok:>4}/{n:<4} {100 * r:5.1f} %")
    return lines


def run(url: str, args) -> int:
    scenarios = (yaml.safe_load(Path(args.scenarios).read_text(encoding="utf-8")) or {}).get("scenarios") or []
    questions = (yaml.safe_load(Path(args.faq).read_text(encoding="utf-8")) or {}).get("questions") or []
    if args.only:
        scenarios = [s for s in scenarios if s["id"] in args.only or s.get("class") in args.only]
    if args.limit:
        scenarios = scenarios[:args.limit]
        questions = questions[:args.limit]
    if args.no_faq:
        questions = []
    faq_answers = load_faq_answers()
    t0 = time.monotonic()
    with cf.ThreadPoolExecutor(max_workers=max(1, args.concurrency)) as pool:
        logs = list(pool.map(lambda s: play_scenario(url, s, args.max_turns, faq_answers), scenarios))
        faq_logs = list(pool.map(lambda q: play_faq(url, q, faq_answers), questions))
    elapsed = time.monotonic() - t0

    lines = [f"Conversations held out: {len(logs)} scenarios played in {elapsed:.0f} s "
             f"(concurrency {args.concurrency}) against {url}"]
    lines += table("By class", logs, "class") + table("By style", logs, "style")
    ok, n, r = rate(logs)
    verdict_ok = sum(1 for x in logs if x.get("verdict_ok"))
    lines.append(f"Overall: {ok}/{n} = {100 * r:.1f} % (goal {100 * args.goal:.0f} %); first verdict right in "
                 f"{verdict_ok}/{n}")
    mids = [x for x in logs if "mid_ok" in x]
    if mids:
        lines.append(f"Procedure questions mid-form answered right: {sum(1 for x in mids if x['mid_ok'])}/{len(mids)}")
    afters = [a for x in logs for a in x.get("after") or []]
    if afters:
        by_kind = collections.defaultdict(list)
        for a in afters:
            by_kind[a["kind"]].append(a)
        lines.append("Follow-ups after the verdict: " + ", ".join(
            f"{k} {sum(1 for a in v if a['ok'])}/{len(v)}" for k, v in sorted(by_kind.items())))
    wrong_place = [x["id"] for x in logs if not x.get("ok") and x["reasons"]
                   and all(COLLECTIVITY in reason for reason in x["reasons"])]
    if wrong_place:
        lines.append(f"Right figures but for another collectivity (counted as failures): {len(wrong_place)} "
                     f"({', '.join(wrong_place)}); without this check: {ok + len(wrong_place)}/{n} = "
                     f"{100 * (ok + len(wrong_place)) / max(n, 1):.1f} %")
    failing = [x["id"] for x in logs if not x.get("ok")]
    lines.append("Failing: " + (", ".join(failing) if failing else "none"))
    reasons = collections.Counter()
    for x in logs:
        for reason in x["reasons"]:
            reasons[re.sub(r"\d+(?:[ .,]\d+)*", "N", reason)] += 1
    if reasons:
        lines.append("Most frequent reasons:")
        lines += [f"  {c:>4}  {k}" for k, c in reasons.most_common(12)]
    faq_summary = None
    if faq_logs:
        fok, fn, fr = rate(faq_logs)
        per_id = collections.defaultdict(list)
        for q in faq_logs:
            per_id[q["expected"]].append(q)
        lines.append(f"FAQ held out: {fok}/{fn} = {100 * fr:.1f} % of the questions get the expected answer "
                     "(and no verdict)")
        lines.append("  " + ", ".join(f"{k} {rate(v)[0]}/{rate(v)[1]}" for k, v in sorted(per_id.items())))
        faq_summary = {"ok": fok, "n": fn, "rate": fr,
                       "per_id": {k: {"ok": rate(v)[0], "n": rate(v)[1]} for k, v in per_id.items()}}
    print("\n".join(lines))

    report = Path(args.report)
    report.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "url": url, "seconds": round(elapsed, 1), "goal": args.goal,
        "conversations": {"ok": ok, "n": n, "rate": r, "first_verdict_ok": verdict_ok,
                          "by_class": {k: dict(zip(("ok", "n", "rate"), rate([x for x in logs if x["class"] == k])))
                                       for k in sorted({x["class"] for x in logs})},
                          "by_style": {k: dict(zip(("ok", "n", "rate"), rate([x for x in logs if x["style"] == k])))
                                       for k in sorted({x["style"] for x in logs})},
                          "failing": failing, "right_figures_wrong_collectivity": wrong_place},
        "faq": faq_summary,
    }
    report.write_text(json.dumps({"summary": summary, "scenarios": logs, "faq": faq_logs}, ensure_ascii=False,
                                 indent=1), encoding="utf-8")
    print(f"Report: {report}")
    return 0 if r >= args.goal else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="a running Rasa server started with --enable-api (default: start the stack)")
    p.add_argument("--model", default=str(ROOT / "models" / "fitn7.tar.gz"))
    p.add_argument("--scenarios", default=str(SCENARIOS))
    p.add_argument("--faq", default=str(FAQ_SET))
    p.add_argument("--report", default=str(REPORT))
    p.add_argument("--goal", type=float, default=0.95)
    p.add_argument("--concurrency", type=int, default=6)
    p.add_argument("--max-turns", type=int, default=25)
    p.add_argument("--only", nargs="*", help="scenario ids or classes to play")
    p.add_argument("--limit", type=int, help="play only the first N scenarios and questions")
    p.add_argument("--no-faq", action="store_true", help="skip the FAQ set")
    p.add_argument("--memory-tracker", action="store_true", help="Rasa's in-memory tracker store (default: SQLite)")
    args = p.parse_args(argv)
    for path in (args.scenarios, args.faq):
        if not Path(path).is_file():
            print(f"Jeu d'évaluation introuvable : {path}", file=sys.stderr)
            return 2
    if args.url:
        return run(args.url, args)
    from tests.stack import StackError, running_stack
    try:
        with tempfile.TemporaryDirectory(prefix="fitn7-eval-") as tmp:
            print("Starting the stack (action server + Rasa server, SQLite in a temporary directory)…", flush=True)
            t0 = time.monotonic()
            # loading the model took over 5 minutes on the shared 2-core machine: 15 allowed
            with running_stack(tmp, web=False, model=args.model, memory_tracker=args.memory_tracker,
                               env={"FITN7_NO_WARMUP": "0"}, timeout=900) as stack:
                print(f"Stack up in {time.monotonic() - t0:.0f} s: {stack.rasa_url}", flush=True)
                return run(stack.rasa_url, args)
    except StackError as exc:
        print(f"La pile n'a pas démarré : {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
