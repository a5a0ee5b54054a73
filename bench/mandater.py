"""Benchmark of *Mandater tout* (Téléprocédures, not run by CI).

Builds once (not timed) a SQLite database holding one flux pivot of 1,000 invoices read
by ``importer_fichier``: 200 suppliers (each with its own valid SIRET, so 200 tiers and
200 bank accounts are created on the way), 0 to 3 pivot lines per invoice, one in five
with a supplementary PJ. Then measures, each in a fresh process on a copy of that base:

* Corail: ``mandater(session, ctx, None)`` — every eligible invoice, one transaction,
  commit included (tiers matched or created, IBAN checked, article checked, imputations
  pre-filled, every PJ attached, états, étapes, flux état);
* the floor: the very rows Corail inserted and updated in that run (read back from its
  database, not timed), written into another copy of the base by bare SQLAlchemy Core
  ``executemany`` — one ``INSERT`` per table, one ``UPDATE`` per table and set of changed
  columns — in one transaction: the least any code writing those rows must do. It makes no
  query, no check and no decision, so the ratio is the price of Corail's work per invoice.

Each is measured ``--repetitions`` times (default 3), floor and Corail in turn; the ratio
compares the best time of each. No target in issue 10: the figure is recorded. ``--profil``
adds one run under cProfile and lists where Corail's time goes.
Usage: ``python bench/mandater.py [--factures N] [--repetitions N] [--dossier DIR] [--profil] [--json]``
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VERSION_DONNEES = 1  # bump when construire() changes: the cached base is rebuilt


def _pic_rss_mo() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _siret(i: int) -> str:
    """A valid SIRET (SIREN and SIRET Luhn keys) for supplier ``i``."""
    from stdnum import luhn

    siren = f"4{i:07d}"
    siren += luhn.calc_check_digit(siren)
    base = f"{siren}0001"
    return base + luhn.calc_check_digit(base)


def construire(dossier: Path, n: int) -> tuple[Path, dict]:
    """The base (kept between runs) with n invoices read and waiting to be mandated."""
    fichier = dossier / f"mandater_{n}_v{VERSION_DONNEES}.db"
    meta = fichier.with_suffix(".json")
    os.environ["CORAIL_DATA_DIR"] = str(dossier)
    from corail.context import Context, FixedClock
    from corail.db.engine import Database
    from corail.db.migrate import migrer

    if fichier.exists() and meta.exists():  # kept, with the migrations written since
        db = Database(f"sqlite:///{fichier}")
        migrer(db)
        db.dispose()
        return fichier, json.loads(meta.read_text())
    from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
    from corail.services.collectivites import initialiser_collectivite
    from corail.services.pivot_import import importer_fichier

    fichier.unlink(missing_ok=True)
    db = Database(f"sqlite:///{fichier}")
    migrer(db)
    clock = FixedClock()
    with db.transaction() as s:
        init = initialiser_collectivite(s, clock, "bench", nom="BENCH", siret="21310555400017",
                                        code_col="123", code_bud="01", poste="031000", exercice=2026)
    ctx = Context(init.collectivite_id, init.budget_id, 2026, "bench", clock)
    factures = []
    for i in range(n):
        f = exemple_facture(f"BENCH-{i:05d}", siret_debiteur="21310555400017", code_service=None,
                            avec_pdf=False, fournisseur=(_siret(i % 200), f"Fournisseur n° {i % 200} SARL"),
                            montant_ht=f"{100 + i}.{i % 100:02d}", lignes=i % 4,
                            avec_pj_complementaire=i % 5 == 0)
        factures.append(replace(f, numordre=i + 1))
    flux = dossier / f"flux_mandater_{n}.xml"
    flux.write_bytes(build_pivot(exemple_flux(*factures), pretty=False))
    with db.transaction() as s:
        lu = importer_fichier(s, ctx, flux)
    db.dispose()
    flux.unlink()
    infos = {"collectivite": ctx.collectivite_id, "budget": ctx.budget_id, "factures": lu.nb_factures}
    meta.write_text(json.dumps(infos))
    return fichier, infos


def _ctx(infos: dict):
    from corail.context import Context, FixedClock

    return Context(infos["collectivite"], infos["budget"], 2026, "bench", FixedClock())


def mesure_corail(base: Path, infos: dict, sortie: Path) -> dict:
    from corail.db.engine import Database
    from corail.services.mandatement import mandater

    shutil.copyfile(base, sortie)
    db = Database(f"sqlite:///{sortie}")
    ctx = _ctx(infos)
    debut = time.perf_counter()
    with db.transaction() as s:
        res = mandater(s, ctx, None)
    secondes = time.perf_counter() - debut
    db.dispose()
    return {"secondes": secondes, "pic_rss_mo": _pic_rss_mo(), "mandats": len(res.traitees),
            "ignorees": len(res.ignorees)}


def profil(base: Path, infos: dict, sortie: Path) -> list[tuple[str, float]]:
    """One more run under cProfile (not timed): Corail's functions taking the most time, as a
    share of ``mandater``'s (cumulative, so nested functions overlap)."""
    import cProfile
    import pstats

    profileur = cProfile.Profile()
    profileur.runcall(mesure_corail, base, infos, sortie)
    stats = pstats.Stats(profileur).stats
    total = max(cum for (_f, _l, nom), (_cc, _nc, _tt, cum, _c) in stats.items() if nom == "mandater")
    lignes = sorted(((f"{Path(f).stem}.{nom}", cum / total) for (f, _l, nom), (_cc, _nc, _tt, cum, _c)
                     in stats.items() if f"{os.sep}corail{os.sep}" in f
                     and nom not in ("mandater", "_mandater_lot", "_mandat", "<genexpr>", "<listcomp>",
                                     "<module>")), key=lambda x: -x[1])
    return lignes[:5]


def _lignes(conn, table) -> dict[tuple, dict]:
    from sqlalchemy import select

    cles = [c.name for c in table.primary_key.columns]
    return {tuple(r[k] for k in cles): dict(r) for r in conn.execute(select(table)).mappings()}


def differences(base: Path, apres: Path) -> list[tuple]:
    """(table, rows to insert, {changed columns: rows to update}) for every table that changed."""
    from sqlalchemy import create_engine, inspect

    from corail.db.models import Base

    avant_e, apres_e = create_engine(f"sqlite:///{base}"), create_engine(f"sqlite:///{apres}")
    changes = []
    with avant_e.connect() as avant, apres_e.connect() as ensuite:
        presentes = set(inspect(ensuite).get_table_names())  # a model whose migration is not written yet
        for table in Base.metadata.sorted_tables:
            if table.name not in presentes:
                continue
            a, b = _lignes(avant, table), _lignes(ensuite, table)
            nouvelles = [r for k, r in b.items() if k not in a]
            modifiees: dict[tuple, list] = {}
            for k, r in b.items():
                if k in a and r != a[k]:
                    cols = tuple(c for c in r if r[c] != a[k][c])
                    modifiees.setdefault(cols, []).append(r)
            if nouvelles or modifiees:
                changes.append((table, nouvelles, modifiees))
    avant_e.dispose()
    apres_e.dispose()
    return changes


def mesure_plancher(base: Path, corail: Path, sortie: Path) -> dict:
    from sqlalchemy import and_, bindparam, insert, update

    from corail.db.engine import Database

    changes = differences(base, corail)  # read before the clock starts
    shutil.copyfile(base, sortie)
    db = Database(f"sqlite:///{sortie}")
    lignes = 0
    debut = time.perf_counter()
    with db.engine.begin() as conn:
        for table, nouvelles, modifiees in changes:
            if nouvelles:
                conn.execute(insert(table), nouvelles)
            cles = [c.name for c in table.primary_key.columns]
            for cols, rows in modifiees.items():
                stmt = (update(table)
                        .where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in cles)))
                        .values({c: bindparam(c) for c in cols}))
                conn.execute(stmt, [{**{c: r[c] for c in cols}, **{f"k_{k}": r[k] for k in cles}}
                                    for r in rows])
            lignes += len(nouvelles) + sum(map(len, modifiees.values()))
    secondes = time.perf_counter() - debut
    db.dispose()
    detail = {t.name: [len(n), sum(map(len, m.values()))] for t, n, m in changes}
    return {"secondes": secondes, "pic_rss_mo": _pic_rss_mo(), "lignes": lignes, "tables": detail}


def _enfant(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--mesure", *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _n(nombre: int) -> str:
    """Thousands separated by a narrow no-break space, as Corail shows them."""
    return f"{nombre:,}".replace(",", "\u202f")


def _pc(part: float) -> str:
    return f"{part * 100:.0f}\u202f%"


def _meilleur(mesures: list[dict]) -> dict:
    return {**min(mesures, key=lambda m: m["secondes"]),
            "pic_rss_mo": max(m["pic_rss_mo"] for m in mesures),
            "toutes": [round(m["secondes"], 3) for m in mesures]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factures", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--dossier", type=Path, default=Path(tempfile.gettempdir()) / "corail-bench-mandater")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    parser.add_argument("--profil", action="store_true",
                        help="one more run under cProfile: where Corail's time goes")
    parser.add_argument("--mesure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mesure:
        mode, *reste = args.mesure
        if mode == "corail":
            print(json.dumps(mesure_corail(Path(reste[0]), json.loads(reste[1]), Path(reste[2]))))
        elif mode == "profil":
            print(json.dumps(profil(Path(reste[0]), json.loads(reste[1]), Path(reste[2]))))
        else:
            print(json.dumps(mesure_plancher(*map(Path, reste))))
        return 0
    args.dossier.mkdir(parents=True, exist_ok=True)
    charge = [os.getloadavg()[0]]
    print(f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
          f"Python {platform.python_version()}, charge {charge[0]:.1f}")
    base, infos = construire(args.dossier, args.factures)
    corail, plancher = [], []
    with tempfile.TemporaryDirectory(dir=args.dossier) as tmp:
        sortie_corail, sortie_plancher = Path(tmp) / "corail.db", Path(tmp) / "plancher.db"
        for _ in range(max(args.repetitions, 1)):
            corail.append(_enfant("corail", str(base), json.dumps(infos), str(sortie_corail)))
            plancher.append(_enfant("plancher", str(base), str(sortie_corail), str(sortie_plancher)))
        chauds = _enfant("profil", str(base), json.dumps(infos), str(sortie_corail)) if args.profil else []
    charge.append(os.getloadavg()[0])
    c, p = _meilleur(corail), _meilleur(plancher)
    ratio = c["secondes"] / p["secondes"]
    tables = ", ".join(f"{t} {n}+{m}" if m else f"{t} {n}" for t, (n, m) in p["tables"].items())
    print(f"Mandater tout, {c['mandats']} factures ({c['ignorees']} ignorées) : Corail "
          f"{c['secondes']:.2f} s (essais {c['toutes']}), pic RSS {c['pic_rss_mo']:.0f} Mo, "
          f"{c['mandats'] / c['secondes']:.0f} factures/s | plancher (executemany Core des mêmes "
          f"{p['lignes']} lignes) {p['secondes']:.3f} s (essais {p['toutes']}), pic RSS "
          f"{p['pic_rss_mo']:.0f} Mo | ratio {ratio:.1f}")
    print(f"  lignes écrites (insérées+modifiées) : {tables}")
    profil_texte = ", ".join(f"{nom} {_pc(part)}" for nom, part in chauds)
    if chauds:
        print(f"  profil (cProfile, temps cumulé en part de mandater) : {profil_texte}")
    print("Pas de cible dans l'issue 10.")
    if args.json:
        detail = f"{c['mandats'] / c['secondes']:.0f} factures/s".replace(".", ",")
        if chauds:
            detail += f" ; où va le temps (cProfile, temps cumulé, fonctions imbriquées) : {profil_texte}"
        print(json.dumps({"script": "mandater", "charge": charge, "figures": [{
            "mesure": f"Mandater tout, {_n(c['mandats'])} factures d'un flux pivot (SQLite)",
            "corail_s": c["secondes"], "corail_essais": c["toutes"], "pic_rss_mo": c["pic_rss_mo"],
            "plancher_s": p["secondes"], "plancher_essais": p["toutes"],
            "pic_rss_plancher_mo": p["pic_rss_mo"],
            "plancher": f"les mêmes {_n(p['lignes'])} lignes (insérées ou modifiées : {tables}) écrites "
                        f"par executemany SQLAlchemy Core en une transaction, sans requête ni contrôle",
            "ratio": ratio, "cible": None, "atteint": None, "detail": detail,
            **({"suite": f"{chauds[0][0]} (avec ce qu'elle appelle) prend {_pc(chauds[0][1])} du temps "
                         f"de mandater : commencer par là"} if chauds and chauds[0][1] >= 0.25 else {})}]},
            ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
