"""The tables of *Gestion des collectivités*: exercices, taux des intérêts moratoires,
numérotation; and the small helpers its tabs share (one transaction per change, amounts).

The models hold the services' frozen dataclasses, never ORM objects.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QWidget

from corail.errors import ValidationError
from corail.money import MoneyError, format_eur, parse_fr
from corail.services.collectivites import ExerciceDetail, TauxLigne
from corail.services.compteurs import EtatCompteur
from ui.modeles import Colonne, TableauModel
from ui.common import ALIGN_MONTANT, afficher_erreur
from ui.state import AppState

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
TITRE = "Gestion des collectivités"


def modele_exercices(parent=None) -> TableauModel[ExerciceDetail]:
    return TableauModel([
        Colonne("Exercice", lambda e: str(e.annee)), Colonne("État", lambda e: e.etat),
        Colonne("Courant", lambda e: "Oui" if e.courant else ""),
        Colonne("Clôturé le", lambda e: e.date_cloture),
        Colonne("Pièces non numérotées", lambda e: e.pieces_en_cours),
    ], parent=parent)


def format_taux(valeur: Decimal) -> str:
    """``2,15 %``: two decimals at least, four at most, French comma."""
    deux = valeur.quantize(Decimal("0.01"))
    texte = str(deux if deux == valeur else valeur.normalize())
    return texte.replace(".", ",") + "\u00a0%"


def format_points(valeur: Decimal) -> str:
    return format_taux(valeur).removesuffix("\u00a0%") + "\u00a0points"


def modele_taux(parent=None) -> TableauModel[TauxLigne]:
    return TableauModel([
        Colonne("Date de début", lambda t: t.date_debut),
        Colonne("Taux BCE", lambda t: format_taux(t.taux_bce), droite=True),
        Colonne("Majoration", lambda t: format_points(t.majoration), droite=True),
        Colonne("Taux applicable", lambda t: format_taux(t.taux_applicable), droite=True),
    ], parent=parent)


def modele_numerotation(parent=None) -> TableauModel[EtatCompteur]:
    return TableauModel([
        Colonne("Numérotation", lambda e: e.libelle),
        Colonne("Prochain numéro", lambda e: f"{e.prochain:,}".replace(",", "\u00a0"), droite=True),
        Colonne("Modification", lambda e: "Non modifiable (des numéros ont déjà été attribués)"
                if e.utilise else "Modifiable"),
    ], parent=parent)


def table(modele: QAbstractTableModel, parent: QWidget | None = None) -> QTableView:
    vue = QTableView(parent)
    vue.setModel(modele)
    vue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    vue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    vue.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    vue.verticalHeader().setVisible(False)
    vue.setAlternatingRowColors(True)
    vue.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    vue.horizontalHeader().setStretchLastSection(False)
    vue.horizontalHeader().setMinimumSectionSize(90)
    return vue


def ligne_choisie(vue: QTableView) -> int | None:
    rows = vue.selectionModel().selectedRows() if vue.selectionModel() else []
    return rows[0].row() if rows else None


class ChampMontant(QLineEdit):
    """An amount typed French-style (``3 277,42``), shown right-aligned; read with
    ``montant()`` through ``money.parse_fr`` — never a float, never QLocale."""

    def __init__(self, champ: str, parent: QWidget | None = None, *,
                 facultatif: bool = False) -> None:
        super().__init__(parent)
        self.champ = champ
        self.facultatif = facultatif
        self.setAlignment(ALIGN_MONTANT)
        self.setMaximumWidth(160)
        self.editingFinished.connect(self._reformater)

    def afficher(self, valeur: Decimal | None) -> None:
        self.setText(format_eur(valeur))

    def montant(self) -> Decimal | None:
        if self.facultatif and not self.text().strip():
            return None
        try:
            return parse_fr(self.text())
        except MoneyError as exc:
            raise ValidationError(f"{self.champ} : {exc}") from None

    def _reformater(self) -> None:
        try:
            valeur = self.montant()
        except ValidationError:
            return  # left as typed; refused with its message when saved
        self.afficher(valeur)


def executer(parent: QWidget, state: AppState, action: Callable, *quoi: str) -> bool:
    """Run ``action(session)`` in one transaction; on refusal show the French message (nothing
    is written). On success say what changed (``state.signaler``) and return True."""
    try:
        with state.transaction() as session:
            action(session)
    except Exception as exc:  # shown to the user; the transaction rolled back
        afficher_erreur(parent, exc, TITRE)
        return False
    for q in quoi:
        state.signaler(q)
    return True


def lire(parent: QWidget, state: AppState, action: Callable[..., T]) -> T | None:
    """``action(session)`` in a read session; None (message shown) when it fails."""
    try:
        with state.lecture() as session:
            return action(session)
    except Exception as exc:
        afficher_erreur(parent, exc, TITRE)
        return None
