"""*Lecture* of pivot files, the top of *Intégration des flux pivots*: the file dialog (opened in
the collectivité's *Répertoire de réception des flux pivots*, else the folder used last time),
several XML or ZIP files at once (or dropped on the screen), read in the background through
``run_job`` with progress and *Annuler*.

The job is one transaction with a savepoint per file: a refused file (its French message is
shown) leaves nothing behind while the others are kept; *Annuler* or an internal error rolls
everything back.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QVBoxLayout,
    QWidget,
)

from corail.errors import CorailError
from corail.jobs import JobControl
from corail.services.pivot_import import ImportResultat, importer_fichier
from corail.services.reglages import lire_transfert
from ui.common import afficher_erreur
from ui.ecrans import dernier_dossier, retenir_dossier
from ui.jobs import JobRun, run_job
from ui.state import AppState

TITRE_LECTURE = "Lecture des flux pivots"
FILTRE = "Flux pivots (*.xml *.XML *.zip *.ZIP);;Tous les fichiers (*)"
SUFFIXES = (".xml", ".zip")


@dataclass(frozen=True)
class Lecture:
    """What *Lecture* did: the files read, and those refused (name, French message)."""

    lus: tuple[ImportResultat, ...]
    refus: tuple[tuple[str, str], ...]

    @property
    def flux(self) -> list:
        return [f for r in self.lus for f in r.flux]

    def texte(self) -> str:
        flux = self.flux
        lignes = [f"{f.nom} : {f.nb_factures} facture(s) lue(s), dont {f.anomalies} en anomalie, "
                  f"{f.nb_pj} PJ" for f in flux]
        if len(flux) > 1:
            lignes.append(f"Total : {sum(f.nb_factures for f in flux)} facture(s), "
                          f"{sum(f.anomalies for f in flux)} en anomalie, "
                          f"{sum(f.nb_pj for f in flux)} PJ")
        for nom, message in self.refus:
            lignes.append("Fichier refusé, rien n'en a été enregistré :\n"
                          + (message if nom in message else f"{nom} : {message}"))
        return "\n\n".join(lignes) if self.refus else "\n".join(lignes)


def lire_fichiers(state: AppState, fichiers: list[Path], control: JobControl) -> Lecture:
    """The job (pool thread, no widget): one transaction, a savepoint per file."""
    ctx, lus, refus = state.ctx, [], []
    with state.transaction() as session:
        for i, chemin in enumerate(fichiers, 1):
            control.message(f"Lecture de {chemin.name} ({i}/{len(fichiers)})…")
            try:
                with session.begin_nested():
                    lus.append(importer_fichier(session, ctx, chemin, control=control))
            except CorailError as exc:  # refused: this file's savepoint rolled back
                refus.append((chemin.name, str(exc)))
    return Lecture(tuple(lus), tuple(refus))


def deposables(chemins: list[Path]) -> list[Path]:
    """The dropped files Corail may read (XML or ZIP)."""
    return [p for p in chemins if p.suffix.lower() in SUFFIXES and p.is_file()]


class LectureFlux(QGroupBox):
    """*Flux pivot* [files] *Parcourir…* *Lecture*, and the reception folder below."""

    #: the ``Lecture`` once the job succeeded (the summary was shown)
    lue = Signal(object)
    #: a short line for the screen's message area
    message = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__("Lecture des flux pivots", parent)
        self.state = state
        self.fichiers: list[Path] = []
        self.job: JobRun | None = None
        self.champ = QLineEdit(readOnly=True)
        self.champ.setPlaceholderText("Choisissez un flux pivot (XML ou ZIP de Chorus Pro), "
                                      "ou déposez-le sur cet écran")
        self.bouton_parcourir = QPushButton("Parcourir…")
        self.bouton_parcourir.setToolTip("Choisir un ou plusieurs flux pivots (XML ou ZIP)")
        self.bouton_parcourir.clicked.connect(self.choisir_fichiers)
        self.bouton_lecture = QPushButton("Lecture")
        self.bouton_lecture.setToolTip("Lire les flux choisis (la fenêtre de choix s'ouvre si "
                                       "aucun n'est choisi)")
        self.bouton_lecture.clicked.connect(self.lecture)
        self.repertoire = QLabel()
        self.repertoire.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.repertoire.setEnabled(False)
        ligne = QHBoxLayout()
        ligne.addWidget(QLabel("Flux pivot :"))
        ligne.addWidget(self.champ, 1)
        ligne.addWidget(self.bouton_parcourir)
        ligne.addWidget(self.bouton_lecture)
        boite = QVBoxLayout(self)
        boite.addLayout(ligne)
        boite.addWidget(self.repertoire)

    @property
    def en_cours(self) -> bool:
        return self.job is not None and not self.job.termine

    def repertoire_flux(self) -> str:
        if not self.state.a_contexte:
            return ""
        with self.state.lecture() as session:
            return lire_transfert(session, self.state.ctx).repertoire_flux

    def actualiser(self) -> None:
        rep = self.repertoire_flux()
        self.repertoire.setText(f"Répertoire de réception des flux pivots : {rep}" if rep else
                                "Aucun répertoire de réception des flux pivots "
                                "(Gestion des collectivités › Transfert).")
        self.bouton_lecture.setEnabled(self.state.a_contexte and not self.en_cours)
        self.bouton_parcourir.setEnabled(self.state.a_contexte)

    def choisir_fichiers(self) -> list[Path]:
        """The file dialog, in the *Répertoire de réception des flux pivots* (else the folder
        used last time); several files may be chosen. The folder is remembered."""
        depart = self.repertoire_flux()
        if not depart or not Path(depart).is_dir():
            depart = dernier_dossier(self.state.settings, "flux")
        noms, _filtre = QFileDialog.getOpenFileNames(self, "Choisir les flux pivots à lire",
                                                     depart, FILTRE)
        if noms:
            retenir_dossier(self.state.settings, "flux", noms[0])
            self.definir_fichiers([Path(n) for n in noms])
        return [Path(n) for n in noms]

    def definir_fichiers(self, chemins: list[Path]) -> None:
        self.fichiers = list(chemins)
        self.champ.setText(" ; ".join(p.name for p in self.fichiers))
        self.champ.setToolTip("\n".join(str(p) for p in self.fichiers))

    def lecture(self) -> JobRun | None:
        """Read the chosen files (opening the file dialog first when none is chosen)."""
        if not self.state.a_contexte or self.en_cours:
            return None
        if not self.fichiers and not self.choisir_fichiers():
            return None
        fichiers, state = list(self.fichiers), self.state  # the job holds no widget
        self.bouton_lecture.setEnabled(False)
        self.job = run_job(self, TITRE_LECTURE,
                           lambda control: lire_fichiers(state, fichiers, control),
                           self._faite, on_cancel=self._annulee, on_error=self._echouee,
                           texte="Lecture des flux pivots…")
        return self.job

    def _faite(self, lecture: Lecture) -> None:
        self.bouton_lecture.setEnabled(True)
        self.definir_fichiers([])
        texte = lecture.texte()
        self.message.emit(texte.replace("\n\n", "\n"))
        self.lue.emit(lecture)
        if lecture.refus:
            QMessageBox.warning(self, TITRE_LECTURE, texte)
        else:
            QMessageBox.information(self, TITRE_LECTURE, texte)

    def _annulee(self) -> None:
        self.bouton_lecture.setEnabled(True)
        self.message.emit("Lecture annulée : rien n'a été enregistré.")

    def _echouee(self, exc: BaseException) -> None:
        self.bouton_lecture.setEnabled(True)
        self.message.emit("Lecture interrompue : rien n'a été enregistré.")
        afficher_erreur(self, exc, TITRE_LECTURE)
