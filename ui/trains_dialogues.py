"""The dialogs of Dépenses › Trains: *Nouveau train* and *Libérer le train d'attente*.

*Nouveau train* saves in one transaction (``creer_train``); a refusal shows its French message
and the dialog stays open. *Libérer* only collects the reference and the date of the
trésorier's bordereau de régularisation: the screen releases the train in the background
(``run_job``), as numbering may take a while.
"""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
    QWidget,
)

from corail.errors import ValidationError
from corail.money import format_eur
from corail.services.trains import TrainLigne, creer_train
from ui.common import afficher_erreur
from ui.state import AppState

TITRE_NOUVEAU = "Nouveau train"
TITRE_LIBERER = "Libérer le train d'attente"


def _boutons(dialogue: QDialog, texte_ok: str) -> QDialogButtonBox:
    boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    boutons.button(QDialogButtonBox.StandardButton.Ok).setText(texte_ok)
    boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
    boutons.rejected.connect(dialogue.reject)
    return boutons


class NouveauTrainDialog(QDialog):
    """Create a train; ``enregistre`` carries the new ``TrainLigne``."""

    enregistre = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.resultat: TrainLigne | None = None
        self.setWindowTitle(TITRE_NOUVEAU)
        self.nom = QLineEdit(placeholderText="Par exemple : Investissement, Paie, Fluides")
        self.nom.setMaxLength(50)
        self.attente = QCheckBox("Train d'attente (mandats de régularisation, débit d'office)")
        aide = QLabel("Un train regroupe des mandats pour les numéroter et les imprimer ensemble. "
                      "Un train d'attente n'est numéroté que lorsqu'il est libéré par le "
                      "bordereau de régularisation du comptable.")
        aide.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Nom du train :", self.nom)
        form.addRow("", self.attente)
        self.boutons = _boutons(self, "Créer")
        self.boutons.accepted.connect(self.enregistrer)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(aide)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(520)

    def enregistrer(self) -> bool:
        try:
            with self.state.transaction() as session:
                self.resultat = creer_train(session, self.state.ctx, self.nom.text(),
                                            attente=self.attente.isChecked())
        except Exception as exc:  # refused: the message, the dialog stays open, nothing written
            afficher_erreur(self, exc, TITRE_NOUVEAU)
            return False
        self.enregistre.emit(self.resultat)
        self.accept()
        return True


class LiberationDialog(QDialog):
    """The reference and date of the bordereau de régularisation; ``choisi`` carries them."""

    #: (référence, date) once checked; the screen then releases the train
    choisi = Signal(str, object)

    def __init__(self, state: AppState, train: TrainLigne, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.train = state, train
        self.setWindowTitle(TITRE_LIBERER)
        jour = state.ctx.today()
        n = train.brouillons + train.valides
        qui = QLabel(f"Train « {train.nom} » : {n} mandat(s) de régularisation en attente.")
        qui.setWordWrap(True)
        self.reference = QLineEdit(placeholderText="Référence portée par le bordereau du comptable")
        self.reference.setMaxLength(50)
        self.date = QDateEdit(QDate(jour.year, jour.month, jour.day), calendarPopup=True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setMaximumDate(QDate(jour.year, jour.month, jour.day))
        aide = QLabel("Ces factures ont déjà été payées par prélèvement (débit d'office). À "
                      "l'arrivée du bordereau de régularisation du trésorier, les mandats du train "
                      "sont validés, numérotés et placés dans un bordereau qui porte sa référence "
                      "et sa date. Un mandat incomplet empêche la libération : Corail dit lequel.")
        aide.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Référence du bordereau de régularisation :", self.reference)
        form.addRow("Date du bordereau :", self.date)
        self.boutons = _boutons(self, "Libérer et numéroter")
        self.boutons.accepted.connect(self.valider)
        layout = QVBoxLayout(self)
        layout.addWidget(qui)
        layout.addLayout(form)
        layout.addWidget(aide)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(600)

    def valeurs(self) -> tuple[str, date]:
        reference = self.reference.text().strip()
        if not reference:
            raise ValidationError("Référence du bordereau de régularisation manquante")
        return reference, self.date.date().toPython()

    def valider(self) -> bool:
        try:
            reference, le = self.valeurs()
        except ValidationError as exc:
            afficher_erreur(self, exc, TITRE_LIBERER)
            return False
        self.choisi.emit(reference, le)
        self.accept()
        return True


def texte_numerotation(num, reference: str, le: date) -> str:
    """What *Libérer* produced: the bordereau(x), their mandats and amounts."""
    lignes = []
    for b in num.bordereaux:
        numeros = [n for _, n in b.mandats]
        if len(numeros) == 1:
            mandats = f"1 mandat (n° {numeros[0]})"
        else:
            mandats = f"{b.nb_pieces} mandats" + (f" (n° {numeros[0]} à {numeros[-1]})" if numeros else "")
        genre = "annulation/réduction, " if b.type_bord == "02" else ""
        lignes.append(f"Bordereau n° {b.numero} ({genre}type {b.type_bord}) : {mandats}, "
                      f"{format_eur(b.montant)}\u00a0€")
    lignes.append(f"Bordereau de régularisation du comptable : {reference} du {le:%d/%m/%Y}.")
    lignes += [f"⚠ {a}" for a in num.avertissements]
    return "\n".join(lignes)
