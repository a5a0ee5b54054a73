"""Benchmark of the PES Aller export (not run by CI).

Builds a SQLite database with one bordereau of 2,000 numbered mandats, each with its own
PJ of 100 KB (incompressible bytes, like a PDF), then measures, each in a fresh process:

* Corail: ``exporter_pes`` of that bordereau (checks, IdUnique, streamed XML with the PJ
  read from their chunks, gzipped and base64-encoded, fsync, rename, états and étapes);
* the floor: gzip (same level) + base64 of the same 2,000 × 100 KB bytes, written to a
  file — the least any PES writer must do.

Prints the time and peak RSS of both, and the ratio. Targets: ≤ 2× the floor, ≤ 150 MB
peak RSS.   Usage: ``python bench/pes_export.py [--dossier DIR] [--mandats N]``
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TAILLE_PJ = 100_000


def _pic_rss_mo() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _pdf(i: int) -> bytes:
    return b"%PDF-1.7\n" + random.Random(i).randbytes(TAILLE_PJ - 16) + b"\n%%EOF\n"


def construire(dossier: Path, n: int) -> tuple[str, dict]:
    """The database (kept between runs): collectivité, tiers, one bordereau of n mandats."""
    os.environ["CORAIL_DATA_DIR"] = str(dossier)
    from decimal import Decimal

    from corail.context import Context, FixedClock
    from corail.db.engine import Database
    from corail.db.migrate import migrer
    from corail.db.models import MANDAT, Bordereau, CompteBancaire, Imputation, Piece, PiecePJ, Tiers
    from corail.services.collectivites import initialiser_collectivite
    from corail.services.pj import enregistrer_pj

    fichier = dossier / f"pes_{n}.db"
    url = f"sqlite:///{fichier}"
    meta = dossier / f"pes_{n}.json"
    if fichier.exists() and meta.exists():
        return url, json.loads(meta.read_text())
    fichier.unlink(missing_ok=True)
    db = Database(url)
    migrer(db)
    clock = FixedClock()
    with db.transaction() as s:
        init = initialiser_collectivite(s, clock, "bench", nom="BENCH", siret="21310555400017",
                                        code_col="123", code_bud="01", poste="031000", exercice=2026)
    ctx = Context(init.collectivite_id, init.budget_id, 2026, "bench", clock)
    with db.transaction() as s:
        tiers = Tiers(collectivite_id=ctx.collectivite_id, nom="Fournitures du Midi", cat_tiers="60",
                      nat_jur="03", adresse1="3 rue des Lilas", code_postal="31000", ville="Toulouse",
                      cree_le=ctx.now())
        s.add(tiers)
        s.flush()
        compte = CompteBancaire(tiers_id=tiers.id, iban="FR7630006000011234567890189",
                                bic="AGRIFRPP", principal=True, cree_le=ctx.now())
        b = Bordereau(budget_id=ctx.budget_id, annee=2026, type_piece=MANDAT, numero=1, type_bord="01",
                      date_emission=ctx.today(), nb_pieces=n, montant=Decimal("0"), cree_le=ctx.now(),
                      cree_par="bench")
        s.add_all([compte, b])
        s.flush()
        total = Decimal("0.00")
        for i in range(1, n + 1):
            montant = Decimal(100 + i % 900) + Decimal(i % 100) / 100
            p = Piece(type_piece=MANDAT, budget_id=ctx.budget_id, annee=2026, etat="numerote", numero=i,
                      tiers_id=tiers.id, compte_bancaire_id=compte.id, bordereau_id=b.id,
                      montant=montant, objet=f"Facture BENCH-{i:05d}", mode_reglement="03",
                      cree_le=ctx.now(), cree_par="bench")
            p.imputations = [Imputation(ordre=1, article="60632", montant=montant)]
            s.add(p)
            s.flush()
            pj = enregistrer_pj(s, ctx, _pdf(i), nom=f"FAC{i:05d}.pdf", mime="application/pdf")
            s.add(PiecePJ(piece_id=p.id, pj_id=pj.id))
            total += montant
        b.montant = total
    db.dispose()
    infos = {"collectivite": ctx.collectivite_id, "budget": ctx.budget_id, "bordereau": b.id}
    meta.write_text(json.dumps(infos))
    return url, infos


def mesure_corail(url: str, infos: dict) -> dict:
    import shutil

    from corail.context import Context, FixedClock
    from corail.db.engine import Database
    from corail.services.pes import exporter_pes

    source = Path(url.removeprefix("sqlite:///"))
    copie = source.with_name("mesure.db")  # the export changes états: measure on a copy
    shutil.copyfile(source, copie)
    db = Database(f"sqlite:///{copie}")
    ctx = Context(infos["collectivite"], infos["budget"], 2026, "bench", FixedClock())
    sortie = Path(tempfile.mkdtemp())
    debut = time.perf_counter()
    with db.transaction() as s:
        info = exporter_pes(s, ctx, [infos["bordereau"]], sortie)
    secondes = time.perf_counter() - debut
    db.dispose()
    taille = info.taille
    shutil.rmtree(sortie)
    copie.unlink()
    return {"secondes": secondes, "pic_rss_mo": _pic_rss_mo(), "taille_mo": taille / 2**20,
            "pieces": info.nb_pieces, "pj": info.nb_pj}


def mesure_plancher(n: int) -> dict:
    from corail.formats.pes_aller import NIVEAU_GZIP

    blocs = [_pdf(i) for i in range(1, n + 1)]  # generated before the clock starts
    with tempfile.TemporaryDirectory() as tmp:
        debut = time.perf_counter()
        with open(Path(tmp) / "pj.b64", "wb") as out:
            for octets in blocs:
                comp = zlib.compressobj(NIVEAU_GZIP, zlib.DEFLATED, 31)
                out.write(base64.b64encode(comp.compress(octets) + comp.flush()))
            out.flush()
            os.fsync(out.fileno())
        secondes = time.perf_counter() - debut
    return {"secondes": secondes, "pic_rss_mo": _pic_rss_mo()}


def _enfant(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--mesure", *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossier", type=Path, default=Path(tempfile.gettempdir()) / "corail-bench-pes")
    parser.add_argument("--mandats", type=int, default=2000)
    parser.add_argument("--mesure", nargs="+")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    args = parser.parse_args()
    if args.mesure:
        if args.mesure[0] == "plancher":
            print(json.dumps(mesure_plancher(int(args.mesure[1]))))
        else:
            print(json.dumps(mesure_corail(args.mesure[1], json.loads(args.mesure[2]))))
        return 0
    args.dossier.mkdir(parents=True, exist_ok=True)
    print(f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
          f"Python {platform.python_version()}")
    url, infos = construire(args.dossier, args.mandats)
    plancher = _enfant("plancher", str(args.mandats))
    corail = _enfant("corail", url, json.dumps(infos))
    ratio = corail["secondes"] / plancher["secondes"]
    ok = ratio <= 2 and corail["pic_rss_mo"] <= 150
    print(f"PES Aller, {corail['pieces']} mandats et {corail['pj']} PJ de 100 Ko "
          f"(fichier de {corail['taille_mo']:.0f} Mo) : Corail {corail['secondes']:.2f} s, "
          f"pic RSS {corail['pic_rss_mo']:.0f} Mo | plancher (gzip + base64 + écriture) "
          f"{plancher['secondes']:.2f} s, pic RSS {plancher['pic_rss_mo']:.0f} Mo | "
          f"ratio {ratio:.2f} (cible ≤ 2, ≤ 150 Mo)")
    print("Objectifs atteints." if ok else "Objectifs NON atteints.")
    if args.json:
        print(json.dumps({"script": "pes_export", "figures": [{
            "mesure": f"Export PES Aller d'un bordereau de {corail['pieces']:,} mandats et {corail['pj']:,} "
                      f"PJ de 100 Ko (fichier de {corail['taille_mo']:.0f} Mo)".replace(",", "\u202f"),
            "corail_s": corail["secondes"], "pic_rss_mo": corail["pic_rss_mo"],
            "plancher_s": plancher["secondes"], "pic_rss_plancher_mo": plancher["pic_rss_mo"],
            "plancher": "gzip (même niveau) + base64 des mêmes PJ, écrits dans un fichier avec fsync",
            "ratio": ratio, "cible": "≤ 2× le plancher, ≤ 150 Mo", "atteint": ok}]}, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
