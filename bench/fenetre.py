"""Benchmark of the window: start, and first paint of a 10,000-row list (offscreen, not run by CI).

Builds once (not timed, Core bulk inserts) a SQLite database whose exercice holds 10,000
mandats (8,000 numbered, 1,500 validated, 500 drafts; 2,000 tiers with accented names; one
imputation each) — a town of about 20,000 inhabitants in a year. Then measures, each run in
a fresh process (``QT_QPA_PLATFORM=offscreen``):

* **window start**: from the launch of the process (interpreter start included, measured
  by the parent) to the main window shown and painted once — what ``main.py`` does before its
  event loop: QApplication in French, database opened and its migrations checked, connexion
  check, collectivité en cours, date of last connexion written, ``MainWindow`` shown. Floor:
  a fresh process that imports PySide6 and shows a bare ``QMainWindow`` of the same size with
  the same menu bar titles and a status bar, painted once.
* **first paint of the list**: *Dépenses › Saisie des mandats* — the screen an accountant
  opens on the exercice's 10,000 mandats — from ``MainWindow.ouvrir`` to its table painted
  (the form of the first mandat filled, as the screen does). Floor: the same 10,000 rows ×
  6 columns read by a bare ``sqlite3`` query (same joins and order), put into a minimal
  ``QAbstractTableModel`` (display role only, pre-formatted strings) in a bare ``QTableView``
  of the same size, painted once.

Each is measured ``--repetitions`` times (default 3), floor and Corail in turn; the ratio
compares the best time of each. No target in issue 10. ``--capture DIR`` saves what was
painted (PNG) to look at; ``--profil`` lists the slowest imports of the start. Usage:
``python bench/fenetre.py [--mandats N] [--repetitions N] [--dossier DIR] [--capture DIR] [--profil]
[--json]``
"""
from __future__ import annotations

import time

T_ZERO = time.perf_counter()  # before any heavy import: the child's own start

import argparse  # after T_ZERO on purpose
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VERSION_DONNEES = 1
MENUS = ("&Fichier", "&Environnement", "&Dépenses", "&Recettes", "&Téléprocédures", "&?")


def _pic_rss_mo() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def construire(dossier: Path, n: int) -> Path:
    """The base (kept between runs): one collectivité, n mandats in exercice 2026."""
    from corail.db.engine import Database
    from corail.db.migrate import migrer

    fichier = dossier / f"fenetre_{n}_v{VERSION_DONNEES}.db"
    if fichier.exists():  # kept, with the migrations written since (main.py would apply them)
        db = Database(f"sqlite:///{fichier}")
        migrer(db)
        db.dispose()
        return fichier
    import random
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from sqlalchemy import insert, select

    from corail.context import FixedClock
    from corail.db.models import MANDAT, Imputation, Piece, Tiers, Train
    from corail.services.collectivites import initialiser_collectivite

    os.environ["CORAIL_DATA_DIR"] = str(dossier)
    partiel = fichier.with_suffix(".partiel")
    partiel.unlink(missing_ok=True)
    db = Database(f"sqlite:///{partiel}")
    migrer(db)
    with db.transaction() as s:
        init = initialiser_collectivite(s, FixedClock(), "bench", nom="Commune de Saint-Aubin",
                                        siret="21310555400017", code_col="123", code_bud="01",
                                        poste="031000", exercice=2026)
    hasard = random.Random(10)
    activites = ("Bâtiments", "Électricité", "Papeterie", "Quincaillerie", "Garage", "Boulangerie",
                 "Maçonnerie", "Plomberie", "Espaces verts", "Énergie", "Traiteur", "Imprimerie")
    noms = ("Martin", "Lefèvre", "des Étangs", "Mercier", "du Centre", "Gérard", "Noël", "Côte",
            "de la Forêt", "Hélène", "Chêne", "Rivière", "Éloïse", "Cœur de Ville")
    quand = datetime(2026, 1, 2, 8, tzinfo=UTC)
    with db.transaction() as s:
        conn = s.connection()
        conn.execute(insert(Tiers), [{"collectivite_id": init.collectivite_id, "cree_le": quand,
                                          "nom": f"{hasard.choice(activites)} {hasard.choice(noms)} {i}"}
                                     for i in range(2000)])
        tiers = [r[0] for r in conn.execute(select(Tiers.id))]
        train = conn.execute(select(Train.id).where(Train.budget_id == init.budget_id,
                                                    Train.attente.is_(False))).scalars().first()
        pieces = []
        for i in range(n):
            etat, numero = ("numerote", i + 1) if i < n * 0.8 else \
                (("valide", None) if i < n * 0.95 else ("brouillon", None))
            jour = date(2026, 1 + i * 12 // n, 1 + i % 28)
            pieces.append({
                "type_piece": MANDAT, "budget_id": init.budget_id, "annee": 2026, "numero": numero,
                "etat": etat,
                "tiers_id": hasard.choice(tiers), "train_id": train,
                "montant": Decimal(int(10 ** hasard.uniform(1, 4.5) * 100)).scaleb(-2),
                "objet": f"Facture N° F{i:06d} du {jour:%d/%m/%Y} reçue le {jour:%d/%m/%Y}",
                "pieces_justificatives": "Facture", "date_reception": jour, "date_emission": jour,
                "mode_reglement": "03", "type_pce": "01", "nat_pce": "01", "cree_le": quand,
                "cree_par": "bench"})
        conn.execute(insert(Piece), pieces)
        conn.execute(insert(Imputation), [
            {"piece_id": pid, "ordre": 1, "article": "60632", "designation": "Fournitures", "montant": m}
            for pid, m in conn.execute(select(Piece.id, Piece.montant))])
    db.dispose()
    partiel.rename(fichier)
    return fichier


def _attendre_peinture(app, widget) -> None:
    """Process events until ``widget`` has received a paint event (then every dirty widget of
    its window has been painted: Qt paints a window's backing store in one pass)."""
    from PySide6.QtCore import QEvent, QObject

    class Guet(QObject):
        vu = False

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                self.vu = True
            return False

    guet = Guet()
    widget.installEventFilter(guet)
    limite = time.perf_counter() + 60
    while not guet.vu and time.perf_counter() < limite:
        app.processEvents()
    app.processEvents()
    widget.removeEventFilter(guet)
    if not guet.vu:
        raise SystemExit("aucune peinture en 60 s")


def mesure_corail(fichier: Path, capture: str) -> dict:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from corail.context import Clock
    from corail.services.utilisateurs import noter_connexion
    from ui.app import installer_francais, ouvrir_base, se_connecter
    from ui.main_window import MainWindow, contexte_memorise
    from ui.state import AppState

    t_imports = time.perf_counter() - T_ZERO
    app = QApplication(["corail"])
    app.setOrganizationName("Corail")
    app.setApplicationName("Corail")
    installer_francais(app)
    t = time.perf_counter()
    db = ouvrir_base(f"sqlite:///{fichier}")
    t_base = time.perf_counter() - t
    reglages = tempfile.TemporaryDirectory()
    settings = QSettings(str(Path(reglages.name) / "corail.ini"), QSettings.Format.IniFormat)
    state = AppState(db, None, clock=Clock(), settings=settings)
    if not se_connecter(state, "bench"):
        raise SystemExit("connexion refusée")
    state.changer_contexte(contexte_memorise(db, settings, "bench", state.clock))
    with state.transaction() as s:
        noter_connexion(s, state.clock, "bench")
    fenetre = MainWindow(state)
    fenetre.show()
    _attendre_peinture(app, fenetre)
    demarrage, horloge, rss_demarrage = time.perf_counter() - T_ZERO, time.time(), _pic_rss_mo()
    if capture:
        fenetre.grab().save(str(Path(capture) / "corail_demarrage.png"))

    t = time.perf_counter()
    import ui.saisie_des_mandats as module_ecran  # what ouvrir() imports the first time

    import_ecran = time.perf_counter() - t
    charge = {"secondes": 0.0}
    original = module_ecran.charger

    def charger_chronometre(*a, **kw):  # the services' share of the time, nothing changed
        debut = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            charge["secondes"] += time.perf_counter() - debut

    module_ecran.charger = charger_chronometre
    t = time.perf_counter()
    ecran_mandats = fenetre.ouvrir("saisie_des_mandats")
    _attendre_peinture(app, ecran_mandats.vue.viewport())
    liste = import_ecran + time.perf_counter() - t
    lignes = ecran_mandats.mandats.rowCount()
    taille = ecran_mandats.vue.viewport().size()
    if capture:
        fenetre.grab().save(str(Path(capture) / "corail_saisie_des_mandats.png"))
    fenetre.close()
    db.dispose()
    return {"demarrage_interne": demarrage, "horloge": horloge, "pic_rss_demarrage_mo": rss_demarrage,
            "imports": t_imports, "base": t_base, "liste": liste, "liste_chargement": charge["secondes"],
            "lignes": lignes,
            "colonnes": ecran_mandats.mandats.columnCount(), "largeur": taille.width(),
            "hauteur": taille.height(), "pic_rss_mo": _pic_rss_mo()}


def mesure_plancher(fichier: Path, largeur: int, hauteur: int, capture: str) -> dict:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QAbstractTableModel, Qt
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    app = QApplication(["plancher"])
    fenetre = QMainWindow()
    for titre in MENUS:
        fenetre.menuBar().addMenu(titre)
    fenetre.statusBar().showMessage("Base : plancher")
    fenetre.resize(1280, 800)
    fenetre.show()
    _attendre_peinture(app, fenetre)
    demarrage, horloge, rss_demarrage = time.perf_counter() - T_ZERO, time.time(), _pic_rss_mo()

    class Modele(QAbstractTableModel):
        def __init__(self, lignes):
            super().__init__()
            self.lignes = lignes

        def rowCount(self, parent=None):
            return len(self.lignes)

        def columnCount(self, parent=None):
            return 6

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            return self.lignes[index.row()][index.column()] if role == Qt.ItemDataRole.DisplayRole else None

    import sqlite3

    t = time.perf_counter()
    conn = sqlite3.connect(fichier)
    lignes = [(str(num or ""), tiers or "", objet, f"{montant / 100:.2f}", train or "", etat)
              for num, tiers, objet, montant, train, etat in conn.execute(
                  "SELECT p.numero, t.nom, p.objet, p.montant, tr.nom, p.etat FROM piece p "
                  "LEFT JOIN tiers t ON t.id = p.tiers_id LEFT JOIN train tr ON tr.id = p.train_id "
                  "WHERE p.type_piece = 'mandat' AND p.annee = 2026 "
                  "ORDER BY p.numero IS NULL, p.numero, p.id")]
    requete = time.perf_counter() - t
    vue = QTableView()
    vue.setModel(Modele(lignes))
    vue.resize(largeur, hauteur)
    vue.show()
    _attendre_peinture(app, vue.viewport())
    liste = time.perf_counter() - t
    if capture:
        vue.grab().save(str(Path(capture) / "plancher_liste.png"))
    conn.close()
    return {"demarrage_interne": demarrage, "horloge": horloge, "pic_rss_demarrage_mo": rss_demarrage,
            "liste": liste, "liste_chargement": requete, "lignes": len(lignes), "pic_rss_mo": _pic_rss_mo()}


def _enfant(*args: str) -> dict:
    lance = time.time()
    out = subprocess.run([sys.executable, __file__, "--mesure", *args], capture_output=True, text=True,
                         check=True)
    mesure = json.loads(out.stdout.strip().splitlines()[-1])
    return {**mesure, "demarrage": mesure["horloge"] - lance}


def _meilleur(mesures: list[dict], cle: str) -> tuple[float, list[float]]:
    valeurs = [m[cle] for m in mesures]
    return min(valeurs), [round(v, 3) for v in valeurs]


def _fr(x: float, chiffres: int = 2) -> str:
    return f"{x:,.{chiffres}f}".replace(",", "\u202f").replace(".", ",")


def imports_les_plus_longs(n: int = 5) -> list[tuple[str, float]]:
    """``python -X importtime`` of what main.py imports: the direct imports of ``ui.app`` that
    take the longest (cumulative, in seconds) — where the start's time goes."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", "import ui.app"], cwd=ROOT,
                         capture_output=True, text=True, env=env, check=False)
    directs = []
    for ligne in res.stderr.splitlines():
        parties = ligne.split("|")
        if len(parties) == 3 and parties[2].startswith("   ") and not parties[2].startswith("    "):
            directs.append((parties[2].strip(), int(parties[1]) / 1e6))
    return sorted(directs, key=lambda x: -x[1])[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mandats", type=int, default=10_000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--dossier", type=Path, default=Path(tempfile.gettempdir()) / "corail-bench-fenetre")
    parser.add_argument("--capture", default="", help="folder where the painted windows are saved (PNG)")
    parser.add_argument("--profil", action="store_true",
                        help="also list the slowest imports of the start (python -X importtime)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    parser.add_argument("--mesure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mesure:
        mode, fichier, *reste = args.mesure
        if mode == "corail":
            print(json.dumps(mesure_corail(Path(fichier), args.capture)))
        else:
            print(json.dumps(mesure_plancher(Path(fichier), int(reste[0]), int(reste[1]), args.capture)))
        return 0
    args.dossier.mkdir(parents=True, exist_ok=True)
    if args.capture:
        Path(args.capture).mkdir(parents=True, exist_ok=True)
    charge = [os.getloadavg()[0]]
    print(f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
          f"Python {platform.python_version()}, charge {charge[0]:.1f}")
    fichier = construire(args.dossier, args.mandats)
    capture = ["--capture", args.capture] if args.capture else []
    corail, plancher = [], []
    for _ in range(max(args.repetitions, 1)):
        c = _enfant("corail", str(fichier), *capture)
        corail.append(c)
        plancher.append(_enfant("plancher", str(fichier), str(c["largeur"]), str(c["hauteur"]), *capture))
    lents = imports_les_plus_longs() if args.profil else []
    charge.append(os.getloadavg()[0])
    c0 = corail[0]
    n = _fr(c0["lignes"], 0)
    meilleur = min(corail, key=lambda m: m["demarrage"])
    detail_demarrage = (
        f"dans le processus (sans le lancement de l'interpréteur) : Corail "
        f"{_fr(meilleur['demarrage_interne'])} s, dont imports {_fr(meilleur['imports'])} s et ouverture "
        f"de la base avec contrôle des migrations {_fr(meilleur['base'])} s ; plancher "
        f"{_fr(min(m['demarrage_interne'] for m in plancher))} s"
        + (" ; imports directs de ui.app les plus longs (-X importtime, cumulés) : "
           + ", ".join(f"{nom} {_fr(s)} s" for nom, s in lents) if lents else ""))
    detail_liste = (
        f"dont chargement par les services (charger) {_fr(min(m['liste_chargement'] for m in corail))} s ; "
        f"plancher : dont requête {_fr(min(m['liste_chargement'] for m in plancher), 3)} s ; pic mémoire "
        f"de tout le processus (fenêtre + liste)")
    figures = []
    for cle, mesure, plancher_texte, detail in (
            ("demarrage", ("Démarrage de la fenêtre principale (lancement du processus → fenêtre "
                          "peinte, hors écran)"),
             ("un processus qui importe PySide6 et montre une QMainWindow nue de même taille "
             "(mêmes menus, barre d'état), peinte une fois"), detail_demarrage),
            ("liste", (f"Première peinture d'une liste de {n} lignes : Saisie des mandats sur les {n} "
                      f"mandats de l'exercice"),
             (f"les mêmes {n} lignes × {c0['colonnes']} colonnes lues par une requête sqlite3 nue "
             f"(mêmes jointures, même ordre) dans un QAbstractTableModel minimal et une QTableView nue "
             f"de même taille ({c0['largeur']}×{c0['hauteur']}), peinte une fois"), detail_liste)):
        tc, essais_c = _meilleur(corail, cle)
        tp, essais_p = _meilleur(plancher, cle)
        rss = "pic_rss_demarrage_mo" if cle == "demarrage" else "pic_rss_mo"
        figures.append({"mesure": mesure, "corail_s": tc, "corail_essais": essais_c,
                        "pic_rss_mo": max(m[rss] for m in corail), "plancher_s": tp,
                        "plancher_essais": essais_p, "pic_rss_plancher_mo": max(m[rss] for m in plancher),
                        "plancher": plancher_texte, "ratio": tc / tp, "cible": None, "atteint": None,
                        "detail": detail})
        print(f"{mesure} : Corail {tc:.2f} s (essais {essais_c}), pic RSS {figures[-1]['pic_rss_mo']:.0f} Mo "
              f"| plancher {tp:.2f} s (essais {essais_p}), pic RSS "
              f"{figures[-1]['pic_rss_plancher_mo']:.0f} Mo | ratio {tc / tp:.1f}\n  {detail}")
    print("Pas de cible dans l'issue 10.")
    if args.json:
        print(json.dumps({"script": "fenetre", "charge": charge, "figures": figures}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
