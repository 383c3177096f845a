"""The referential of collectivities: YAML cases (tests/cases/referential.yml) and the loader."""
from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from assistant.db import get_engine
from assistant.eligibility.referential import (
    EXTRACT_PATH, Collectivity, Referential, build_rows, epci_core, load, name_key, ref_collectivity,
    ref_meta,
)

CASES = yaml.safe_load((Path(__file__).parent.parent / "cases" / "referential.yml").read_text(encoding="utf-8"))


def _query(case: dict) -> str:
    if "query_repeat" in case:
        return case["query_repeat"]["text"] * case["query_repeat"]["times"]
    return case["query"]


def _case_id(case: dict) -> str:
    query = _query(case)
    label = query if len(query) <= 40 else f"{query[:20]}...({len(query)} chars)"
    return f"{label}|{case.get('department') or ''}"


@pytest.mark.parametrize("case", CASES["lookups"], ids=_case_id)
def test_lookup_case(referential, case):
    result = referential.lookup(_query(case), department=case.get("department"))
    assert result.status == case["status"], [(c.code, c.name) for c in result.candidates]
    if case["status"] == "found":
        assert result.match is not None and result.candidates == []
        for key, expected in case.get("match", {}).items():
            assert getattr(result.match, key) == expected, key
    elif case["status"] == "ambiguous":
        assert result.match is None
        codes = [c.code for c in result.candidates]
        assert len(codes) == len(set(codes)) >= 2
        if "candidates" in case:
            assert codes == case["candidates"]
        if "count" in case:
            assert len(codes) == case["count"]
        if "first" in case:
            assert codes[0] == case["first"]
        assert set(case.get("candidates_include", [])) <= set(codes)
        populations = [c.population if c.population is not None else -1 for c in result.candidates]
        assert populations == sorted(populations, reverse=True)
        assert all(c.department_name or c.type == "region" for c in result.candidates)
    else:
        assert result.match is None and result.candidates == []


@pytest.mark.parametrize("case", CASES["population_boundary"], ids=lambda c: c["name"])
def test_population_boundary_communes(referential, case):
    """The engine's boundary tests reuse these communes: their figures must stay true."""
    result = referential.lookup(case["code"])
    assert result.status == "found"
    assert (result.match.name, result.match.population) == (case["name"], case["population"])


@pytest.mark.parametrize("text,code", list(CASES["departments"].items()))
def test_department(referential, text, code):
    dep = referential.department(text)
    assert (dep.code if dep else None) == code


@pytest.mark.parametrize("value", [None, 68.0, ["68"], {"code": "68"}, True, 10**40])
def test_bad_types_never_raise(referential, value):
    assert referential.lookup(value).status == "not_found"
    assert referential.department(value) is None


def test_to_dict_matches_the_contract(referential):
    d = referential.lookup("Mamers").match.to_dict()
    assert d == {"code": "72180", "siren": "217201805", "name": "Mamers", "type": "commune",
                 "epci_type": None, "population": 4996, "department": "72", "department_name": "Sarthe"}
    json.dumps(d)


def test_epci_of(referential):
    epci = referential.epci_of("74042")  # Bonneville
    assert (epci.code, epci.type) == ("200000172", "epci")
    assert referential.epci_of("22016") is None  # Île-de-Bréhat, in no EPCI


def test_open_is_cached_per_engine(db_engine, referential):
    assert Referential.open(db_engine) is referential
    assert Referential.open() is referential  # the session DATABASE_URL set by the root conftest


def test_loaded_counts(db_engine, referential):
    with db_engine.connect() as conn:
        counts = dict(conn.execute(select(ref_collectivity.c.type, func.count())
                                   .group_by(ref_collectivity.c.type)).all())
    # 34 969 communes minus the 11 pseudo-communes of 977, 978, 984, 986, 989; 101 départements
    # and 18 régions (metropolitan and overseas); 8 COM; 1 255 EPCI
    assert counts == {"commune": 34958, "epci": 1255, "departement": 101, "region": 18, "com": 8}


def test_load_is_idempotent(db_engine, referential):
    assert load(db_engine) is False
    with db_engine.connect() as conn:
        stored = dict(conn.execute(select(ref_meta.c.key, ref_meta.c.value)).all())
    assert len(stored["sha256"]) == 64


def _tiny_extract() -> dict:
    return {
        "format": 1, "source": {},
        "regions": [{"code": "52", "name": "Pays de la Loire", "zone": "metro"}],
        "departements": [{"code": "72", "name": "Sarthe", "region": "52", "zone": "metro"}],
        "communes": [
            {"code": "72180", "name": "Mamers", "siren": "217201805", "department": "72", "region": "52",
             "postcodes": ["72600"], "population": 4996, "zone": "metro"},
            {"code": "72181", "name": "Le Mans", "siren": "217201813", "department": "72", "region": "52",
             "postcodes": ["72000", "72100"], "population": 146249, "zone": "metro"},
        ],
        "epci": [{"siren": "200072676", "name": "CC Maine Saosnois", "type": "CC", "population": 27476,
                  "members": ["72180"]}],
    }


def _write(extract: dict, path: Path) -> Path:
    path.write_bytes(gzip.compress(json.dumps(extract).encode()))
    return path


def test_load_reloads_only_when_the_extract_changes(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'tiny.sqlite'}")
    try:
        extract = _tiny_extract()
        path = _write(extract, tmp_path / "tiny.json.gz")
        assert load(engine, path=path) is True
        assert load(engine, path=path) is False
        assert load(engine, path=path, force=True) is True
        extract["communes"][0]["population"] = 5001
        _write(extract, path)
        assert load(engine, path=path) is True
        with engine.begin() as conn:  # tables of an older version of the code: rebuilt
            conn.execute(ref_meta.update().where(ref_meta.c.key == "schema").values(value="0"))
        assert load(engine, path=path) is True
        assert load(engine, path=path) is False
        ref = Referential(engine)
        assert ref.lookup("mamers").match.population == 5001
        assert ref.lookup("72600").match.code == "72180"
        assert ref.lookup("Maine Saosnois").match.code == "200072676"
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(ref_collectivity)).scalar() == 5
    finally:
        engine.dispose()


def test_build_rows_of_the_committed_extract_are_consistent():
    rows = build_rows(json.loads(gzip.decompress(EXTRACT_PATH.read_bytes())))
    ids = {r["id"] for r in rows["ref_collectivity"]}
    assert all(k["collectivity_id"] in ids for k in rows["ref_key"])
    epci = [r for r in rows["ref_collectivity"] if r["type"] == "epci"]
    assert all(r["department"] and r["epci_type"] in {"CC", "CA", "CU", "METRO", "MET69"} for r in epci)


@pytest.mark.parametrize("text,key", [
    ("Saint-Étienne", "saint etienne"), ("St Étienne", "saint etienne"), ("STE-MARIE", "sainte marie"),
    ("L'Haÿ-les-Roses", "l hay les roses"), ("Œuilly", "oeuilly"),
])
def test_name_key(text, key):
    assert name_key(text) == key


@pytest.mark.parametrize("name,core", [
    ("CC du Pays Fléchois", "pays flechois"), ("Rennes Métropole", "rennes"),
    ("Communauté d'agglomération de La Rochelle", "rochelle"), ("CC Faucigny - Glières", "faucigny glieres"),
])
def test_epci_core(name, core):
    assert epci_core(name_key(name)) == core


def test_collectivity_is_immutable(referential):
    match = referential.lookup("Mamers").match
    assert isinstance(match, Collectivity)
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.population = 1
