"""The composition root: ``python main.py [--database URL] [--demo] [--screenshots DIR]``.

Builds the QApplication in French, opens and migrates the database (a database
error is a French message box and exit code 3, never a traceback), creates the
demo or shows *Bienvenue dans Corail* when needed, then the main window — or,
with ``--screenshots``, one PNG per screen and exit 0.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QThreadPool, QTranslator
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from corail.context import Clock, Context
from corail.db.engine import Database
from corail.db.migrate import migrer
from corail.errors import DatabaseError
from corail.services.connexion import connexion_requise
from corail.services.utilisateurs import login_courant, noter_connexion
from ui.accueil import AccueilDialog, lancer_demo
from ui.common import afficher_erreur, essayer
from ui.main_window import MainWindow, contexte_memorise
from ui.mon_compte_dialogues import ConnexionDialog
from ui.state import AppState

EXIT_OK, EXIT_INTERNE, EXIT_REFUS, EXIT_BASE = 0, 1, 2, 3


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """Corail's options, and what is left for Qt (``-platform offscreen``, ``-style``...)."""
    parser = argparse.ArgumentParser(prog="corail-app", description="Corail — application de bureau")
    parser.add_argument("--database", metavar="URL",
                        help="base de données (SQLAlchemy ; défaut : CORAIL_DATABASE_URL, "
                             "sinon SQLite du dossier de données)")
    parser.add_argument("--demo", action="store_true",
                        help="créer la collectivité de démonstration si besoin et l'ouvrir")
    parser.add_argument("--screenshots", metavar="DOSSIER",
                        help="enregistrer une capture PNG de chaque écran dans DOSSIER, puis quitter")
    args, reste = parser.parse_known_args(argv)
    inconnues = [r for r in reste if r.startswith("--")]
    if inconnues:  # Qt's own options have a single dash (-platform, -style, -reverse)
        parser.error(f"option inconnue : {' '.join(inconnues)}")
    return args, reste


def installer_francais(app: QApplication) -> bool:
    """French locale, and Qt's own translation of its standard dialogs and buttons."""
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    traducteur = QTranslator(app)
    dossier = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not traducteur.load("qtbase_fr", dossier):
        return False
    app.installTranslator(traducteur)
    return True


def ouvrir_base(url: str | None) -> Database:
    """The migrated database; ``DatabaseError`` (French) when it cannot be used."""
    try:
        db = Database(url)
        migrer(db)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"Base de données inutilisable : {exc}") from None
    return db


def demarrer(state: AppState, utilisateur: str, *, demo: bool) -> Context | None:
    """The collectivité en cours to open on, after creating the demo (``--demo``) or going
    through *Bienvenue dans Corail*; None when the user leaves without one."""
    preferes: tuple[int, ...] = ()
    if demo:
        from corail.services.demo import DemoResultat  # a long import: only with --demo

        resultat = lancer_demo(None, state, utilisateur).attendre()
        if isinstance(resultat, DemoResultat):
            preferes = resultat.budget_ids
    ctx = contexte_memorise(state.db, state.settings, utilisateur, state.clock,
                            budgets_preferes=preferes)
    if ctx is not None:
        return ctx
    accueil = AccueilDialog(state, utilisateur)
    if accueil.exec() != QDialog.DialogCode.Accepted:
        return None
    return contexte_memorise(state.db, state.settings, utilisateur, state.clock,
                             budgets_preferes=accueil.budgets_crees)


def se_connecter(state: AppState, utilisateur: str) -> bool:
    """*Connexion à Corail* when a collectivité of the user asks for a password (else the OS
    user, as on a single workstation); False when he leaves instead."""
    with state.lecture() as session:
        requise = connexion_requise(session, utilisateur)
    return not requise or ConnexionDialog(state, utilisateur).exec() == QDialog.DialogCode.Accepted


def _noter_connexion(state: AppState, utilisateur: str) -> None:
    def noter() -> None:
        with state.transaction() as session:
            noter_connexion(session, state.clock, utilisateur)

    essayer(None, noter)


def _exception_non_prevue(type_, valeur, trace) -> None:
    """A bug in a slot: say it in French instead of leaving the window half-updated."""
    traceback.print_exception(type_, valeur, trace, file=sys.stderr)
    afficher_erreur(QApplication.activeWindow(), valeur)


def main(argv: Sequence[str] | None = None, *, settings: QSettings | None = None,
         clock: Clock | None = None) -> int:
    args, reste_qt = parse_args(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication([sys.argv[0], *reste_qt])
    app.setOrganizationName("Corail")
    app.setApplicationName("Corail")
    installer_francais(app)
    try:
        db = ouvrir_base(args.database)
    except DatabaseError as exc:
        QMessageBox.critical(None, "Corail — base de données", str(exc))
        return EXIT_BASE
    temporaire = None
    if settings is None and args.screenshots:  # captures never change the user's settings
        temporaire = tempfile.TemporaryDirectory(prefix="corail-captures-")
        settings = QSettings(str(Path(temporaire.name) / "corail.ini"), QSettings.Format.IniFormat)
    state = AppState(db, None, clock=clock or Clock(),
                     settings=settings or QSettings("Corail", "Corail"))
    utilisateur = login_courant()
    try:
        if args.screenshots:
            return _captures(state, utilisateur, Path(args.screenshots), demo=args.demo)
        if not se_connecter(state, utilisateur):
            return EXIT_OK
        ctx = demarrer(state, utilisateur, demo=args.demo)
        if ctx is None:
            return EXIT_OK
        state.changer_contexte(ctx)
        _noter_connexion(state, utilisateur)
        fenetre = MainWindow(state)
        fenetre.show()
        precedent, sys.excepthook = sys.excepthook, _exception_non_prevue
        try:
            return app.exec()
        finally:
            sys.excepthook = precedent
    finally:
        QThreadPool.globalInstance().waitForDone()
        state.settings.sync()
        db.dispose()
        if temporaire is not None:
            temporaire.cleanup()


def _captures(state: AppState, utilisateur: str, dossier: Path, *, demo: bool) -> int:
    from ui.screenshots import capturer

    preferes: tuple[int, ...] = ()
    if demo:
        from corail.services.demo import DemoResultat

        resultat = lancer_demo(None, state, utilisateur).attendre()
        if not isinstance(resultat, DemoResultat):
            return EXIT_INTERNE
        preferes = resultat.budget_ids
    ctx = contexte_memorise(state.db, state.settings, utilisateur, state.clock,
                            budgets_preferes=preferes)
    if ctx is None:
        print("corail : aucune collectivité dans la base ; ajoutez --demo", file=sys.stderr)
        return EXIT_REFUS
    state.changer_contexte(ctx)
    for chemin in capturer(state, utilisateur, dossier):
        print(chemin)
    return EXIT_OK
