"""Reading what users type: amounts, dates, counts, yes/no, roles, place spans (pure Python).

This is an adapter concern (user text -> request values); it holds no eligibility rule.
Every function takes a text and returns plain values (None when nothing is understood); none
raises on odd input.

    parse_amount("8k€") -> 8000.0            parse_amount("douze mille euros") -> 12000.0
    parse_date("juin 2022") -> "2022-06-30"  parse_date("fin 2022") -> "2022-12-31"
    parse_count("vingt agents") -> 20        parse_yes_no("ouais") -> True
"""
from __future__ import annotations

import calendar
import datetime as dt
import re

from text_to_num import text2num

from ..text import fold

MAX_TEXT = 2000  # longer texts are cut before the regular expressions run

# --- numbers written in words --------------------------------------------------------------------

_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60,
}
_NUMBER_WORDS = set(_UNITS) | {"cent", "cents", "mille", "milles", "million", "millions", "et"}
_WORD_NUMBER = re.compile(
    r"\b(?:(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b[ -]?)+", re.IGNORECASE)


def words_to_number(text: str) -> int | None:
    """"douze mille" -> 12000, "deux mille cinq cents" -> 2500, "quatre-vingt-dix" -> 90, by text2num
    (the kept library for French number words); "trois quatre" is not a number -> None."""
    words = [w for w in re.split(r"[\s-]+", fold(text)) if w]
    if not words or any(w not in _NUMBER_WORDS for w in words) or words[0] == "et" or words[-1] == "et":
        return None
    if words == ["zero"]:
        return 0
    try:
        return int(text2num(" ".join(words), "fr"))
    except ValueError:
        return None


def _is_article(words: str) -> bool:
    """"un" or "une" alone is an article ("un budget de…", "une première promotion"), not 1."""
    return fold(words) in ("un", "une")


# --- amounts -------------------------------------------------------------------------------------

_DIGITS = r"\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MULT = r"(?:k|K|m|M|mille|millions?|milliers?)"
_CURRENCY = r"(?:€|euros?|eur\b|e\b|ht\b|ttc\b)"
_AMOUNT_DIGITS = re.compile(
    rf"(?P<num>{_DIGITS})\s*(?P<mult>{_MULT}(?![a-zA-Z]))?\s*(?P<cur>{_CURRENCY})?", re.IGNORECASE)
_AMOUNT_WORDS_CUR = re.compile(r"\s*(?:d['’]\s*)?(?:€|euros?\b)", re.IGNORECASE)
_NOT_MONEY_AFTER = re.compile(
    r"\s*(?:agents?|personnes?|habitants?|salari|usagers?|utilisateurs?|%|pour ?cent|ans?\b|mois\b|jours?\b|"
    r"h\b|heures?|communes?|sessions?|postes?|ordinateurs?|/)", re.IGNORECASE)


def _to_float(num: str) -> float | None:
    s = re.sub(r"[ \u00a0\u202f]", "", num)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):        # 12.000 -> 12000
        s = s.replace(".", "")
    s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def find_amounts(text: str, bare: bool = False) -> list[tuple[float, int, int]]:
    """Every amount of money in the text as (euros, start, end), in order.

    An amount needs a currency ("€", "euros") or a multiplier ("8k", "12 mille"); with bare=True
    (the question asked was the cost) a lone number counts too. Counts of agents, percentages and
    years are never amounts.
    """
    text = (text or "")[:MAX_TEXT]
    found: list[tuple[float, int, int]] = []
    for m in _AMOUNT_DIGITS.finditer(text):
        value = _to_float(m.group("num"))
        if value is None:
            continue
        mult, cur = m.group("mult"), m.group("cur")
        if not mult and not cur:
            after = text[m.end():]
            if not bare or _NOT_MONEY_AFTER.match(after) or re.fullmatch(r"(?:19|20)\d\d", m.group("num")):
                continue
        if cur and fold(cur) == "e" and not mult and not bare:
            continue  # "12 e" is an amount only when the question asked was the cost
        if mult:
            mf = fold(mult)
            if mf in ("m", "million", "millions"):
                value *= 1_000_000
            elif mf in ("k", "mille", "millier", "milliers"):
                value *= 1000
            if mf == "m" and not cur and not bare:
                continue  # "20 m" is more likely metres
        if value <= 0:
            continue
        found.append((value, m.start(), m.end()))
    for m in _WORD_NUMBER.finditer(text):
        words = m.group(0).strip(" -")
        value = words_to_number(words)
        if not value or _is_article(words):
            continue
        rest = text[m.end():]
        cur = _AMOUNT_WORDS_CUR.match(rest)
        if cur or (bare and not _NOT_MONEY_AFTER.match(rest)):
            end = m.end() + (cur.end() if cur else 0)
            if not any(s <= m.start() < e for _, s, e in found):
                found.append((float(value), m.start(), end))
    return sorted(found, key=lambda f: f[1])


def parse_amount(text: str, bare: bool = False) -> float | None:
    """The first amount of money in the text (see find_amounts), or None."""
    found = find_amounts(text, bare=bare)
    return found[0][0] if found else None


_EXPENSE_ITEM = re.compile(
    r"(?P<amount>[^,;]*?(?:\d[\d \u00a0\u202f.,]*\s*(?:k|K)?\s*(?:€|euros?)|(?:[a-zé\- ]+)\s+euros?))\s+"
    r"(?:de |d['’]|pour (?:les |la |le |l['’]|des )?|en )(?P<label>[^,;.]+)", re.IGNORECASE)


def parse_expenses(text: str) -> list[dict]:
    """"dont 3 000 € d'ordinateurs et 9 000 € de formation" -> [{label, amount_eur}, ...]."""
    text = (text or "")[:MAX_TEXT]
    items: list[dict] = []
    for part in re.split(r"[,;]| et (?=\d)| et (?=[a-z]+ mille)|\bdont\b|\bplus\b|\+", text, flags=re.IGNORECASE):
        m = _EXPENSE_ITEM.search(part.strip())
        if not m:
            continue
        amount = parse_amount(m.group("amount"))
        label = re.split(r"\s+(?:et|pour un total|soit|au total)\b", m.group("label").strip())[0].strip()
        if amount and label and not re.match(r"(?:budget|cout|coût|total)", label, re.IGNORECASE):
            items.append({"label": label, "amount_eur": amount})
    return items if len(items) >= 2 or (items and re.search(r"\bdont\b", text, re.IGNORECASE)) else []


# --- dates ---------------------------------------------------------------------------------------

MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(?P<year>(?:19|20)\d\d|\d\d)"
_SEASONS = {"printemps": (6, 20), "ete": (9, 22), "automne": (12, 20)}


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year(s: str) -> int:
    y = int(s)
    return y + 2000 if y < 100 else y


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def guichet_reference(today: dt.date, window: tuple[dt.date, dt.date] | None) -> dt.date:
    """The day a date said without a year is read from (our interpretation, silent text).

    The guichet runs from its opening (25 January 2021) to the results deadline (31 December 2022):
    source text, "Quelle procédure de candidature des collectivités ?" ("Date d'ouverture du guichet :
    25 janvier 2021") and "Quels critères d'éligibilité ?" ("résultats tangibles avant fin 2022").
    A user who says "30 juin" or "septembre prochain" speaks of that calendar: inside the window the
    date is read from today; outside it (before the opening, or after the deadline, as on this
    development machine in 2026) from the opening day, never from a today that lies outside it.
    """
    if window is None:
        return today
    opening, deadline = window
    return today if opening <= today <= deadline else opening


def parse_date(text: str, today: dt.date | None = None, bare_year: bool = False,
               window: tuple[dt.date, dt.date] | None = None) -> str | None:
    """The date a result is expected, as an ISO string (a month or a period gives its last day).

    "juin 2022" -> 2022-06-30, "fin 2022" -> 2022-12-31, "15/06/2022" -> 2022-06-15,
    "mi-2022" -> 2022-06-30, "dans 6 mois" -> today + 6 months. A lone year ("2022") counts only
    after "en", "d'ici", "avant", "pour", or with bare_year=True (the question asked was the date).

    window=(opening, results deadline): a date without a year ("30 juin", "septembre prochain",
    "dans 6 mois", "l'année prochaine") is read within the guichet's calendar (guichet_reference);
    when that reading still falls after the deadline, the year was guessed and would decide a
    "not eligible": None is returned (date_needs_year says so, the dialogue asks for the year).
    """
    iso, guessed = _read_date(text, today, bare_year, window)
    if iso and guessed and window is not None and iso > window[1].isoformat():
        return None
    return iso


def date_needs_year(text: str, today: dt.date | None = None,
                    window: tuple[dt.date, dt.date] | None = None) -> bool:
    """A date without a year that, read within the guichet's calendar, lands after the deadline."""
    if window is None:
        return False
    iso, guessed = _read_date(text, today, True, window)
    return bool(iso and guessed and iso > window[1].isoformat())


def _read_date(text: str, today: dt.date | None, bare_year: bool,
               window: tuple[dt.date, dt.date] | None) -> tuple[str | None, bool]:
    """(ISO date or None, True when no year was written: the year was deduced from `today`)."""
    t = fold((text or "")[:MAX_TEXT])
    today = today or dt.date.today()
    try:
        found = _read_dated(t)
        if found is not None:
            return found, False
        reference = guichet_reference(today, window)
        m = re.search(r"\b(?:dans|d ici|sous) (?P<n>\d+|[a-z]+) (?P<u>mois|ans?|annees?|semaines?)\b", t)
        if m:
            n = int(m["n"]) if m["n"].isdigit() else words_to_number(m["n"])
            if n:
                if m["u"] == "mois":
                    return _add_months(reference, n).isoformat(), True
                if m["u"].startswith("semaine"):
                    return (reference + dt.timedelta(weeks=n)).isoformat(), True
                return _add_months(reference, 12 * n).isoformat(), True
        found = _date_without_year(t, reference)
        if found:
            return found, True
        m = re.search(r"\b(?:(?P<pre>en|d ici|avant|pour|courant|des|au cours de l annee|annee) )?(?P<year>(?:19|20)\d\d)\b", t)
        if m and (m["pre"] or bare_year) and not re.search(r"\d \d{3}", t[max(0, m.start() - 4):m.end()]):
            return dt.date(int(m["year"]), 12, 31).isoformat(), False
    except ValueError:   # 31/02/2022 and the like
        return None, False
    return None, False


_WORD_BEFORE_YEAR = re.compile(r"\b([a-z]{4,10}) (?=(?:19|20)\d\d\b)")


def _month_typos(t: str) -> str:
    """A misspelt month before a year ("septembr 2022", "octobe 2022") -> the month (rapidfuzz ratio
    >= 80 against the full month names; our reading: only before a year, where a month is expected)."""
    from rapidfuzz import fuzz, process

    def fix(m: re.Match) -> str:
        word = m.group(1)
        if word in MONTHS:
            return m.group(0)
        best = process.extractOne(word, _FULL_MONTHS, scorer=fuzz.ratio, score_cutoff=80)
        return f"{best[0]} " if best else m.group(0)
    return _WORD_BEFORE_YEAR.sub(fix, t)


def _read_dated(t: str) -> str | None:
    """The dates written with their year (folded text); ValueError for an impossible one."""
    t = _month_typos(t)
    m = re.search(r"\b(?P<y>(?:19|20)\d\d) (?P<m>\d{1,2}) (?P<d>\d{1,2})\b", t)     # ISO 2022-06-15
    if m:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
    m = re.search(r"\b(?P<d>\d{1,2}) (?P<m>\d{1,2}) " + _YEAR + r"\b", t)         # 15/06/2022
    if m and not re.search(r"\d \d{3}\b", t[m.start():m.end() + 4]):
        return dt.date(_year(m["year"]), int(m["m"]), int(m["d"])).isoformat()
    m = re.search(r"\b(?P<d>\d{1,2}|1er|premier) (?P<mon>" + _MONTH_RE + r") " + _YEAR + r"\b", t)
    if m:
        day = 1 if m["d"] in ("1er", "premier") else int(m["d"])
        return dt.date(_year(m["year"]), MONTHS[m["mon"]], day).isoformat()
    m = re.search(r"\b(?P<mon>" + _MONTH_RE + r") (?:de l annee )?" + _YEAR + r"\b", t)
    if m:
        return _end_of_month(_year(m["year"]), MONTHS[m["mon"]]).isoformat()
    m = re.search(r"\b(?P<m>\d{1,2}) (?P<year>(?:19|20)\d\d)\b", t)                # 06/2022
    if m and 1 <= int(m["m"]) <= 12:
        return _end_of_month(int(m["year"]), int(m["m"])).isoformat()
    m = re.search(r"\b(?:(?P<q>premier|1er|deuxieme|second|2e|2eme|troisieme|3e|3eme|quatrieme|4e|4eme|dernier) "
                  r"(?P<kind>trimestre|semestre)|(?P<t>t[1-4]|s[12])) (?:de l annee )?" + _YEAR + r"\b", t)
    if m:
        year = _year(m["year"])
        if m["t"]:
            n, kind = int(m["t"][1]), "trimestre" if m["t"][0] == "t" else "semestre"
        else:
            n = {"premier": 1, "1er": 1, "deuxieme": 2, "second": 2, "2e": 2, "2eme": 2,
                 "troisieme": 3, "3e": 3, "3eme": 3, "quatrieme": 4, "4e": 4, "4eme": 4}.get(m["q"])
            kind = m["kind"]
            if m["q"] == "dernier":
                n = 4 if kind == "trimestre" else 2
        month = n * 3 if kind == "trimestre" else n * 6
        return _end_of_month(year, min(month, 12)).isoformat()
    m = re.search(r"\b(?:(?P<w>fin|debut|mi|milieu|courant|printemps|ete|automne|hiver)"
                  r"(?: de l annee| d annee| de l| du| de)? )" + _YEAR + r"\b", t)
    if m:
        year, w = _year(m["year"]), m["w"]
        if w in ("fin",):
            return dt.date(year, 12, 31).isoformat()
        if w == "debut":
            return dt.date(year, 3, 31).isoformat()
        if w in ("mi", "milieu"):
            return dt.date(year, 6, 30).isoformat()
        if w == "courant":
            return dt.date(year, 12, 31).isoformat()
        if w == "hiver":
            return dt.date(year + 1, 3, 20).isoformat()
        month, day = _SEASONS[w]
        return dt.date(year, month, day).isoformat()
    return None


_FULL_MONTHS = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
                "novembre", "decembre")
_FULL_MONTH_RE = "|".join(_FULL_MONTHS)
_THIS_YEAR_END = re.compile(r"\b(?:(?:d ici|avant|pour|vers|a|en|d) )?(?:la )?fin (?:de l |d )annee\b(?! prochaine)"
                            r"|\bcette annee\b|\bdans l annee\b|\bcourant (?:de l |d )?annee\b(?! prochaine)"
                            r"|\bau cours de l annee\b(?! prochaine)|\bd ici la fin de l annee\b")
_NEXT_YEAR = re.compile(r"\b(?P<w>debut|fin|milieu|mi|courant)? ?(?:de l |d )?(?:annee prochaine|an prochain)\b")
_SEASON_WORDS = {"printemps": (6, 20), "ete": (9, 22), "automne": (12, 20), "hiver": (3, 20)}


def _next_month_end(today: dt.date, month: int, strictly_after: bool = False) -> dt.date:
    """The end of the next such month: this year if it is not past (strictly after: later than now)."""
    year = today.year
    if month < today.month or (strictly_after and month == today.month):
        year += 1
    return _end_of_month(year, month)


def _date_without_year(t: str, today: dt.date) -> str | None:
    """Dates said without a year (our own reading: no kept library reads them in French):
    "30 juin" -> the next 30 June, "septembre prochain" -> the end of the next September, "en juin",
    "fin juin" -> the end of the next June, "d'ici la fin de l'année" -> 31 December this year,
    "l'année prochaine" -> 31 December next year, "le mois prochain" -> the end of next month,
    "cet été" -> 22 September (the next one)."""
    m = re.search(r"\b(?P<d>\d{1,2}|1er|premier) (?P<mon>" + _FULL_MONTH_RE + r")\b(?! (?:19|20)?\d\d\b)", t)
    if m:
        day, month = (1 if m["d"] in ("1er", "premier") else int(m["d"])), _FULL_MONTHS.index(m["mon"]) + 1
        date = dt.date(today.year, month, day)
        return (date if date >= today else dt.date(today.year + 1, month, day)).isoformat()
    m = re.search(r"\b(?P<mon>" + _FULL_MONTH_RE + r") prochain\b", t)
    if m:
        return _next_month_end(today, _FULL_MONTHS.index(m["mon"]) + 1, strictly_after=True).isoformat()
    m = re.search(r"\b(?P<w>en|fin|debut|mi|courant|d ici|avant|pour|vers|a partir de) (?:le mois d |le mois de )?"
                  r"(?P<mon>" + _FULL_MONTH_RE + r")\b(?! (?:19|20)?\d\d\b)", t)
    if m:
        month = _FULL_MONTHS.index(m["mon"]) + 1
        end = _next_month_end(today, month)
        if m["w"] == "debut":
            return end.replace(day=10).isoformat()
        if m["w"] == "mi":
            return end.replace(day=15).isoformat()
        return end.isoformat()
    m = _NEXT_YEAR.search(t)
    if m:
        year = today.year + 1
        return {"debut": dt.date(year, 3, 31), "milieu": dt.date(year, 6, 30),
                "mi": dt.date(year, 6, 30)}.get(m["w"] or "", dt.date(year, 12, 31)).isoformat()
    if _THIS_YEAR_END.search(t):
        return dt.date(today.year, 12, 31).isoformat()
    if re.search(r"\b(?:le |au |d ici le |avant le )?mois prochain\b", t):
        nxt = _add_months(today.replace(day=1), 1)
        return _end_of_month(nxt.year, nxt.month).isoformat()
    if re.search(r"\b(?:fin du mois|ce mois ci|d ici la fin du mois|avant la fin du mois)\b", t):
        return _end_of_month(today.year, today.month).isoformat()
    m = re.search(r"\b(?:cet |ce |d ici l |d ici le |avant l |avant le |a l |au |pour l |pour le |en )"
                  r"(?P<s>printemps|ete|automne|hiver)\b(?! (?:19|20)\d\d)", t)
    if m:
        month, day = _SEASON_WORDS[m["s"]]
        date = dt.date(today.year + (1 if m["s"] == "hiver" else 0), month, day)
        return (date if date >= today else dt.date(date.year + 1, month, day)).isoformat()
    return None


# --- counts --------------------------------------------------------------------------------------

_COUNT_NOUNS = r"(?:agents?|personnes?|salarie(?:e)?s?|collaborateurs?|fonctionnaires?|employes?|stagiaires?)"
# Users of the service the project changes (a selection criterion, like the agents): not "habitants",
# which gives the population of a commune more often than the users concerned.
_USER_NOUNS = r"(?:utilisateurs?|usagers?|beneficiaires?|abonnes?|familles?)"


_APPROX = {"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
           "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100}


def parse_count(text: str, bare: bool = False, users: bool = False) -> int | None:
    """"20 agents" -> 20, "une quinzaine d'agents" -> 15, "vingt personnes" -> 20; bare: a lone number.
    users=True counts the users of the service instead ("3 000 usagers", "500 familles")."""
    nouns = _USER_NOUNS if users else _COUNT_NOUNS
    t = fold((text or "")[:MAX_TEXT])
    m = re.search(r"\b(?P<n>\d{1,3}(?: \d{3})*|\d+) (?:[a-z]+ ){0,2}?" + nouns + r"\b", t)
    if m:
        return int(m["n"].replace(" ", ""))
    m = re.search(r"\b(?P<n>(?:[a-z]+ ){1,5})" + nouns + r"\b", t)
    if m:
        words = [w for w in m["n"].split() if w != "d"]
        skipped = False
        while words and words[-1] not in _NUMBER_WORDS and words[-1] not in _APPROX:
            words.pop()   # "vingt nouveaux agents": skip the adjective
            skipped = True
        for i in range(len(words)):
            rest = " ".join(words[i:])
            if skipped and _is_article(rest):
                break     # "une première promotion d'agents": an article, not one agent
            value = words_to_number(rest)
            if value:
                return value
        for w in words:
            if w in _APPROX:
                return _APPROX[w]
    if bare:
        m = re.fullmatch(r"\D*?(\d{1,7})\D*", t)
        if m:
            return int(m.group(1))
        return words_to_number(t)
    return None


# --- yes / no ------------------------------------------------------------------------------------

_YES = re.compile(r"^(?:oui|ouais|ouai|ui|vi|yes|yep|si|ok|okay|d accord|bien sur|tout a fait|exact|exactement|"
                  r"absolument|affirmatif|effectivement|evidemment|carrement|certainement|je confirme|c est ca|"
                  r"c est bien ca|c est le cas|tout a fait)\b")
_NO = re.compile(r"^(?:non|nan|no|nope|pas du tout|pas du tt|pas vraiment|pas encore|pas pour l instant|negatif|"
                 r"aucunement|absolument pas|certainement pas|jamais|je ne crois pas|je ne pense pas|"
                 r"pas que|ce n est pas le cas|c est pas le cas)\b")


def parse_yes_no(text: str) -> bool | None:
    t = fold((text or "")[:200])
    if _NO.search(t):
        return False
    if _YES.search(t):
        return True
    return None


# --- roles ---------------------------------------------------------------------------------------

_ROLES = [
    (r"maire adjoint(?:e)?|adjoint(?:e)? au maire|adjoint(?:e)?(?: [a-z]+){0,3}", "adjoint au maire"),
    (r"maire", "maire"),
    (r"premier(?:e)? adjoint(?:e)?", "adjoint au maire"),
    (r"secretaire de mairie|secretaire generale?", "secrétaire de mairie"),
    (r"dgs|directeur general des services|directrice generale des services|dga|directeur general adjoint|directrice generale adjointe", "direction générale des services"),
    (r"vice president(?:e)?", "vice-président"),
    (r"president(?:e)?", "président"),
    (r"dsi|directeur des systemes d information|directrice des systemes d information|responsable informatique|informaticien(?:ne)?", "responsable informatique"),
    (r"charge(?:e)? de mission(?: [a-z]+){0,2}|chef(?:fe)? de projet(?: [a-z]+){0,2}", "chargé de mission"),
    (r"conseill(?:er|ere) municipal(?:e)?|conseill(?:er|ere) communautaire|conseill(?:er|ere) departemental(?:e)?|conseill(?:er|ere) regional(?:e)?|elu(?:e)?", "élu"),
    (r"directeur|directrice|responsable(?: [a-z]+){0,2}", "responsable de service"),
    (r"agent(?:e)?|fonctionnaire", "agent"),
]
_ROLE_RX = [(re.compile(rf"(?:{pattern})\b"), label) for pattern, label in _ROLES]
_ROLE_INTRO = re.compile(
    r"\b(?:je suis|j suis|jsuis|en tant que|en ma qualite de|ma fonction est|moi c est|je travaille comme|je suis actuellement)"
    r" (?:l |le |la |un |une )?(?P<rest>.{2,60})")
_ROLE_START = re.compile(r"^(?:bonjour |bonsoir |salut |slt |bjr )?(?:le |la )?(?P<rest>(?:maire|dgs|secretaire de mairie|president|presidente|adjoint|adjointe) (?:de |d |du |des ).{1,60})")


def parse_role(text: str) -> str | None:
    """"Bonjour, je suis le maire de Mamers" -> "maire"; "en tant que DGS" -> "direction générale des services"."""
    t = fold((text or "")[:MAX_TEXT])
    for rx in (_ROLE_INTRO, _ROLE_START):
        m = rx.search(t)
        if not m:
            continue
        for rx_role, label in _ROLE_RX:
            if rx_role.match(m["rest"]):
                return label
    return None


# --- the kind of applicant, when the user says it ------------------------------------------------

_APPLICANT_TYPES = [
    (r"laboratoire d innovation|labo d innovation|lab d innovation", "laboratoire_innovation"),
    (r"syndicat|sivom|sivu|sictom|smictom|petr|pole d equilibre", "syndicat"),
    (r"association|asso\b|assoc\b", "association"),
    (r"entreprise|societe|sarl|sas\b|startup|start up|cabinet|bureau d etudes|auto entrepreneur|prestataire", "entreprise"),
    (r"spl\b|sem\b|semop|gip\b|groupement d interet public|etablissement public|epa\b|epic\b|ccas|cias|office de tourisme|personne morale", "personne_morale"),
    (r"communaute de communes|communaute d agglomeration|communaute urbaine|agglomeration|agglo\b|metropole|epci|intercommunalite|interco\b|cc\b|ca\b|cu\b", "epci"),
    (r"conseil departemental|departement|conseil general", "departement"),
    (r"conseil regional|region", "region"),
    (r"collectivite d outre mer|com\b", "com"),
    (r"commune|mairie|municipalite|ville|village", "commune"),
    (r"particulier|citoyen|habitant|moi meme|a titre personnel|personne physique", "particulier"),
    (r"etat|prefecture|ministere|service de l etat|administration centrale", "etat"),
]
# (at the start of a span, anywhere after a word boundary, kind), compiled once
_APPLICANT_RX = [(re.compile(rf"(?:{p})"), re.compile(rf"\b(?:{p})"), kind) for p, kind in _APPLICANT_TYPES]
_SELF = re.compile(r"\b(?:nous sommes|on est|je suis|je represente|je travaille (?:pour|dans|a)|notre|mon|ma|"
                   r"c est|il s agit d|porte par|au nom d)\s+(?:une |un |la |le |l |d une |d un |notre |mon |ma )?(?P<rest>.{2,60})")


def parse_applicant_type(text: str, direct: bool = False) -> str | None:
    """The kind of applicant named in the text ("nous sommes une association" -> "association").

    direct=True: the question asked was the kind of applicant, any keyword counts; otherwise only
    a self-description ("nous sommes…", "je représente…") does.
    """
    t = fold((text or "")[:MAX_TEXT])
    spans = [t] if direct else [m["rest"] for m in _SELF.finditer(t)]
    for span in spans:
        for at_start, anywhere, kind in _APPLICANT_RX:
            if at_start.match(span) or (direct and anywhere.search(span)):
                return kind
    return None


# --- spans that may name a collectivity or a département ------------------------------------------

_HARD_STOP = re.compile(r"[,.;:!?()\[\]\n«»\"]| - ")
_SOFT_STOPS = {"et", "dans", "en", "pour", "on", "nous", "qui", "avec", "afin", "je", "j", "car", "mais", "ou",
               "sur", "au", "aux", "depuis", "vers", "parce", "a", "à", "ici", "voudrait", "veut", "souhaite",
               "aimerait", "voudrions", "souhaitons", "aimerions", "cherche", "cherchons", "projet", "dont",
               "qu", "que", "il", "elle", "c", "est", "sommes", "avons", "on", "la", "le", "les", "l", "du",
               "des", "de", "d", "un", "une", "notre", "nos", "mon", "ma"}
_TRIGGERS = re.compile(
    r"(?i)(?P<head>\b(?:la |le |l'|l’)?(?:mairie|ville|commune|municipalit[ée]|communaut[ée] de communes|"
    r"communaut[ée] d['’]agglom[ée]ration|communaut[ée] urbaine|agglom[ée]ration|agglo|m[ée]tropole|"
    r"conseil d[ée]partemental|d[ée]partement|conseil r[ée]gional|r[ée]gion|(?-i:CC|CA|CU))\b)"
    r"|(?P<plain>\b(?:maire|pr[ée]sident(?:e)?|DGS|secr[ée]taire de mairie|c['’]est|c est)\s+"
    r"(?:(?:de\s+la|de\s+l['’]|du|des|de|d['’])\s*)?)"
    r"|(?P<loose>\b(?:ici|pour|à|a|de|sommes|chez)\s+(?:(?:la|le|l['’])\s*)?(?=(?-i:[A-ZÉÈÎÔ])))")
_LEADING_CONNECTOR = re.compile(r"^(?:de\s+la|de\s+l['’]|du|des|de|d['’])\s*", re.IGNORECASE)


def collectivity_spans(text: str, max_words: int = 7) -> list[str]:
    """Candidate names after "maire de", "mairie de", "commune de", "CC", "c'est", ..., longest first.

    For a head word (mairie, commune, CC, département…) the head is kept so that the referential
    lookup knows the type ("mairie de Mamers"); after a plain word (maire, c'est) only the name.
    """
    text = (text or "")[:MAX_TEXT]
    out: list[str] = []
    for m in _TRIGGERS.finditer(text):
        tail = _HARD_STOP.split(text[m.end():], maxsplit=1)[0]
        words = tail.split()[:max_words]
        if not words:
            continue
        # stop at the first soft stop word that comes after the name has started
        cut = len(words)
        for i, w in enumerate(words):
            if i > 0 and fold(w) in _SOFT_STOPS and not (fold(words[i - 1]) in ("de", "du", "des", "la", "le", "l", "d", "sur", "en", "les")) \
                    and fold(w) not in ("de", "du", "des", "la", "le", "les", "l", "d", "sur"):
                cut = i
                break
        words = words[:cut]
        prefix = m.group("head") or ""
        if prefix:
            prefix = prefix + " "
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n]).strip(" '’-")
            if name and fold(name) not in _SOFT_STOPS:
                out.append((prefix + name).strip())
    return list(dict.fromkeys(out))


_DEPARTMENT_SPAN = re.compile(
    r"(?i)\b(?:dans|en)\s+(?:le\s+|la\s+|l['’]\s*|les\s+)?(?P<name>[A-ZÉÈÎÔa-zéèêëàâîïôöûüç'’\- ]{2,40}?)(?=$|[,.;:!?)]|\s+(?:et|pour|avec|qui|où|on|nous)\b)"
    r"|\((?P<code>\d{2,3}|2[AaBb])\)"
    r"|\bd[ée]partement\s+(?:du\s+|de\s+la\s+|de\s+l['’]\s*|des\s+|de\s+)?(?P<name2>[\wÀ-ÿ'’\- ]{2,40}?)(?=$|[,.;:!?)]|\s+(?:et|pour|avec|qui|où)\b)")


def department_spans(text: str) -> list[str]:
    """Candidate département names or codes: "dans le Rhône", "(69)", "département du Nord"."""
    out = []
    for m in _DEPARTMENT_SPAN.finditer((text or "")[:MAX_TEXT]):
        for g in ("code", "name2", "name"):
            if m.group(g):
                out.append(m.group(g).strip())
    return out


_CORRECTION = re.compile(r"^(?:non|en fait|finalement|plutot|pardon|correction|je corrige|je me suis trompe|erreur|"
                         r"ah non|oups|attention)\b")


def is_correction(text: str) -> bool:
    return bool(_CORRECTION.search(fold((text or "")[:200])))


_PROJECT_WORDS = re.compile(
    r"\b(?:projet|site|application|appli|logiciel|outil|plateforme|portail|numeri|dematerialis|digital|"
    r"formation|former|formations|ateliers?|consultant|prestataire|expert|accompagnement|accompagner|diagnostic|"
    r"strategie|etude|feuille de route|schema directeur|telephon|standard|serveur vocal|crm|grc|chat|"
    r"en ligne|internet|web|donnees|informatique|ordinateurs?|tablettes?|licences?|cybersecurite|securite|"
    r"fibre|wifi|intranet|messagerie|competences|inclusion|moderniser|creer|creation|developper|deployer|"
    r"mettre en place|mise en place|refonte|refaire|renover|achat|acheter|equiper|installer|numeriser|"
    r"demarches?|services?|rendez vous|visio|archives|cartographie|sig|tiers lieu|ecole|travaux|voirie)\b")


_GREETING = re.compile(r"^\s*(?:(?:bonjour|bonsoir|salut|slt|bjr|hello|coucou|madame|monsieur|mesdames|messieurs)"
                       r"\b[\s,!.:;]*)+", re.IGNORECASE)
_INTRO = re.compile(r"^(?:je suis|nous sommes|ici)\b[^,.;:!?]{0,80}[,.;:]\s*", re.IGNORECASE)


def project_text(text: str) -> str:
    """The text of a project description without the greeting and the self-introduction."""
    t = _GREETING.sub("", text or "").strip()
    rest = _INTRO.sub("", t).strip()
    if rest != t and looks_like_project(rest):
        t = rest
    return (t[:1].upper() + t[1:]) if t else (text or "").strip()


def looks_like_project(text: str) -> bool:
    """True when the text talks about a project (used to take it as the description)."""
    t = fold((text or "")[:MAX_TEXT])
    return len(t.split()) >= 2 and bool(_PROJECT_WORDS.search(t))


def describes_project(text: str) -> bool:
    """True when the text says what the project is, not only that there is one: "en fait le projet
    coûte 35 000 €" or "le maire porte le projet" name no project (the word "projet" alone)."""
    t = re.sub(r"\bprojets?\b", " ", fold((text or "")[:MAX_TEXT]))
    return len(t.split()) >= 2 and bool(_PROJECT_WORDS.search(t))


def looks_like_words(text: str) -> bool:
    """False for gibberish ("qsdfqsdf", "???"): at least two words of letters with vowels."""
    words = re.findall(r"[a-z]{2,}", fold((text or "")[:MAX_TEXT]))
    real = [w for w in words if re.search(r"[aeiouy]", w) and not re.search(r"(.)\1\1", w)]
    return len(real) >= 2
