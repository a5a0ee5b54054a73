"""What the imputations grids of *Saisie des mandats* and *Titres de recettes* share: the model's
list of lines (add, remove, replace, a refused cell's French reason), the cell editors' plumbing,
the view, and the box with *Ajouter / Enlever imputation*, the Total line and the message.

Each screen's model says its columns (``COLONNES``), what a cell shows (``_texte``, ``_donnee``)
and how a typed value changes a line (``_changer``); its box says its Total line
(``actualiser_total``) and its new line (``ajouter``).
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, QStringListModel, Qt, Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QCompleter, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPushButton, QStyledItemDelegate, QTableView, QVBoxLayout, QWidget,
)

from corail.errors import ValidationError
from corail.money import MoneyError, parse_fr

Index = QModelIndex | QPersistentModelIndex
AUCUN = "(aucun)"
ROUGE = "#b00020"
VERT = "#1b6e20"


def montant_tape(value) -> Decimal | None:
    """The amount typed in a Total cell (a ``Decimal`` as it is, "" for none)."""
    if isinstance(value, Decimal):
        return value
    texte = str(value or "").strip()
    try:
        return parse_fr(texte) if texte else None
    except MoneyError as exc:
        raise ValidationError(f"{exc} (saisissez par exemple 1 234,56)") from None


class ImputationsBaseModel(QAbstractTableModel):
    """The lines being typed (plain rows, never ORM objects); ``refus`` carries the French
    reason of a refused cell."""

    refus = Signal(str)
    modifie = Signal()
    COLONNES: tuple[str, ...] = ()

    def __init__(self, choix, parent=None) -> None:
        super().__init__(parent)
        self.choix = choix
        self._lignes: list = []
        self.lecture_seule = False

    def remplacer(self, lignes) -> None:
        self.beginResetModel()
        try:
            self._lignes = list(lignes)
        finally:
            self.endResetModel()

    def _tout_change(self) -> None:
        if self._lignes:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._lignes) - 1, len(self.COLONNES) - 1))

    def definir_choix(self, choix) -> None:
        self.choix = choix
        self._tout_change()

    def lignes(self) -> list:
        return list(self._lignes)

    def ajouter(self, ligne) -> int:
        row = len(self._lignes)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lignes.append(ligne)
        self.endInsertRows()
        self.modifie.emit()
        return row

    def enlever(self, row: int) -> None:
        if 0 <= row < len(self._lignes):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._lignes[row]
            self.endRemoveRows()
            self.modifie.emit()

    def _controler(self, en_plus=lambda n, l: None) -> None:
        """A line without article or amount refused (``en_plus(n, ligne)``: the screen's own)."""
        for n, l in enumerate(self._lignes, 1):
            if not l.article:
                raise ValidationError(f"Imputation {n} : article manquant")
            if l.montant is None:
                raise ValidationError(f"Imputation {n} : montant manquant")
            en_plus(n, l)

    # -- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lignes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLONNES)

    def _fixe(self, col: int) -> bool:
        """A column the user cannot type in (beyond a read-only pièce)."""
        return False

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if self.lecture_seule or self._fixe(index.column()) else base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._lignes)) \
                or not (0 <= index.column() < len(self.COLONNES)):
            return None
        l, col = self._lignes[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            texte, info = self._texte(l, col)
            return texte if role == Qt.ItemDataRole.DisplayRole else (info or texte or None)
        return self._donnee(l, col, role)

    def _texte(self, l, col: int) -> tuple[str, str]:
        raise NotImplementedError  # (cell text, tooltip)

    def _donnee(self, l, col: int, role: int):
        raise NotImplementedError  # the other roles: edit, alignment, colour

    def _changer(self, l, col: int, value):
        raise NotImplementedError  # the line with ``value`` typed in ``col`` (ValidationError)

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.lecture_seule \
                or not (0 <= index.row() < len(self._lignes)):
            return False
        row, col = index.row(), index.column()
        l = self._lignes[row]
        try:
            nouvelle = self._changer(l, col, value)
        except ValidationError as exc:
            self.refus.emit(f"Imputation {row + 1} : {exc}")
            return False
        if nouvelle == l:
            return True
        self._lignes[row] = nouvelle
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLONNES) - 1))
        self.modifie.emit()
        return True


class ImputationsBaseDelegate(QStyledItemDelegate):
    """Combos (with « (aucun) ») and completed line edits; values given back to the model."""

    def __init__(self, modele: ImputationsBaseModel, parent=None) -> None:
        super().__init__(parent)
        self.modele = modele

    def _combo(self, parent: QWidget, options) -> QComboBox:
        combo = QComboBox(parent)
        combo.addItem(AUCUN, None)
        for texte, ident in options:
            combo.addItem(texte, ident)
        combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
        combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    @staticmethod
    def _completer(editeur: QLineEdit, table: dict[str, str]) -> None:
        """Completion on « code – libellé » of ``table``."""
        entrees = [f"{code} – {libelle}" for code, libelle in table.items()]
        completion = QCompleter(QStringListModel(entrees, editeur), editeur)
        completion.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completion.setFilterMode(Qt.MatchFlag.MatchContains)
        completion.popup().setMinimumWidth(420)
        editeur.setCompleter(completion)
        editeur.setPlaceholderText("code ou libellé")

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        valeur = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(valeur)))
        else:
            editor.setText("" if valeur is None else str(valeur))

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        valeur = editor.currentData() if isinstance(editor, QComboBox) else editor.text()
        model.setData(index, valeur, Qt.ItemDataRole.EditRole)


def vue_grille(modele: ImputationsBaseModel, delegue: QStyledItemDelegate, colonnes: tuple[int, ...],
               largeurs: dict[int, int], etiree: int) -> QTableView:
    """A grid on ``modele`` showing only ``colonnes`` (``etiree`` takes the free width)."""
    vue = QTableView()
    vue.setModel(modele)
    delegue.setParent(vue)
    vue.setItemDelegate(delegue)
    vue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    vue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    vue.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                        | QAbstractItemView.EditTrigger.EditKeyPressed
                        | QAbstractItemView.EditTrigger.AnyKeyPressed)
    vue.setAlternatingRowColors(True)
    vue.verticalHeader().setDefaultSectionSize(24)
    entete = vue.horizontalHeader()
    for c in range(len(modele.COLONNES)):
        vue.setColumnHidden(c, c not in colonnes)
        entete.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
    for c, largeur in largeurs.items():
        vue.setColumnWidth(c, largeur)
    entete.setSectionResizeMode(etiree, QHeaderView.ResizeMode.Stretch)
    return vue


class GrilleBase(QGroupBox):
    """The box: the grid ``vue`` on ``modele``, Ajouter / Enlever imputation, the amount due
    (``du``), the gap (``ecart``), the ``total`` and the refused cell's ``message``."""

    modifie = Signal()

    def __init__(self, titre: str, modele: ImputationsBaseModel, vue: QTableView, espacement: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(titre, parent)
        modele.setParent(self)
        self.modele, self.vue = modele, vue
        self.montant_du = None
        self.article_defaut = ""
        self.bouton_ajouter = QPushButton("Ajouter imputation")
        self.bouton_ajouter.clicked.connect(self.ajouter)
        self.bouton_enlever = QPushButton("Enlever imputation")
        self.bouton_enlever.clicked.connect(self.enlever)
        self.total, self.du, self.ecart = QLabel(), QLabel(), QLabel()
        self.message = QLabel(styleSheet=f"color: {ROUGE};", wordWrap=True)
        for label in (self.total, self.du, self.ecart):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ligne_total = QHBoxLayout()
        for w in (self.bouton_ajouter, self.bouton_enlever, None, self.du, self.ecart, self.total):
            if w is None:
                ligne_total.addStretch(1)
                continue
            if espacement and w in (self.ecart, self.total):
                ligne_total.addSpacing(espacement)
            ligne_total.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.vue, 1)
        layout.addLayout(ligne_total)
        layout.addWidget(self.message)
        self.message.hide()
        self.modele.refus.connect(self._refus)
        self.modele.modifie.connect(self._modifie)
        for sig in (self.modele.modelReset, self.modele.rowsInserted, self.modele.rowsRemoved,
                    self.modele.dataChanged):
            sig.connect(lambda *_a: self.actualiser_total())
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._boutons())

    def actualiser_total(self) -> None:
        raise NotImplementedError

    def ajouter(self) -> None:
        raise NotImplementedError

    def _refus(self, texte: str) -> None:
        self.message.setText(texte)
        self.message.setVisible(bool(texte))

    def _modifie(self) -> None:
        self._refus("")
        self.modifie.emit()

    def definir_lecture_seule(self, oui: bool) -> None:
        self.modele.lecture_seule = oui
        self.bouton_ajouter.setEnabled(not oui)
        self._boutons()

    def _boutons(self) -> None:
        self.bouton_enlever.setEnabled(not self.modele.lecture_seule and self._ligne() is not None)

    def _ligne(self) -> int | None:
        rows = self.vue.selectionModel().selectedRows()
        index = rows[0] if rows else self.vue.currentIndex()
        return index.row() if index.isValid() else None

    def _ajouter_ligne(self, ligne, colonne: int) -> None:
        """``ligne`` added, its ``colonne`` cell open for typing."""
        row = self.modele.ajouter(ligne)
        index = self.modele.index(row, colonne)
        self.vue.setCurrentIndex(index)
        self.vue.edit(index)

    def enlever(self) -> None:
        row = self._ligne()
        if row is not None:
            self.modele.enlever(row)
