"""Referential of collectivities: communes, EPCI, départements, régions, collectivités d'outre-mer.

The tables (prefixed `ref_`, their own MetaData, not migrated) are rebuilt from the committed
extract `knowledge/referential/referential.json.gz` (see its PROVENANCE.md) by `load()`, which
runs again only when the extract's sha256 changed.

    ref = Referential.open()                 # loads if needed; one instance per engine
    ref.lookup("mairie de Mamers")           # LookupResult(status="found", match=Collectivity(...))
    ref.lookup("Sainte-Colombe", department="Rhône")
    ref.department("haut rhin")              # Department(code="68", ...)

Readings written down (the engine and the dialogue rely on them):

- A text is read as a code when it looks like one: 9 digits = SIREN (14 digits: SIRET, its first 9),
  5 characters = INSEE code *and* postcode (3 045 five-digit codes are both the INSEE code of one
  commune and the postcode of others, so both readings are kept: one commune -> found, several ->
  ambiguous; "insee 72180" or "code postal 72600" forces one reading), 2-3 characters =
  département or COM code.
- A name is compared after `name_key()`: `assistant.text.fold`, then St/Ste -> Saint/Sainte.
  Leading words ("mairie de", "conseil départemental du", "CC", "Région", ...) give the type and
  are removed; a name missing its article ("Rochelle") or an EPCI named without its legal form
  ("Faucigny Glières") is found through alternative keys, tried only after exact names; last,
  Saint and Sainte are swapped ("St Colombe" finds the Sainte-Colombe).
- Different collectivities sharing a name are ambiguous (candidates sorted by population, each with
  its département), e.g. "Vienne" (the département 86 and the commune 38544), "Bretagne" (the
  région and two communes). The département filter separates them. Two exceptions, because they
  are one collectivity: "Paris" is the commune 75056 (the Ville de Paris has exercised the
  département's powers since 2019; "Département de Paris" still gives 75), and a département and
  a région with the same name (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte) give the
  département ("Région Guadeloupe" gives the région).
- Syndicats (and other groupings that are not EPCI à fiscalité propre) are not in the
  referential: not_found. An unknown `department` filter is ignored (the caller validates it).
- The COM (975, 977, 978, 984, 986, 987, 988, 989) are collectivities of type "com". The
  pseudo-communes of Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna, TAAF and Clipperton are
  not communes: their INSEE codes and postcodes resolve to the COM. An EPCI's `department` is the
  one holding most of its population (an EPCI may straddle départements).
- Populations are INSEE populations municipales (see PROVENANCE.md); départements, régions and
  COM get the sum of their communes.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, select
from sqlalchemy.engine import Engine

from ..config import KNOWLEDGE_DIR
from ..db import get_engine
from ..text import fold

EXTRACT_PATH = KNOWLEDGE_DIR / "referential" / "referential.json.gz"
SCHEMA_VERSION = "2"   # bump when the tables or build_rows() change: load() then rebuilds them
MAX_QUERY_LENGTH = 200  # longer texts are not a collectivity name (the longest EPCI name is ~100)

TYPES = ("commune", "epci", "departement", "region", "com")
COM_WITHOUT_COMMUNES = {"977", "978", "984", "986", "989"}  # their COG "communes" are the COM itself
PARIS_COMMUNE, PARIS_DEPARTMENT = "75056", "75"
EXTRA_ALIASES = {"984": ["taaf"], "989": ["clipperton"], "975": ["spm"]}

metadata = MetaData()

ref_meta = Table(
    "ref_meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
ref_region = Table(
    "ref_region", metadata,
    Column("code", String(3), primary_key=True),
    Column("name", Text, nullable=False),
    Column("zone", String(5), nullable=False),
)
ref_department = Table(
    "ref_department", metadata,
    Column("code", String(3), primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", String(3), nullable=False),
    Column("zone", String(5), nullable=False),
)
ref_collectivity = Table(
    "ref_collectivity", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("type", String(12), nullable=False),
    Column("code", String(9), nullable=False),
    Column("siren", String(9)),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False),  # name_key(name): folded, St -> Saint
    Column("epci_type", String(5)),
    Column("population", Integer),
    Column("department", String(3)),
    Column("region", String(3)),
    Column("postcodes", Text, nullable=False),  # space separated
    Column("zone", String(5), nullable=False),
    Index("ix_ref_collectivity_name_key", "name_key"),
)
# Every other way to reach a collectivity: kind is code (INSEE, département, COM and their aliases),
# siren, postcode or alt (a name without its article, an EPCI name without its legal form).
ref_key = Table(
    "ref_key", metadata,
    Column("kind", String(8), nullable=False),
    Column("key", Text, nullable=False),
    Column("collectivity_id", Integer, nullable=False),
    Index("ix_ref_key_kind_key", "kind", "key"),
)
ref_epci_member = Table(
    "ref_epci_member", metadata,
    Column("epci_siren", String(9), nullable=False),
    Column("commune_code", String(5), nullable=False),
    Index("ix_ref_epci_member_commune", "commune_code"),
)


# --- name keys ----------------------------------------------------------------------------------

_PARENTHESES = re.compile(r"\s*\(([^)]*)\)")
_SAINTS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ARTICLE = re.compile(r"^(?:le|la|les|l) (?=\S)")
_EPCI_FORM = (r"(?:communaute de communes|communaute d agglomeration|communaute urbaine|"
              r"communaute de l agglomeration|eurometropole|metropole|agglomeration|agglo|cc|ca|cu)")
_CONNECTOR = r"(?:de la|de l|du|des|de|d)"
_EPCI_HEAD = re.compile(rf"^{_EPCI_FORM}(?: {_CONNECTOR})? (?=\S)")
_EPCI_TAIL = re.compile(rf" {_EPCI_FORM}$")

# Leading words of a query: (pattern, types it restricts to). "la commune de", "Conseil
# départemental du", "CC", ... An optional article may come first.
_HEADS = [
    (r"mairie|ville|commune|municipalite", ("commune",)),
    (r"conseil departemental|conseil general|departement|cd", ("departement", "com")),
    (r"conseil regional|region", ("region", "com")),  # some COM present themselves as a région
    (r"collectivite territoriale|collectivite d outre mer|collectivite", ("com", "departement", "region")),
    (_EPCI_FORM, ("epci",)),
    (r"syndicat mixte|syndicat intercommunal|syndicat|sivom|sivu|sictom|smictom|petr", ()),
]
_HEAD_RES = [
    (re.compile(rf"^(?:(?:le|la|l) )?(?:{words})(?: (?P<conn>{_CONNECTOR}))?(?: (?P<rest>.+))?$"), types)
    for words, types in _HEADS
]
_RESTORE_ARTICLE = {"du": "le ", "des": "les ", "de la": "la ", "de l": "l "}


def name_key(text: str) -> str:
    """The comparison key of a name: fold() then St/Ste/Sts/Stes written in full."""
    return " ".join(_SAINTS.get(w, w) for w in fold(text).split())


_SAINT_WORD = re.compile(r"\b(saint|sainte|saints|saintes)\b")
_SAINT_SWAP = {"saint": "sainte", "sainte": "saint", "saints": "saintes", "saintes": "saints"}


def _swap_saint(key: str) -> str:
    return _SAINT_WORD.sub(lambda m: _SAINT_SWAP[m.group(1)], key)


def strip_article(key: str) -> str:
    return _ARTICLE.sub("", key)


def epci_core(key: str) -> str:
    """An EPCI name key without its legal form: "cc du pays flechois" -> "pays flechois"."""
    core = _EPCI_TAIL.sub("", _EPCI_HEAD.sub("", key))
    return core or key


def split_head(key: str) -> tuple[tuple[str, ...] | None, list[str]]:
    """("mairie de la rochelle") -> (("commune",), ["la rochelle", "rochelle"]); no head -> (None, [])."""
    for pattern, types in _HEAD_RES:
        m = pattern.match(key)
        if not m:
            continue
        rest = m.group("rest")
        if not rest:
            return types, []
        conn = m.group("conn")
        variants = [_RESTORE_ARTICLE.get(conn, "") + rest, rest] if conn else [rest]
        return types, list(dict.fromkeys(variants))
    return None, []


# --- value objects ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Department:
    code: str
    name: str
    region: str
    region_name: str | None
    zone: str                    # metro | drom | com


@dataclass(frozen=True)
class Collectivity:
    code: str                    # INSEE code (commune), SIREN (EPCI), département / région / COM code
    siren: str | None
    name: str
    type: str                    # commune | epci | departement | region | com
    epci_type: str | None        # CC | CA | CU | METRO | MET69 for an EPCI
    population: int | None       # INSEE population municipale
    department: str | None
    department_name: str | None
    region: str | None
    region_name: str | None
    postcodes: tuple[str, ...]
    zone: str                    # metro | drom | com

    def to_dict(self) -> dict:
        """The `collectivity` object of the engine contract (the caller adds `candidates`)."""
        return {
            "code": self.code, "siren": self.siren, "name": self.name, "type": self.type,
            "epci_type": self.epci_type, "population": self.population,
            "department": self.department, "department_name": self.department_name,
        }


@dataclass(frozen=True)
class LookupResult:
    status: str                  # found | ambiguous | not_found
    query: str
    match: Collectivity | None = None
    candidates: list[Collectivity] = field(default_factory=list)


# --- loading ------------------------------------------------------------------------------------

def extract_sha256(path: Path = EXTRACT_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _loaded_version(engine: Engine) -> tuple[str | None, str | None]:
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "ref_meta"):
            return None, None
        rows = dict(conn.execute(select(ref_meta.c.key, ref_meta.c.value)).all())
    return rows.get("schema"), rows.get("sha256")


def build_rows(extract: dict) -> dict[str, list[dict]]:
    """The rows of every table, from the extract (pure function, no database)."""
    regions = {r["code"]: r for r in extract["regions"]}
    departments = {d["code"]: d for d in extract["departements"]}
    rows: dict[str, list[dict]] = {"ref_region": [], "ref_department": [], "ref_collectivity": [],
                                   "ref_key": [], "ref_epci_member": []}
    ids: dict[tuple[str, str], int] = {}

    def add(type_: str, code: str, name: str, *, siren=None, epci_type=None, population=None,
            department=None, region=None, postcodes=(), zone: str) -> int:
        cid = len(rows["ref_collectivity"]) + 1
        key = name_key(name)
        rows["ref_collectivity"].append({
            "id": cid, "type": type_, "code": code, "siren": siren, "name": name, "name_key": key,
            "epci_type": epci_type, "population": population, "department": department,
            "region": region, "postcodes": " ".join(postcodes), "zone": zone,
        })
        ids[(type_, code)] = cid
        alts = {strip_article(key)}
        bare = _PARENTHESES.sub("", name).strip()  # "CA du Grand Avignon (COGA)", "Bors (Canton de ...)"
        if bare != name:
            alts |= {name_key(bare), strip_article(name_key(bare))}
            if type_ == "epci":
                alts |= {name_key(a) for a in _PARENTHESES.findall(name) if len(a.split()) == 1}  # acronym
        if type_ == "epci":
            alts |= {k for a in list(alts | {key}) for k in (epci_core(a), strip_article(epci_core(a)))}
        for alt in sorted(alts - {key}):
            add_key("alt", alt, cid)
        return cid

    def add_key(kind: str, key: str, cid: int) -> None:
        rows["ref_key"].append({"kind": kind, "key": key, "collectivity_id": cid})

    # population of départements, régions and COM: the sum of their communes
    pop_dep: dict[str, int] = defaultdict(int)
    pop_reg: dict[str, int] = defaultdict(int)
    for c in extract["communes"]:
        if c["population"] is not None:
            pop_dep[c["department"]] += c["population"]
            pop_reg[c["region"]] += c["population"]

    for r in extract["regions"]:
        rows["ref_region"].append({"code": r["code"], "name": r["name"], "zone": r["zone"]})
        if r["zone"] != "com":  # the COM are also listed as régions: exposed once, as "com"
            add("region", r["code"], r["name"], population=pop_reg.get(r["code"]),
                region=r["code"], zone=r["zone"])
    for d in extract["departements"]:
        rows["ref_department"].append(dict(d))
        type_ = "com" if d["zone"] == "com" else "departement"
        cid = add(type_, d["code"], d["name"], population=pop_dep.get(d["code"]),
                  department=d["code"], region=d["region"], zone=d["zone"])
        add_key("code", d["code"], cid)
        for alias in EXTRA_ALIASES.get(d["code"], []):
            add_key("alt", alias, cid)

    com_postcodes: dict[str, set] = defaultdict(set)
    for c in extract["communes"]:
        if c["department"] in COM_WITHOUT_COMMUNES:
            cid = ids[("com", c["department"])]
            add_key("code", c["code"], cid)
            for pc in c["postcodes"]:
                add_key("postcode", pc, cid)
                com_postcodes[c["department"]].add(pc)
            if c["siren"]:
                add_key("siren", c["siren"], cid)
            continue
        cid = add("commune", c["code"], c["name"], siren=c["siren"], population=c["population"],
                  department=c["department"], region=c["region"], postcodes=c["postcodes"],
                  zone=c["zone"])
        add_key("code", c["code"], cid)
        if c["siren"]:
            add_key("siren", c["siren"], cid)
        for pc in c["postcodes"]:
            add_key("postcode", pc, cid)
    for row in rows["ref_collectivity"]:
        if row["type"] == "com" and com_postcodes.get(row["code"]):
            row["postcodes"] = " ".join(sorted(com_postcodes[row["code"]]))

    commune_by_code = {c["code"]: c for c in extract["communes"]}
    for e in extract["epci"]:
        weight: dict[str, int] = defaultdict(int)
        for code in e["members"]:
            member = commune_by_code[code]
            weight[member["department"]] += (member["population"] or 0) + 1
        dep = max(sorted(weight), key=weight.get) if weight else None
        dep_row = departments.get(dep) if dep else None
        cid = add("epci", e["siren"], e["name"], siren=e["siren"], epci_type=e["type"],
                  population=e["population"], department=dep,
                  region=dep_row["region"] if dep_row else None,
                  zone=dep_row["zone"] if dep_row else "metro")
        add_key("siren", e["siren"], cid)
        for code in e["members"]:
            rows["ref_epci_member"].append({"epci_siren": e["siren"], "commune_code": code})
    assert all(r["region"] in regions for r in rows["ref_department"])
    return rows


def load(engine: Engine | None = None, force: bool = False, path: Path = EXTRACT_PATH) -> bool:
    """Create and fill the ref_ tables from the extract; True if (re)loaded, False if up to date."""
    engine = engine or get_engine()
    sha = extract_sha256(path)
    schema, loaded_sha = _loaded_version(engine)
    if not force and schema == SCHEMA_VERSION and loaded_sha == sha:
        return False
    rows = build_rows(json.loads(gzip.decompress(path.read_bytes())))
    if schema is not None and schema != SCHEMA_VERSION:
        with engine.begin() as conn:
            metadata.drop_all(conn)
    with engine.begin() as conn:
        metadata.create_all(conn)  # no-op when the tables exist; the data below is one transaction
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        for table in metadata.sorted_tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
        conn.execute(ref_meta.insert(), [{"key": "schema", "value": SCHEMA_VERSION},
                                         {"key": "sha256", "value": sha},
                                         {"key": "source", "value": str(path.name)}])
    return True


# --- lookups ------------------------------------------------------------------------------------

_SPACES_DOTS = re.compile(r"[\s.\-]+")
_FORCED = re.compile(r"^(?:code\s*)?(insee|postal|cp|siren|siret)\s*:?\s*(\S.*)$", re.IGNORECASE)
_INSEE_OR_POSTCODE = re.compile(r"^\d[\dAB]\d{3}$")
_DEPARTMENT_CODE = re.compile(r"^(?:\d{2}|2[AB]|97\d|98\d)$")


class Referential:
    _instances: dict[Engine, "Referential"] = {}
    _lock = threading.Lock()

    def __init__(self, engine: Engine):
        self.engine = engine
        with engine.connect() as conn:
            regions = {r.code: r for r in conn.execute(select(ref_region)).all()}
            deps = conn.execute(select(ref_department)).all()
        self._region_names = {code: r.name for code, r in regions.items()}
        self._departments: dict[str, Department] = {}
        self._department_keys: dict[str, Department] = {}
        for d in deps:
            dep = Department(d.code, d.name, d.region, self._region_names.get(d.region), d.zone)
            self._departments[d.code] = dep
            key = name_key(d.name)
            for k in (d.code.lower(), key, strip_article(key)):
                self._department_keys.setdefault(k, dep)

    @classmethod
    def open(cls, engine: Engine | None = None) -> "Referential":
        """The referential of this engine (default: assistant.db.get_engine()), loaded if needed."""
        engine = engine or get_engine()
        instance = cls._instances.get(engine)
        if instance is None:
            with cls._lock:
                instance = cls._instances.get(engine)
                if instance is None:
                    load(engine)
                    instance = cls._instances[engine] = cls(engine)
        return instance

    # -- départements

    def department(self, code_or_name) -> Department | None:
        """A département or COM from its code ("68", "2a", "974", "1") or name ("haut rhin", "Réunion")."""
        if not isinstance(code_or_name, (str, int)) or isinstance(code_or_name, bool):
            return None
        text = str(code_or_name).strip()
        if not text or len(text) > MAX_QUERY_LENGTH:
            return None
        if text.isdigit() and len(text) == 1:
            text = "0" + text
        key = name_key(text)
        found = self._department_keys.get(text.lower()) or self._department_keys.get(key)
        if found:
            return found
        types, variants = split_head(key)
        if types and ("departement" in types or "com" in types):
            for v in variants:
                found = self._department_keys.get(v) or self._department_keys.get(strip_article(v))
                if found:
                    return found
        return self._department_keys.get(strip_article(key))

    def departments(self) -> list[Department]:
        return sorted(self._departments.values(), key=lambda d: d.code)

    # -- collectivities

    def lookup(self, text, department=None) -> LookupResult:
        """Find a collectivity from a name, INSEE code, SIREN or postcode; never raises on bad text."""
        query = text if isinstance(text, str) else ""
        query = query.strip()
        if not query or len(query) > MAX_QUERY_LENGTH:
            return LookupResult("not_found", query[:MAX_QUERY_LENGTH])
        dep = self.department(department) if department not in (None, "") else None
        found = self._find(query)
        if dep is not None:
            found = [c for c in found if self._in_department(c, dep)]
        if len(found) == 1:
            return LookupResult("found", query, match=found[0])
        if not found:
            return LookupResult("not_found", query)
        return LookupResult("ambiguous", query, candidates=found)

    def epci_of(self, commune_code: str) -> Collectivity | None:
        """The EPCI à fiscalité propre a commune belongs to (None for the few isolated communes)."""
        stmt = (select(ref_collectivity)
                .join(ref_epci_member, ref_epci_member.c.epci_siren == ref_collectivity.c.code)
                .where(ref_epci_member.c.commune_code == str(commune_code),
                       ref_collectivity.c.type == "epci"))
        found = self._rows(stmt)
        return found[0] if found else None

    def name_rows(self) -> tuple[list[dict], list[tuple[str, int]]]:
        """Every collectivity (id, type, code, name, name_key, department, population) and every
        alternative name key (key, id): what assistant.reading.names builds its index from."""
        cols = ref_collectivity.c
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(
                select(cols.id, cols.type, cols.code, cols.name, cols.name_key, cols.department, cols.population))]
            alts = [(r.key, r.collectivity_id) for r in conn.execute(
                select(ref_key.c.key, ref_key.c.collectivity_id).where(ref_key.c.kind == "alt"))]
        return rows, alts

    def get(self, type_: str, code: str) -> Collectivity | None:
        found = self._rows(select(ref_collectivity).where(ref_collectivity.c.type == type_,
                                                          ref_collectivity.c.code == code))
        return found[0] if found else None

    # -- internals

    def _find(self, query: str) -> list[Collectivity]:
        forced = _FORCED.match(query)
        if forced:
            kind, value = forced.group(1).lower(), _SPACES_DOTS.sub("", forced.group(2)).upper()
            if kind == "siret":
                kind, value = "siren", value[:9]
            return self._by_keys({"insee": "code", "postal": "postcode", "cp": "postcode"}.get(kind, kind),
                                 [value])
        compact = _SPACES_DOTS.sub("", query).upper()
        if compact.isdigit() and len(compact) in (9, 14):
            return self._by_keys("siren", [compact[:9]])
        if _INSEE_OR_POSTCODE.match(compact):
            return self._unique(self._by_keys("code", [compact]) + self._by_keys("postcode", [compact]))
        if _DEPARTMENT_CODE.match(compact):
            return self._by_keys("code", [compact])
        return self._by_name(name_key(query))

    def _by_name(self, key: str) -> list[Collectivity]:
        if not key:
            return []
        found = self._same_collectivity(self._by_name_keys([key]))
        if found:
            return found
        types, variants = split_head(key)
        if types == ():            # a syndicat: not in the referential
            return []
        if types:
            found = [c for c in self._by_name_keys(variants) if c.type in types]
            if found:
                return self._same_collectivity(found)
            alts = list(dict.fromkeys(a for v in variants for a in (v, strip_article(v), epci_core(v))))
            return self._same_collectivity([c for c in self._by_keys("alt", alts) if c.type in types])
        alts = list(dict.fromkeys([key, strip_article(key)]))
        found = self._same_collectivity(self._by_keys("alt", alts))
        if not found and _SAINT_WORD.search(key):  # "St Colombe": the user meant Sainte-Colombe
            found = self._same_collectivity(self._by_name_keys([_swap_saint(key)]))
        return found

    def _by_name_keys(self, keys: list[str]) -> list[Collectivity]:
        return self._rows(select(ref_collectivity).where(ref_collectivity.c.name_key.in_(keys)))

    def _by_keys(self, kind: str, keys: list[str]) -> list[Collectivity]:
        stmt = (select(ref_collectivity)
                .join(ref_key, ref_key.c.collectivity_id == ref_collectivity.c.id)
                .where(ref_key.c.kind == kind, ref_key.c.key.in_(keys)))
        return self._unique(self._rows(stmt))

    def _rows(self, stmt) -> list[Collectivity]:
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        found = [self._collectivity(r) for r in rows]
        return sorted(found, key=lambda c: (-(c.population or -1), TYPES.index(c.type), c.code))

    def _collectivity(self, row) -> Collectivity:
        dep = self._departments.get(row.department) if row.department else None
        return Collectivity(
            code=row.code, siren=row.siren, name=row.name, type=row.type, epci_type=row.epci_type,
            population=row.population, department=row.department,
            department_name=dep.name if dep else None, region=row.region,
            region_name=self._region_names.get(row.region) if row.region else None,
            postcodes=tuple(row.postcodes.split()), zone=row.zone,
        )

    @staticmethod
    def _unique(found: list[Collectivity]) -> list[Collectivity]:
        seen, out = set(), []
        for c in found:
            if (c.type, c.code) not in seen:
                seen.add((c.type, c.code))
                out.append(c)
        return sorted(out, key=lambda c: (-(c.population or -1), TYPES.index(c.type), c.code))

    @staticmethod
    def _same_collectivity(found: list[Collectivity]) -> list[Collectivity]:
        """Drop the duplicates of one collectivity under two types (see the module docstring)."""
        types = {(c.type, c.code) for c in found}
        deps = {c.name for c in found if c.type == "departement"}
        return [c for c in found
                if not (c.type == "region" and c.name in deps)
                and not (c.type == "departement" and c.code == PARIS_DEPARTMENT
                         and ("commune", PARIS_COMMUNE) in types)]

    def _in_department(self, c: Collectivity, dep: Department) -> bool:
        if c.type == "region":
            return c.code == dep.region
        return c.department == dep.code
