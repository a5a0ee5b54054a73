"""Benchmark of the printing of mandats (not run by CI).

Prints 1,000 mandats (one to three imputations, one or two PJ, long names with
accents) and their bordereau of 1,000 lines to PDF files in a temporary folder,
and measures, each in a fresh process:

* Corail: ``ecrire_mandats_pdf`` (the mandats come from a generator) then
  ``ecrire_bordereau_pdf``;
* the floor: a bare reportlab canvas writing the same number of pages with the
  same number of strings of the same average length per page, no layout — the
  least any PDF writer on reportlab must do.

Prints pages, seconds, pages per second, peak RSS and the ratio to the floor.
Target: ≥ 100 pages/s.   Usage: ``python bench/print_mandats.py [--mandats N]``
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _pic_rss_mo() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _en_tete():
    from corail.reports.donnees import EnTeteImpression

    return EnTeteImpression(
        collectivite="Commune de Saint-Aubin-sur-Corail",
        adresse=("Hôtel de ville", "1 place de la Mairie", "31999 Saint-Aubin-sur-Corail"),
        siret="21310555400017", budget="Budget principal", code_budget="045-01", exercice=2026,
        poste_comptable="031000 — Trésorerie de Muret-Saint-Aubin")


def mandats(nombre: int):
    """A generator of numbered mandats, as the edition service would give them."""
    from corail.reports.donnees import ImputationImprimee, MandatImprime

    e = _en_tete()
    articles = (("60632", "Fournitures de petit équipement"), ("6064", "Fournitures administratives"),
                ("615221", "Entretien et réparations bâtiments publics"), ("6262", "Frais de télécommunications"))
    for n in range(1, nombre + 1):
        imputations = tuple(
            ImputationImprimee(article=articles[(n + k) % 4][0], libelle_article=articles[(n + k) % 4][1],
                               designation=f"Prestation {k + 1} — facture FAC-{n:05d}", fonction="020",
                               operation="" if k else "OP12", service="TECH", engagement=f"E2026-{n % 97}",
                               montant=Decimal(f"{100 + n * 3 + k}.{(n * 7 + k) % 100:02d}"))
            for k in range(1 + n % 3))
        yield MandatImprime(
            en_tete=e, numero=n, bordereau=3, date_emission=date(2026, 10, 15),
            tiers=f"Société Méridionale d'Équipements Électriques n° {n}",
            tiers_adresse=("12 avenue de l'Écluse", "31000 Toulouse"), tiers_siret="55210055400013",
            iban="FR76 3000 1007 9412 3456 7890 185", bic="BDFEFRPPCCT", mode_reglement="03 – Virement",
            objet=f"Facture N° FAC-{n:05d} du 01/10/2026 reçue le 02/10/2026",
            pieces="Facture et 1 pièce(s) complémentaire(s)",
            facture=f"Facture N° FAC-{n:05d} du 01/10/2026 reçue le 02/10/2026", marche="M2025-007",
            type_piece="01 – Ordinaire", imputations=imputations,
            montant=sum((i.montant for i in imputations), Decimal("0.00")),
            pj=tuple(f"FAC-{n:05d}-{k}.pdf" for k in range(1 + n % 2)),
            lieu_date="À Saint-Aubin-sur-Corail, le 15/10/2026", signataire="Le Maire")


def bordereau(nombre: int):
    from corail.reports.donnees import BordereauImprime, LigneBordereau

    lignes = tuple(LigneBordereau(numero=m.numero, tiers=m.tiers, objet=m.objet,
                                  articles=", ".join(sorted({i.article for i in m.imputations})),
                                  montant=m.montant) for m in mandats(nombre))
    somme = sum((l.montant for l in lignes), Decimal("0.00"))
    return BordereauImprime(en_tete=_en_tete(), numero=3, type_bordereau="01 – Ordinaire",
                            type_pieces="mandats", date_emission=date(2026, 10, 15), lignes=lignes,
                            total=somme, cumul_precedent=Decimal("120000.00"),
                            cumul_annuel=Decimal("120000.00") + somme, train="Normal")


def mesure_corail(nombre: int, dossier: Path) -> dict:
    from corail.reports.bordereau_pdf import ecrire_bordereau_pdf
    from corail.reports.mandat_pdf import ecrire_mandats_pdf

    b = bordereau(nombre)
    debut = time.perf_counter()
    with (dossier / "mandats.pdf").open("wb") as out:
        pages_m = ecrire_mandats_pdf(mandats(nombre), out)
    milieu = time.perf_counter()
    with (dossier / "bordereau.pdf").open("wb") as out:
        pages_b = ecrire_bordereau_pdf(b, out)
    fin = time.perf_counter()
    return {"pages": pages_m + pages_b, "secondes": fin - debut, "pages_mandats": pages_m,
            "s_mandats": milieu - debut, "pages_bordereau": pages_b, "s_bordereau": fin - milieu,
            "octets": sum((dossier / f).stat().st_size for f in ("mandats.pdf", "bordereau.pdf")),
            "rss_mo": _pic_rss_mo()}


def volume_texte(nombre: int) -> tuple[int, int]:
    """Strings and characters Corail draws on an average page (from the layout of the mandats)."""
    from corail.reports.mandat_pdf import mise_en_page_mandat

    chaines = caracteres = pages = 0
    for m in mandats(min(nombre, 50)):
        for page in mise_en_page_mandat(m).pages:
            pages += 1
            textes = [op[5] for op in page if op[0] == "t"]
            chaines += len(textes) + 2  # + the footer
            caracteres += sum(map(len, textes)) + 110
    return chaines // pages, caracteres // max(chaines, 1)


def mesure_plancher(pages: int, chaines: int, longueur: int, dossier: Path) -> dict:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from corail.reports.styles import enregistrer

    texte = ("Société Méridionale d'Équipements " * 10)[:longueur]
    debut = time.perf_counter()
    with (dossier / "plancher.pdf").open("wb") as out:
        canvas = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
        for _ in range(pages):
            canvas.setFont("Helvetica", 9)
            for k in range(chaines):
                canvas.drawString(40, 800 - (k % 70) * 11, texte)
            canvas.showPage()
        enregistrer(canvas)  # deflate only, as Corail does
    return {"pages": pages, "secondes": time.perf_counter() - debut, "rss_mo": _pic_rss_mo()}


def _enfant(args: list[str]) -> dict:
    sortie = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(sortie.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mandats", type=int, default=1000)
    parser.add_argument("--enfant", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    args = parser.parse_args()
    if args.enfant:
        quoi, dossier, *reste = args.enfant
        if quoi == "corail":
            print(json.dumps(mesure_corail(args.mandats, Path(dossier))))
        else:
            print(json.dumps(mesure_plancher(*map(int, reste), Path(dossier))))
        return
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cœurs — {args.mandats} mandats + bordereau")
    with tempfile.TemporaryDirectory() as tmp:
        corail = _enfant(["--mandats", str(args.mandats), "--enfant", "corail", tmp])
        chaines, longueur = volume_texte(args.mandats)
        plancher = _enfant(["--enfant", "plancher", tmp, str(corail["pages"]), str(chaines), str(longueur)])
    for nom, r in (("Corail", corail), ("Plancher (canvas nu)", plancher)):
        print(f"{nom:22} {r['pages']:5d} pages  {r['secondes']:6.2f} s  "
              f"{r['pages'] / r['secondes']:7.1f} pages/s  pic RSS {r['rss_mo']:6.1f} Mo")
    print(f"  dont mandats   : {corail['pages_mandats']} pages en {corail['s_mandats']:.2f} s ; "
          f"bordereau : {corail['pages_bordereau']} pages en {corail['s_bordereau']:.2f} s ; "
          f"{corail['octets'] / 2**20:.1f} Mo de PDF")
    print(f"  plancher : {chaines} chaînes de {longueur} caractères par page")
    debit = corail["pages"] / corail["secondes"]
    print(f"Rapport au plancher : {corail['secondes'] / plancher['secondes']:.2f}×   "
          f"objectif ≥ 100 pages/s : {'atteint' if debit >= 100 else 'NON atteint'}")
    if args.json:
        print(json.dumps({"script": "print_mandats", "figures": [{
            "mesure": f"Impression PDF de {args.mandats:,} mandats et de leur bordereau ({corail['pages']:,} "
                      f"pages ; {corail['octets'] / 2**20:.1f} Mo)".replace(",", "\u202f").replace(".", ","),
            "corail_s": corail["secondes"], "pic_rss_mo": corail["rss_mo"],
            "plancher_s": plancher["secondes"], "pic_rss_plancher_mo": plancher["rss_mo"],
            "plancher": f"canvas reportlab nu : {plancher['pages']:,} pages de {chaines} chaînes de "
                        f"{longueur} caractères sans mise en page".replace(",", "\u202f"),
            "ratio": corail["secondes"] / plancher["secondes"], "cible": "≥ 100 pages/s",
            "atteint": debit >= 100,
            "detail": f"{debit:.0f} pages/s (plancher {plancher['pages'] / plancher['secondes']:.0f} "
                      f"pages/s) ; mandats {corail['pages_mandats']} pages en {corail['s_mandats']:.2f} s, "
                      f"bordereau {corail['pages_bordereau']} pages en {corail['s_bordereau']:.2f} s"
                      .replace(".", ",")}]},
            ensure_ascii=False))


if __name__ == "__main__":
    main()
