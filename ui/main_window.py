"""Corail's main window: the four modules' menus, the screens in a stack, and the
*collectivité en cours* (collectivité, budget, exercice) with its selector in the status bar.

Screens come from the registry (``ui.ecrans``) and are created once, the first
time they are opened. Geometry and the last collectivité en cours are kept in
``state.settings``.
"""
from __future__ import annotations

import html
from importlib import metadata

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QGroupBox, QLabel, QMainWindow, QMessageBox, QPushButton,
    QStackedWidget, QVBoxLayout, QWidget,
)

from corail.context import Clock, Context
from corail.db.engine import Database
from corail.services.contexte import BudgetLigne, ExerciceLigne, lister_budgets, lister_exercices
from ui.ecrans import MODULES, Ecran, classe_ecran, ecran, ecrans_du_menu
from ui.recuperation_factures import RecuperationFactures
from ui.state import AppState

TAILLE_DEFAUT = QSize(1280, 800)
PAS_ENCORE = "Pas encore disponible dans cette version de Corail"
#: the budget combo stores a BudgetLigne (UserRole) and its id (this role, for findData)
_ROLE_ID = Qt.ItemDataRole.UserRole + 1


def exercice_par_defaut(exercices: list[ExerciceLigne]) -> ExerciceLigne | None:
    """The current exercice, else the last open one, else the last one."""
    return (next((e for e in exercices if e.courant), None)
            or next((e for e in reversed(exercices) if not e.clos), None)
            or (exercices[-1] if exercices else None))


def contexte_memorise(db: Database, settings: QSettings, utilisateur: str, clock: Clock, *,
                      budgets_preferes: tuple[int, ...] = ()) -> Context | None:
    """The collectivité en cours to open on: the last one chosen on this database (if among
    ``budgets_preferes`` when given), else the first preferred or existing budget.
    None when there is no budget at all."""
    same_base = settings.value("contexte/base", "") == db.description
    saved_budget = int(settings.value("contexte/budget_id", 0) or 0) if same_base else 0
    saved_annee = int(settings.value("contexte/exercice", 0) or 0) if same_base else 0
    with db.lecture() as session:
        budgets = {b.id: b for b in lister_budgets(session)}
        if not budgets:
            return None
        if budgets_preferes and saved_budget not in budgets_preferes:
            saved_budget = budgets_preferes[0]
        budget = budgets.get(saved_budget) or next(iter(budgets.values()))
        exercices = lister_exercices(session, budget.id)
    choisi = next((e for e in exercices if e.annee == saved_annee), None) \
        or exercice_par_defaut(exercices)
    annee = choisi.annee if choisi else clock.today().year
    return Context(budget.collectivite_id, budget.id, annee, utilisateur, clock)


def retenir_contexte(settings: QSettings, db: Database, ctx: Context) -> None:
    settings.setValue("contexte/base", db.description)
    settings.setValue("contexte/budget_id", ctx.budget_id)
    settings.setValue("contexte/exercice", ctx.exercice)


class SelecteurContexte(QWidget):
    """*Collectivité en cours* : a combo of budgets and a combo of their exercices."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.budgets = QComboBox(toolTip="Collectivité et budget en cours")
        self.budgets.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.exercices = QComboBox(toolTip="Exercice en cours")
        self.exercices.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        libelle = QLabel("Collectivité en cours :")
        libelle.setBuddy(self.budgets)
        layout.addWidget(libelle, 0, 0)
        layout.addWidget(self.budgets, 0, 1)
        layout.addWidget(QLabel("Exercice :"), 0, 2)
        layout.addWidget(self.exercices, 0, 3)
        self.budgets.activated.connect(self._budget_choisi)
        self.exercices.activated.connect(self._exercice_choisi)
        self.recharger()

    def recharger(self) -> None:
        """Fill both combos from the database and show the collectivité en cours."""
        with self.state.lecture() as session:
            budgets = lister_budgets(session)
            ctx = self.state.ctx if self.state.a_contexte else None
            exercices = lister_exercices(session, ctx.budget_id) if ctx else []
        self.budgets.blockSignals(True)
        self.budgets.clear()
        for b in budgets:
            self.budgets.addItem(f"{b.collectivite} — {b.libelle} ({b.code})", b)
            self.budgets.setItemData(self.budgets.count() - 1, b.id, _ROLE_ID)
        if ctx is not None:
            self.budgets.setCurrentIndex(self.budgets.findData(ctx.budget_id, _ROLE_ID))
        self.budgets.blockSignals(False)
        self._remplir_exercices(exercices, ctx.exercice if ctx else None)

    def _remplir_exercices(self, exercices: list[ExerciceLigne], annee: int | None) -> None:
        self.exercices.blockSignals(True)
        self.exercices.clear()
        for e in exercices:
            self.exercices.addItem(f"{e.annee}{' (clos)' if e.clos else ''}", e.annee)
        if annee is not None and self.exercices.findData(annee) < 0:
            self.exercices.addItem(str(annee), annee)
        self.exercices.setCurrentIndex(self.exercices.findData(annee))
        self.exercices.blockSignals(False)

    def budget_choisi(self) -> BudgetLigne | None:
        return self.budgets.currentData()

    def _budget_choisi(self, _index: int) -> None:
        b = self.budget_choisi()
        if b is None or (self.state.a_contexte and b.id == self.state.ctx.budget_id):
            return
        with self.state.lecture() as session:
            exercices = lister_exercices(session, b.id)
        meme_annee = next((e for e in exercices if e.annee == self.state.ctx.exercice), None) \
            if self.state.a_contexte else None
        e = meme_annee or exercice_par_defaut(exercices)
        annee = e.annee if e else self.state.clock.today().year
        self._remplir_exercices(exercices, annee)
        self._changer(b, annee)

    def _exercice_choisi(self, _index: int) -> None:
        b, annee = self.budget_choisi(), self.exercices.currentData()
        if b is not None and annee is not None and annee != self.state.ctx.exercice:
            self._changer(b, annee)

    def _changer(self, b: BudgetLigne, annee: int) -> None:
        ancien = self.state.ctx
        self.state.changer_contexte(Context(b.collectivite_id, b.id, annee, ancien.utilisateur,
                                            ancien.clock))


class MainWindow(QMainWindow):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.ecrans: dict[str, QWidget] = {}
        self.actions: dict[str, QAction] = {}
        self.pile = QStackedWidget()
        self.accueil = self._page_accueil()
        self.pile.addWidget(self.accueil)
        self.setCentralWidget(self.pile)
        self._menus()
        self.selecteur = SelecteurContexte(state, self)
        self.statusBar().addPermanentWidget(self.selecteur)
        base = QLabel(f"Base : {state.db.libelle}")
        base.setEnabled(False)
        self.statusBar().addWidget(base)
        self.resize(TAILLE_DEFAUT)
        geometrie = state.settings.value("fenetre/geometrie")
        if geometrie:
            self.restoreGeometry(geometrie)
        state.contexte_change.connect(self._contexte_change)
        state.donnees_modifiees.connect(self._donnees_modifiees)
        self._afficher_contexte()
        # mode service: the automatic récupération runs from the start, whatever screen is open
        self.recuperation = RecuperationFactures(state, self, automatique=True)
        self.recuperation.message.connect(lambda texte: self.statusBar().showMessage(texte, 60_000))

    # -- menus ---------------------------------------------------------------------------------

    def _menus(self) -> None:
        barre = self.menuBar()
        fichier = barre.addMenu("&Fichier")
        changer = fichier.addAction("Changer de &collectivité en cours", QKeySequence("Ctrl+0"),
                                    self.choisir_contexte)
        changer.setStatusTip("Choisir la collectivité, le budget et l'exercice en cours")
        fichier.addSeparator()
        quitter = fichier.addAction("&Quitter", QKeySequence(QKeySequence.StandardKey.Quit), self.close)
        quitter.setMenuRole(QAction.MenuRole.QuitRole)
        self._groupe = QActionGroup(self)
        for module in MODULES:
            menu = barre.addMenu(f"&{module}")
            ecrans = ecrans_du_menu(module)
            for e in ecrans:
                action = menu.addAction(e.titre)
                action.setShortcut(QKeySequence(e.raccourci))
                action.setCheckable(True)
                action.setStatusTip(f"Ouvrir l'écran « {e.titre} » ({module})")
                action.triggered.connect(lambda _checked=False, cle=e.cle: self.ouvrir(cle))
                self._groupe.addAction(action)
                self.actions[e.cle] = action
            if not ecrans:
                menu.setEnabled(False)
                menu.menuAction().setToolTip(PAS_ENCORE)
                menu.menuAction().setStatusTip(f"{module} : {PAS_ENCORE.lower()}")
        aide = barre.addMenu("&?")
        aide.addAction("À &propos de Corail", self.a_propos)

    def _page_accueil(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(40, 30, 40, 30)
        titre = QLabel("Corail")
        titre.setStyleSheet("font-size: 24pt; font-weight: bold;")
        self.accueil_contexte = QLabel()
        layout.addWidget(titre)
        layout.addWidget(self.accueil_contexte)
        grille = QGridLayout()
        for colonne, module in enumerate(MODULES):
            groupe = QGroupBox(module)
            boutons = QVBoxLayout(groupe)
            for e in ecrans_du_menu(module):
                raccourci = QKeySequence(e.raccourci).toString(QKeySequence.SequenceFormat.NativeText)
                bouton = QPushButton(f"{e.titre}  ({raccourci})")
                bouton.clicked.connect(lambda _checked=False, cle=e.cle: self.ouvrir(cle))
                boutons.addWidget(bouton)
            if not ecrans_du_menu(module):
                vide = QLabel(PAS_ENCORE + ".")
                vide.setWordWrap(True)
                vide.setEnabled(False)
                boutons.addWidget(vide)
            boutons.addStretch(1)
            grille.addWidget(groupe, colonne // 2, colonne % 2)  # 2 × 2: fits a narrow window
        layout.addLayout(grille)
        layout.addStretch(1)
        return page

    # -- screens -------------------------------------------------------------------------------

    def ouvrir(self, cle: str) -> QWidget:
        """Show the screen ``cle``, creating it the first time."""
        e = ecran(cle)
        widget = self.ecrans.get(cle)
        if widget is None:
            widget = self._creer(e)
            self.ecrans[cle] = widget
            self.pile.addWidget(widget)
        self.pile.setCurrentWidget(widget)
        self.actions[cle].setChecked(True)
        self._afficher_contexte()
        return widget

    def _creer(self, e: Ecran) -> QWidget:
        try:
            return classe_ecran(e)(self.state, self)
        except Exception as exc:  # a screen still being written must not take the window down
            message = QLabel(f"L'écran « {e.titre} » ne peut pas s'ouvrir dans cette version.\n\n"
                             f"{type(exc).__name__} : {exc}")
            message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            message.setWordWrap(True)
            message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return message

    def ecran_courant(self) -> str | None:
        widget = self.pile.currentWidget()
        return next((cle for cle, w in self.ecrans.items() if w is widget), None)

    # -- collectivité en cours -----------------------------------------------------------------

    def choisir_contexte(self) -> None:
        """Fichier › Changer de collectivité en cours: open the budget combo of the status bar."""
        self.selecteur.budgets.setFocus()
        self.selecteur.budgets.showPopup()

    def _contexte_change(self, ctx: Context) -> None:
        retenir_contexte(self.state.settings, self.state.db, ctx)
        self.selecteur.recharger()
        self._afficher_contexte()

    def _donnees_modifiees(self, quoi: str) -> None:
        if quoi in ("budget", "collectivite", "exercice"):
            self.selecteur.recharger()
            self._afficher_contexte()

    def libelle_contexte(self) -> str:
        b = self.selecteur.budget_choisi()
        if b is None or not self.state.a_contexte:
            return "Aucune collectivité en cours"
        return f"{b.collectivite} — {b.libelle} ({b.code}) — exercice {self.state.ctx.exercice}"

    def _afficher_contexte(self) -> None:
        texte = self.libelle_contexte()
        cle = self.ecran_courant()
        ecran_titre = f"{ecran(cle).titre} — " if cle else ""
        self.setWindowTitle(f"{ecran_titre}{texte} — Corail")
        self.accueil_contexte.setText(f"Collectivité en cours : {texte}")

    # -- Fichier, ? ----------------------------------------------------------------------------

    def a_propos(self) -> None:
        try:
            version = metadata.version("corail")
        except metadata.PackageNotFoundError:
            version = "de développement"
        QMessageBox.about(
            self, "À propos de Corail",
            f"<b>Corail</b> version {version}<br>Client comptable des collectivités locales : "
            f"factures Chorus Pro, mandats, titres, bordereaux, PES V2.<br><br>"
            f"Logiciel libre sous licence AGPL-3.0 ou ultérieure.<br>"
            f"Base de données : {html.escape(self.state.db.libelle)}")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.state.settings.setValue("fenetre/geometrie", self.saveGeometry())
        if self.state.a_contexte:
            retenir_contexte(self.state.settings, self.state.db, self.state.ctx)
        self.state.settings.sync()
        super().closeEvent(event)
