"""The tables of *Gestion des collectivités*: exercices, taux des intérêts moratoires,
numérotation; and the small helpers its tabs share (one transaction per change, amounts).

The models hold the services' frozen dataclasses, never ORM objects.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Generic, Sequence, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QWidget

from corail.dates import format_date
from corail.errors import ValidationError
from corail.money import MoneyError, format_eur, parse_fr
from corail.services.collectivites import ExerciceDetail, TauxLigne
from corail.services.compteurs import EtatCompteur
from ui.common import ALIGN_MONTANT, afficher_erreur
from ui.state import AppState

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
TITRE = "Gestion des collectivités"


class ModeleLignes(QAbstractTableModel, Generic[T]):
    """A read-only table of dataclass rows; ``cellules(row)`` gives the texts of a row and the
    columns listed in ``A_DROITE`` are right-aligned (amounts, rates, numbers)."""

    ENTETES: tuple[str, ...] = ()
    A_DROITE: frozenset[int] = frozenset()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lignes: list[T] = []

    def remplacer(self, lignes: Sequence[T]) -> None:
        self.beginResetModel()
        try:
            self._lignes = list(lignes)
        finally:
            self.endResetModel()

    def ligne(self, row: int) -> T:
        return self._lignes[row]

    def lignes(self) -> list[T]:
        return list(self._lignes)

    def cellules(self, ligne: T) -> tuple[str, ...]:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lignes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ENTETES)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._lignes):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cellules(self._lignes[index.row()])[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.A_DROITE:
            return int(ALIGN_MONTANT)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.ENTETES)):
            return self.ENTETES[section]
        return None


class ExercicesModel(ModeleLignes[ExerciceDetail]):
    ENTETES = ("Exercice", "État", "Courant", "Clôturé le", "Pièces non numérotées")
    A_DROITE = frozenset({4})

    def cellules(self, e: ExerciceDetail) -> tuple[str, ...]:
        return (str(e.annee), e.etat, "Oui" if e.courant else "", format_date(e.date_cloture),
                str(e.pieces_en_cours))


def format_taux(valeur: Decimal) -> str:
    """``2,15 %``: two decimals at least, four at most, French comma."""
    deux = valeur.quantize(Decimal("0.01"))
    texte = str(deux if deux == valeur else valeur.normalize())
    return texte.replace(".", ",") + "\u00a0%"


def format_points(valeur: Decimal) -> str:
    return format_taux(valeur).removesuffix("\u00a0%") + "\u00a0points"


class TauxModel(ModeleLignes[TauxLigne]):
    ENTETES = ("Date de début", "Taux BCE", "Majoration", "Taux applicable")
    A_DROITE = frozenset({1, 2, 3})

    def cellules(self, t: TauxLigne) -> tuple[str, ...]:
        return (format_date(t.date_debut), format_taux(t.taux_bce), format_points(t.majoration),
                format_taux(t.taux_applicable))


class NumerotationModel(ModeleLignes[EtatCompteur]):
    ENTETES = ("Numérotation", "Prochain numéro", "Modification")
    A_DROITE = frozenset({1})

    def cellules(self, e: EtatCompteur) -> tuple[str, ...]:
        etat = "Non modifiable (des numéros ont déjà été attribués)" if e.utilise else "Modifiable"
        return (e.libelle, f"{e.prochain:,}".replace(",", "\u00a0"), etat)


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
