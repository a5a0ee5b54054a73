"""The read-only table model every screen uses: rows are the services' frozen dataclasses (or
tuples), one ``Colonne`` per column; amounts right-aligned ``3 277,42``, dates JJ/MM/AAAA
(``texte_cellule``); ``ROLE_TRI`` gives each cell a sortable key (amounts as numbers, dates as
ISO text) for a ``QSortFilterProxyModel``. ORM objects never reach these models."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Generic, Sequence, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView

from ui.common import ALIGN_MONTANT, texte_cellule

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
ROLE_TRI = Qt.ItemDataRole.UserRole + 1
ALIGN_CENTRE = Qt.AlignmentFlag.AlignCenter
ROUGE = QBrush(QColor(170, 30, 30))
GRIS = QBrush(QColor(120, 120, 120))


def _non(_ligne: object) -> bool:
    return False


@dataclass(frozen=True)
class Colonne(Generic[T]):
    titre: str
    valeur: Callable[[T], object]
    infobulle: Callable[[T], str] | None = None
    centre: bool = False  # short flags (Oui/Non) and counts
    droite: bool = False  # numbers kept as text (prices, quantities, rates)
    lien: bool = False  # drawn as a link: clicking the cell opens something (Détail)
    entete_infobulle: str = ""  # tooltip of the column's heading


class TableauModel(QAbstractTableModel, Generic[T]):
    """A read-only table of rows (dataclasses or tuples), one ``Colonne`` per column."""

    def __init__(self, colonnes: Sequence[Colonne[T] | tuple[str, Callable[[T], object]]], *,
                 alerte: Callable[[T], bool] = _non, grise: Callable[[T], bool] = _non,
                 gras: Callable[[T], bool] = _non, parent=None) -> None:
        """``colonnes``: ``Colonne`` objects, or (heading, value) pairs. ``alerte`` draws a row in
        red, ``grise`` in grey (inactive, closed), ``gras`` in bold (just changed)."""
        super().__init__(parent)
        self.colonnes = [c if isinstance(c, Colonne) else Colonne(*c) for c in colonnes]
        self._alerte, self._grise, self._gras = alerte, grise, gras
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

    def colonne(self, titre: str) -> int:
        return next(i for i, c in enumerate(self.colonnes) if c.titre == titre)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lignes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.colonnes)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.colonnes):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.colonnes[section].titre
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.colonnes[section].entete_infobulle or None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._lignes)) \
                or not (0 <= index.column() < len(self.colonnes)):
            return None
        ligne, colonne = self._lignes[index.row()], self.colonnes[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return texte_cellule(colonne.valeur(ligne))
        if role == Qt.ItemDataRole.ToolTipRole:
            texte = colonne.infobulle(ligne) if colonne.infobulle else texte_cellule(colonne.valeur(ligne))
            return texte or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            valeur = colonne.valeur(ligne)
            if colonne.centre:
                return int(ALIGN_CENTRE.value)
            nombre = isinstance(valeur, (Decimal, int)) and not isinstance(valeur, bool)
            if nombre or colonne.droite:  # amounts and counts to the right
                return int(ALIGN_MONTANT.value)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if colonne.lien:
                return QApplication.palette().brush(QPalette.ColorRole.Link)
            if self._alerte(ligne):
                return ROUGE
            return GRIS if self._grise(ligne) else None
        if role == Qt.ItemDataRole.FontRole and (colonne.lien or self._gras(ligne)):
            police = QFont()
            police.setUnderline(colonne.lien)
            police.setBold(self._gras(ligne))
            return police
        if role == ROLE_TRI:
            return cle_tri(colonne.valeur(ligne))
        return None


def cle_tri(valeur: object) -> object:
    if isinstance(valeur, bool):
        return int(valeur)
    if isinstance(valeur, Decimal):
        return float(valeur)
    if isinstance(valeur, (datetime, date)):
        return valeur.isoformat()
    if isinstance(valeur, int):
        return valeur
    return texte_cellule(valeur).casefold()


# -- the three lists --------------------------------------------------------------------------

# -- views ------------------------------------------------------------------------------------

def tableau(model: QAbstractTableModel, etirer: int | None, *, triable: bool = False,
            multiple: bool = False, selection: bool = True) -> QTableView:
    """A read-only table view: whole rows selected (several with ``multiple``, none without
    ``selection``), sorted on ``ROLE_TRI`` when ``triable``, column ``etirer`` stretched."""
    vue = QTableView()
    if triable:
        proxy = QSortFilterProxyModel(vue)
        proxy.setSourceModel(model)
        proxy.setSortRole(ROLE_TRI)
        vue.setModel(proxy)
        vue.setSortingEnabled(True)
        vue.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the services' order until a click
    else:
        vue.setModel(model)
    vue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    vue.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multiple
                         else QAbstractItemView.SelectionMode.SingleSelection if selection
                         else QAbstractItemView.SelectionMode.NoSelection)
    vue.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    vue.setAlternatingRowColors(True)
    vue.setWordWrap(False)
    vue.verticalHeader().setVisible(False)
    vue.verticalHeader().setDefaultSectionSize(24)
    entete = vue.horizontalHeader()
    entete.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if etirer is not None:  # else short columns, and the free width left empty
        entete.setSectionResizeMode(etirer, QHeaderView.ResizeMode.Stretch)
    entete.setMinimumSectionSize(60)
    entete.setHighlightSections(False)
    return vue


def source_row(vue: QTableView, index: QModelIndex) -> int:
    modele = vue.model()
    return modele.mapToSource(index).row() if isinstance(modele, QSortFilterProxyModel) else index.row()


def rangs_choisis(vue: QTableView) -> list[int]:
    """The source rows selected in ``vue``, in display order."""
    selection = vue.selectionModel()
    if selection is None:
        return []
    return [source_row(vue, i) for i in sorted(selection.selectedRows(), key=lambda i: i.row())]


