"""The first start: no collectivité yet. *Bienvenue dans Corail* offers to create the
collectivité de démonstration or a real one (*Créer une collectivité*)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from corail.context import Clock
from corail.db.engine import Database, dossier_demo
from corail.jobs import JobControl
from ui.common import essayer
from ui.jobs import JobRun, run_job
from ui.state import AppState

if TYPE_CHECKING:
    from corail.services.collectivites import InitResultat
    from corail.services.demo import DemoResultat

TITRE_DEMO = "Créer la collectivité de démonstration"
TITRE_CREATION = "Créer une collectivité"
# ``corail.services.demo`` (the demo's data, PES, pivots, numbering…) is imported when the demo
# is created or offered, not when Corail starts (about 0.6 s of imports saved at each start).


def tache_demo(db: Database, clock: Clock, utilisateur: str,
               dossier_flux: Path | None = None) -> Callable[[JobControl], DemoResultat]:
    """The job that creates the demo (nothing when it exists), for ``run_job``."""
    from corail.services.demo import DEMO_NOM, creer_demo

    dossier = dossier_flux or dossier_demo(db.url)

    def creer(control: JobControl) -> DemoResultat:
        control.message(f"Création de la démonstration : {DEMO_NOM}…")
        with db.transaction() as session:
            resultat = creer_demo(session, clock, utilisateur, dossier_flux=dossier)
            control.check()  # Annuler pressed meanwhile: the whole demo is rolled back
        return resultat

    return creer


def lancer_demo(parent: QWidget | None, state: AppState, utilisateur: str,
                on_done: Callable[[object], None] | None = None) -> JobRun:
    from corail.services.demo import DEMO_NOM

    return run_job(parent, TITRE_DEMO, tache_demo(state.db, state.clock, utilisateur), on_done,
                   texte=f"Création de la démonstration : {DEMO_NOM}…")


class CreationCollectiviteDialog(QDialog):
    """*Créer une collectivité*: a collectivité, its budget principal and its first exercice."""

    def __init__(self, state: AppState, utilisateur: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.utilisateur = state, utilisateur
        self.resultat: InitResultat | None = None
        self.setWindowTitle(TITRE_CREATION)
        self.nom = QLineEdit(placeholderText="Commune de …", maxLength=100)
        self.siret = QLineEdit(placeholderText="14 chiffres", maxLength=20)
        self.code_col = QLineEdit(placeholderText="1 à 3 caractères", maxLength=3)
        self.code_bud = QLineEdit("01", maxLength=2)
        self.poste = QLineEdit(placeholderText="IdPost, 6 chiffres", maxLength=6)
        self.exercice = QSpinBox(minimum=2000, maximum=2100, value=state.clock.today().year)
        self.exercice.setGroupSeparatorShown(False)
        form = QFormLayout()
        form.addRow("&Nom de la collectivité :", self.nom)
        form.addRow("&SIRET :", self.siret)
        form.addRow("Code collectivité (&CodCol) :", self.code_col)
        form.addRow("Code &budget (CodBud) :", self.code_bud)
        form.addRow("&Poste comptable (IdPost) :", self.poste)
        form.addRow("&Exercice :", self.exercice)
        aide = QLabel("Le budget principal est créé avec la nomenclature M57, les trains "
                      "«\u00a0Normal\u00a0» et «\u00a0attente\u00a0», et vous en êtes le "
                      "gestionnaire principal.")
        aide.setWordWrap(True)
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Créer")
        self.boutons.accepted.connect(self.accept)
        self.boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(aide)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(480)

    def _creer(self) -> InitResultat:
        from corail.services.collectivites import initialiser_collectivite

        with self.state.transaction() as session:
            return initialiser_collectivite(
                session, self.state.clock, self.utilisateur, nom=self.nom.text(),
                siret=self.siret.text(), code_col=self.code_col.text(),
                code_bud=self.code_bud.text(), poste=self.poste.text(),
                exercice=self.exercice.value())

    def accept(self) -> None:
        """Create it; a refused field keeps the form open with its French message."""
        resultat = essayer(self, self._creer, TITRE_CREATION)
        if resultat is not None:
            self.resultat = resultat
            self.state.signaler("collectivite")
            super().accept()


class AccueilDialog(QDialog):
    """*Bienvenue dans Corail*: shown when the database holds no collectivité."""

    def __init__(self, state: AppState, utilisateur: str, parent: QWidget | None = None) -> None:
        from corail.services.demo import DEMO_NOM

        super().__init__(parent)
        self.state, self.utilisateur = state, utilisateur
        self.budgets_crees: tuple[int, ...] = ()
        self.setWindowTitle("Bienvenue dans Corail")
        titre = QLabel("Bienvenue dans Corail")
        titre.setStyleSheet("font-size: 16pt; font-weight: bold;")
        texte = QLabel(f"Aucune collectivité n'est encore enregistrée dans la base de données "
                       f"«\u00a0{state.db.libelle}\u00a0».\nPour commencer\u00a0:")
        texte.setWordWrap(True)
        texte.setTextFormat(Qt.TextFormat.PlainText)
        self.bouton_demo = QPushButton(TITRE_DEMO)
        self.bouton_demo.clicked.connect(self.creer_demo)
        demo = QLabel(f"{DEMO_NOM}\u00a0: un budget principal et un budget annexe «\u00a0Eau et "
                      "assainissement\u00a0», des tiers, des factures Chorus Pro déjà lues et des "
                      "mandats, pour découvrir Corail sans risque.")
        self.bouton_creation = QPushButton(TITRE_CREATION + "…")
        self.bouton_creation.clicked.connect(self.creer_collectivite)
        creation = QLabel("Votre collectivité : nom, SIRET, codes collectivité et budget, "
                          "poste comptable et premier exercice.")
        for aide in (demo, creation):
            aide.setWordWrap(True)
            aide.setIndent(12)
        self.bouton_quitter = QPushButton("Quitter")
        self.bouton_quitter.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for widget in (titre, texte, self.bouton_demo, demo, self.bouton_creation, creation):
            layout.addWidget(widget)
        layout.addSpacing(10)
        layout.addWidget(self.bouton_quitter, alignment=Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(560)
        self._job: JobRun | None = None

    def _occupe(self, occupe: bool) -> None:
        for bouton in (self.bouton_demo, self.bouton_creation, self.bouton_quitter):
            bouton.setEnabled(not occupe)

    def creer_demo(self) -> None:
        self._occupe(True)
        self._job = lancer_demo(self, self.state, self.utilisateur, self._demo_creee)
        self._job.failed.connect(lambda _exc: self._occupe(False))
        self._job.cancelled.connect(lambda: self._occupe(False))

    def _demo_creee(self, resultat: object) -> None:
        from corail.services.demo import DemoResultat

        assert isinstance(resultat, DemoResultat)
        self.budgets_crees = resultat.budget_ids
        self.accept()

    def creer_collectivite(self) -> None:
        dialogue = CreationCollectiviteDialog(self.state, self.utilisateur, self)
        if dialogue.exec() == QDialog.DialogCode.Accepted and dialogue.resultat is not None:
            self.budgets_crees = (dialogue.resultat.budget_id,)
            self.accept()
