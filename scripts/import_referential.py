#!/usr/bin/env python3
"""Build the committed referential extract from the npm package @etalab/decoupage-administratif.

    python scripts/import_referential.py                # runs `npm pack` in a temporary directory
    python scripts/import_referential.py --from PATH    # PATH: the .tgz, the unpacked package/ or package/data/

Writes knowledge/referential/referential.json.gz (only the fields the assistant needs, gzip with a
fixed mtime so that the same data always gives the same bytes and the same sha256) and
knowledge/referential/PROVENANCE.md. `assistant referential load` then rebuilds the database tables
from the extract; this script is only run again to move to a new version of the package.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "knowledge" / "referential"
EXTRACT = OUT_DIR / "referential.json.gz"
FILES = ("communes.json", "epci.json", "departements.json", "regions.json")


# --- reading the package ------------------------------------------------------------------------

def read_tarball(path: Path) -> dict[str, list]:
    data = {}
    with tarfile.open(path, "r:gz") as tar:
        for name in FILES:
            member = tar.extractfile(f"package/data/{name}")
            data[name] = json.load(member)
        pkg = json.load(tar.extractfile("package/package.json"))
    check_version(pkg)
    return data


def read_directory(path: Path) -> dict[str, list]:
    data_dir = path / "data" if (path / "data").is_dir() else path
    pkg_json = data_dir.parent / "package.json"
    if pkg_json.is_file():
        check_version(json.loads(pkg_json.read_text(encoding="utf-8")))
    return {name: json.loads((data_dir / name).read_text(encoding="utf-8")) for name in FILES}


def check_version(pkg: dict) -> None:
    if pkg.get("name") != PACKAGE or pkg.get("version") != VERSION:
        sys.exit(f"expected {PACKAGE}@{VERSION}, found {pkg.get('name')}@{pkg.get('version')}")


def tarball_digests(path: Path) -> dict[str, str]:
    raw = path.read_bytes()
    return {
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode(),
        "shasum": hashlib.sha1(raw).hexdigest(),
    }


def npm_pack(workdir: Path) -> tuple[Path, dict]:
    spec = f"{PACKAGE}@{VERSION}"
    out = subprocess.run(["npm", "pack", spec, "--json"], cwd=workdir, check=True,
                         capture_output=True, text=True).stdout
    info = json.loads(out)[0]
    return workdir / info["filename"], {"integrity": info.get("integrity"), "shasum": info.get("shasum")}


# --- the extract --------------------------------------------------------------------------------

def build_extract(data: dict[str, list]) -> dict:
    communes = [c for c in data["communes.json"] if c.get("type") == "commune-actuelle"]
    return {
        "format": 1,
        "source": {"package": PACKAGE, "version": VERSION, "licence": "MIT"},
        "regions": [
            {"code": r["code"], "name": r["nom"], "zone": r["zone"]}
            for r in sorted(data["regions.json"], key=lambda r: r["code"])
        ],
        "departements": [
            {"code": d["code"], "name": d["nom"], "region": d["region"], "zone": d["zone"]}
            for d in sorted(data["departements.json"], key=lambda d: d["code"])
        ],
        "communes": [
            {
                "code": c["code"],
                "name": c["nom"],
                "siren": c.get("siren"),            # absent for the 94 entries of the COM
                "department": c["departement"],
                "region": c["region"],
                "postcodes": sorted(c.get("codesPostaux") or []),
                "population": c.get("population"),  # INSEE population municipale; absent for TAAF, Clipperton
                "zone": c["zone"],
            }
            for c in sorted(communes, key=lambda c: c["code"])
        ],
        "epci": [
            {
                "siren": e["code"],
                "name": e["nom"],
                "type": e["type"],
                # populationMunicipale, not populationTotale: the package gives communes only their
                # population municipale, so the EPCI uses the same definition and a commune and its
                # EPCI are compared like for like (totale double-counts people "comptés à part",
                # e.g. students, in two communes). See PROVENANCE.md.
                "population": e["populationMunicipale"],
                "members": sorted(m["code"] for m in e["membres"]),
            }
            for e in sorted(data["epci.json"], key=lambda e: e["code"])
        ],
    }


def write_extract(extract: dict, path: Path) -> str:
    raw = json.dumps(extract, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return hashlib.sha256(buf.getvalue()).hexdigest()


PROVENANCE = """\
# Provenance of the referential extract

| | |
|---|---|
| package | `{package}` (npm), version `{version}` |
| licence | MIT ("Copyright (c) 2018-2019 Etalab"; the package redistributes INSEE COG, INSEE populations, DGCL EPCI and La Poste postcodes: see its README) |
| npm integrity | `{integrity}` |
| npm shasum | `{shasum}` |
| tarball | https://registry.npmjs.org/@etalab/decoupage-administratif/-/decoupage-administratif-{version}.tgz |
| imported on | {date} |
| command | `{command}` |
| extract | `referential.json.gz`, sha256 `{sha256}` ({size} bytes) |

Counts kept: {n_communes} communes (`type: commune-actuelle` only; {n_dropped} communes déléguées,
associées and arrondissements municipaux dropped), {n_epci} EPCI à fiscalité propre ({epci_types}),
{n_dep} départements (incl. the {n_com} collectivités d'outre-mer listed as départements), {n_reg} régions
(same remark).

Fields kept: communes (code INSEE, name, SIREN, département, région, postcodes, population, zone),
EPCI (SIREN, name, type, population, members as INSEE codes), départements (code, name, région, zone),
régions (code, name, zone). Nothing else from the package is used.

## Readings written down

- **Population.** Commune `population` is the INSEE *population municipale* (the only figure the
  package gives for communes). For EPCI we keep `populationMunicipale` (not `populationTotale`)
  so that a commune and its EPCI use the same definition. Caveat: the EPCI member figures of the
  package come from the DGCL file and are of an older vintage than the commune figures, and the
  population *totale* is the one legal texts usually refer to. Example right at the 5 000 threshold
  of the circular: Mamers (72180) has population municipale 4 996 here, while the DGCL file lists
  it with 5 080 (municipale) / 5 239 (totale). The prefecture decides; the assistant should say
  which figure it used.
- **Population of départements, régions, COM** is not in the package: the loader sums the
  population municipale of their communes (none for TAAF and Clipperton).
- **Collectivités d'outre-mer.** 975 Saint-Pierre-et-Miquelon, 977 Saint-Barthélemy,
  978 Saint-Martin, 984 TAAF, 986 Wallis-et-Futuna, 987 Polynésie française,
  988 Nouvelle-Calédonie and 989 Clipperton appear in the package both as départements and as
  régions (zone `com`). The assistant exposes each as one collectivity of type `com` (the FITN7
  text names "collectivités d'Outre-mer" among the priority applicants). Nouvelle-Calédonie is
  strictly a collectivité *sui generis* (title XIII of the Constitution), TAAF a territory
  administered by a préfet and Clipperton a public domain of the State without inhabitants: they
  are still typed `com` because that is how the applicant would present itself and the prefecture
  (or haut-commissariat) is the one to ask; the answer must leave the final word to it.
- **Communes of the COM.** Saint-Pierre-et-Miquelon, Polynésie française and Nouvelle-Calédonie
  have real communes: they stay communes (zone `com`). The single "communes" listed for
  Saint-Barthélemy (97701) and Saint-Martin (97801) are the COM themselves, and the entries of
  Wallis-et-Futuna (circonscriptions), TAAF (districts) and Clipperton are not communes: their
  INSEE codes and postcodes resolve to the COM.
"""


def write_provenance(extract: dict, digests: dict, sha256: str, size: int, command: str,
                     n_all_communes: int) -> None:
    com = [d for d in extract["departements"] if d["zone"] == "com"]
    types: dict[str, int] = {}
    for e in extract["epci"]:
        types[e["type"]] = types.get(e["type"], 0) + 1
    text = PROVENANCE.format(
        package=PACKAGE, version=VERSION, integrity=digests.get("integrity") or "unknown",
        shasum=digests.get("shasum") or "unknown", date=dt.date.today().isoformat(), command=command,
        sha256=sha256, size=size, n_communes=len(extract["communes"]),
        n_dropped=n_all_communes - len(extract["communes"]), n_epci=len(extract["epci"]),
        epci_types=", ".join(f"{k} {v}" for k, v in sorted(types.items())),
        n_dep=len(extract["departements"]), n_com=len(com), n_reg=len(extract["regions"]),
    )
    (OUT_DIR / "PROVENANCE.md").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path,
                        help="a local copy: the .tgz, the unpacked package/ or its data/ directory")
    args = parser.parse_args(argv)
    command = "python scripts/import_referential.py" + (f" --from {args.source}" if args.source else "")

    with tempfile.TemporaryDirectory() as tmp:
        if args.source is None:
            tarball, announced = npm_pack(Path(tmp))
            digests = tarball_digests(tarball)
            if announced.get("integrity") and announced["integrity"] != digests["integrity"]:
                sys.exit("npm pack integrity does not match the tarball")
            data = read_tarball(tarball)
        elif args.source.is_file():
            digests = tarball_digests(args.source)
            data = read_tarball(args.source)
        else:
            digests = {}
            data = read_directory(args.source)

    extract = build_extract(data)
    sha256 = write_extract(extract, EXTRACT)
    write_provenance(extract, digests, sha256, EXTRACT.stat().st_size, command,
                     len(data["communes.json"]))
    print(f"{EXTRACT.relative_to(ROOT)}: {len(extract['communes'])} communes, {len(extract['epci'])} EPCI, "
          f"{len(extract['departements'])} départements, {len(extract['regions'])} régions, sha256 {sha256}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
