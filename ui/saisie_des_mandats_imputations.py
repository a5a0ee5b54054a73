"""*Imputations comptables* of the Saisie des mandats: the editable grid (Article with completion
from the nomenclature, Désignation article, Opération, Service, Total typed the French way,
N° Eng.), *Ajouter / Enlever imputation* and the live *Total* line — with, for a mandat made
from an invoice, the amount due and the gap in red while they differ.

The model holds plain rows, never ORM objects; amounts are ``Decimal`` read with ``parse_fr``.
The rules (balance, engagements, inventory) stay in ``corail.services.mandats``: the grid only
shows the gap as the user types.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, QStringListModel, Qt, Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QCompleter, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QPushButton, QStyledItemDelegate, QTableView, QVBoxLayout, QWidget,
)

from corail.errors import ValidationError
from corail.money import ZERO, MoneyError, format_eur, parse_fr
from corail.services.mandats import ImputationSaisie
from ui.common import ALIGN_MONTANT
from ui.saisie_des_mandats_dialogues import (
    ARTICLE, COLONNES, DESIGNATION, ENGAGEMENT, INVENTAIRE, OPERATION, SERVICE, TOTAL, Choix,
)

Index = QModelIndex | QPersistentModelIndex
AUCUN = "(aucun)"
ROUGE = "#b00020"
VERT = "#1b6e20"


def ligne_vide(article: str = "", montant: Decimal | None = None) -> ImputationSaisie:
    return ImputationSaisie(article=article, montant=montant)  # type: ignore[arg-type]


class ImputationsModel(QAbstractTableModel):
    """The imputations being typed; ``refus`` carries the French reason of a refused cell."""

    refus = Signal(str)
    modifie = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.choix = Choix()
        self._lignes: list[ImputationSaisie] = []
        self.lecture_seule = False

    # -- content -------------------------------------------------------------------------

    def remplacer(self, lignes: tuple[ImputationSaisie, ...] | list[ImputationSaisie]) -> None:
        self.beginResetModel()
        try:
            self._lignes = list(lignes)
        finally:
            self.endResetModel()

    def definir_choix(self, choix: Choix) -> None:
        self.choix = choix
        if self._lignes:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._lignes) - 1, len(COLONNES) - 1))

    def lignes(self) -> list[ImputationSaisie]:
        return list(self._lignes)

    def total(self) -> Decimal:
        return sum((l.montant for l in self._lignes if l.montant is not None), ZERO)

    def ajouter(self, ligne: ImputationSaisie) -> int:
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

    def saisies(self) -> tuple[ImputationSaisie, ...]:
        """The lines for the service; a line without article or amount is refused here."""
        for n, l in enumerate(self._lignes, 1):
            if not l.article:
                raise ValidationError(f"Imputation {n} : article manquant")
            if l.montant is None:
                raise ValidationError(f"Imputation {n} : montant manquant")
        return tuple(replace(l, numero_inventaire=l.numero_inventaire or None) for l in self._lignes)

    # -- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lignes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLONNES)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLONNES[section] if 0 <= section < len(COLONNES) else None
        return str(section + 1) if 0 <= section < len(self._lignes) else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if self.lecture_seule else base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._lignes)) \
                or not (0 <= index.column() < len(COLONNES)):
            return None
        l, col = self._lignes[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            texte, info = self._texte(l, col)
            if role == Qt.ItemDataRole.DisplayRole:
                return texte
            return info or texte or None
        if role == Qt.ItemDataRole.EditRole:
            return {ARTICLE: l.article, DESIGNATION: l.designation, OPERATION: l.operation_id,
                    SERVICE: l.service_id, ENGAGEMENT: l.engagement_id,
                    TOTAL: format_eur(l.montant), INVENTAIRE: l.numero_inventaire or ""}[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == TOTAL:
            return int(ALIGN_MONTANT.value)
        if role == Qt.ItemDataRole.ForegroundRole:
            manque = (col == ARTICLE and l.article and l.article not in self.choix.articles) \
                or (col == TOTAL and (l.montant is None or l.montant <= 0))
            return QBrush(QColor(ROUGE)) if manque else None
        return None

    def _texte(self, l: ImputationSaisie, col: int) -> tuple[str, str]:
        if col == ARTICLE:
            return l.article, self.choix.articles.get(l.article, "")
        if col == DESIGNATION:
            return l.designation, ""
        if col == TOTAL:
            return (format_eur(l.montant), "") if l.montant is not None else ("", "Montant à saisir")
        if col == INVENTAIRE:
            return l.numero_inventaire or "", ""
        ident = {OPERATION: l.operation_id, SERVICE: l.service_id, ENGAGEMENT: l.engagement_id}[col]
        return self.choix.libelle(col, ident)

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
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLONNES) - 1))
        self.modifie.emit()
        return True

    def _changer(self, l: ImputationSaisie, col: int, value) -> ImputationSaisie:
        if col == ARTICLE:
            code = str(value or "").split("–")[0].strip()
            if code and code not in self.choix.articles:
                raise ValidationError(f"article {code} absent de la nomenclature du budget ou non "
                                      f"imputable en dépense (compte de détail attendu)")
            ancien = self.choix.articles.get(l.article, "")
            designation = l.designation
            if not designation or designation == ancien:
                designation = self.choix.articles.get(code, "")
            return replace(l, article=code, designation=designation)
        if col == DESIGNATION:
            return replace(l, designation=str(value or "").strip()[:200])
        if col == TOTAL:
            if isinstance(value, Decimal):
                return replace(l, montant=value)
            texte = str(value or "").strip()
            try:
                return replace(l, montant=parse_fr(texte) if texte else None)
            except MoneyError as exc:
                raise ValidationError(f"{exc} (saisissez par exemple 1 234,56)") from None
        if col == INVENTAIRE:
            return replace(l, numero_inventaire=str(value or "").strip()[:50] or None)
        ident = int(value) if value not in (None, "", 0) else None
        if col == OPERATION:
            return replace(l, operation_id=ident)
        if col == SERVICE:
            return replace(l, service_id=ident)
        article = l.article
        if ident is not None and not article:  # the engagement's article by default
            article = next((a for i, _n, a, _i in self.choix.engagements if i == ident), "")
            if article not in self.choix.articles:
                article = l.article
            l = self._changer(l, ARTICLE, article) if article else l
        return replace(l, engagement_id=ident)


class ImputationsDelegate(QStyledItemDelegate):
    """Editors: article with completion, combos for opération / service / N° Eng., amounts
    typed the French way and right-aligned."""

    def __init__(self, modele: ImputationsModel, parent=None) -> None:
        super().__init__(parent)
        self.modele = modele

    def createEditor(self, parent: QWidget, option, index: Index) -> QWidget:
        col = index.column()
        if col in (OPERATION, SERVICE, ENGAGEMENT):
            combo = QComboBox(parent)
            combo.addItem(AUCUN, None)
            for texte, ident in self.modele.choix.options(col):
                combo.addItem(texte, ident)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
            combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
            return combo
        editeur = QLineEdit(parent)
        if col == ARTICLE:
            entrees = [f"{code} – {libelle}" for code, libelle in self.modele.choix.articles.items()]
            completion = QCompleter(QStringListModel(entrees, editeur), editeur)
            completion.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completion.setFilterMode(Qt.MatchFlag.MatchContains)
            completion.popup().setMinimumWidth(420)
            editeur.setCompleter(completion)
            editeur.setPlaceholderText("code ou libellé")
        elif col == TOTAL:
            editeur.setAlignment(ALIGN_MONTANT)
            editeur.setPlaceholderText("0,00")
        elif col == DESIGNATION:
            editeur.setMaxLength(200)
        elif col == INVENTAIRE:
            editeur.setMaxLength(50)
        return editeur

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        valeur = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(valeur)))
        else:
            editor.setText("" if valeur is None else str(valeur))

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        valeur = editor.currentData() if isinstance(editor, QComboBox) else editor.text()
        model.setData(index, valeur, Qt.ItemDataRole.EditRole)


def vue_imputations(modele: ImputationsModel, colonnes: tuple[int, ...]) -> QTableView:
    """A grid on ``modele`` showing only ``colonnes``."""
    vue = QTableView()
    vue.setModel(modele)
    vue.setItemDelegate(ImputationsDelegate(modele, vue))
    vue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    vue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    vue.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                        | QAbstractItemView.EditTrigger.EditKeyPressed
                        | QAbstractItemView.EditTrigger.AnyKeyPressed)
    vue.setAlternatingRowColors(True)
    vue.verticalHeader().setDefaultSectionSize(24)
    entete = vue.horizontalHeader()
    for c in range(len(COLONNES)):
        vue.setColumnHidden(c, c not in colonnes)
        entete.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
    largeurs = {ARTICLE: 90, OPERATION: 170, SERVICE: 170, TOTAL: 110, ENGAGEMENT: 120,
                INVENTAIRE: 160}
    for c, largeur in largeurs.items():
        vue.setColumnWidth(c, largeur)
    entete.setSectionResizeMode(DESIGNATION, QHeaderView.ResizeMode.Stretch)
    return vue


class GrilleImputations(QGroupBox):
    """The *Imputations comptables* box: the grid, Ajouter / Enlever imputation, the Total
    line (and, for a mandat made from an invoice, the amount due and the gap)."""

    modifie = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Imputations comptables", parent)
        self.modele = ImputationsModel(self)
        self.montant_du: Decimal | None = None
        self.sommes_admises = False
        self.article_defaut = ""
        self.vue = vue_imputations(self.modele, (ARTICLE, DESIGNATION, OPERATION, SERVICE, TOTAL,
                                                 ENGAGEMENT))
        self.bouton_ajouter = QPushButton("Ajouter imputation")
        self.bouton_ajouter.clicked.connect(self.ajouter)
        self.bouton_enlever = QPushButton("Enlever imputation")
        self.bouton_enlever.clicked.connect(self.enlever)
        self.total = QLabel()
        self.du = QLabel()
        self.ecart = QLabel()
        self.message = QLabel()
        self.message.setStyleSheet(f"color: {ROUGE};")
        self.message.setWordWrap(True)
        for label in (self.total, self.du, self.ecart):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ligne_total = QHBoxLayout()
        ligne_total.addWidget(self.bouton_ajouter)
        ligne_total.addWidget(self.bouton_enlever)
        ligne_total.addStretch(1)
        ligne_total.addWidget(self.du)
        ligne_total.addSpacing(16)
        ligne_total.addWidget(self.ecart)
        ligne_total.addSpacing(16)
        ligne_total.addWidget(self.total)
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
        self.actualiser_total()

    def _refus(self, texte: str) -> None:
        self.message.setText(texte)
        self.message.setVisible(bool(texte))

    def _modifie(self) -> None:
        self._refus("")
        self.modifie.emit()

    def charger(self, lignes, montant_du: Decimal | None, sommes_admises: bool = False) -> None:
        self.montant_du, self.sommes_admises = montant_du, sommes_admises
        self._refus("")
        self.modele.remplacer(lignes)
        self.actualiser_total()

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

    def ecart_du(self) -> Decimal | None:
        return None if self.montant_du is None else self.modele.total() - self.montant_du

    def actualiser_total(self) -> None:
        total = self.modele.total()
        self.total.setText(f"<b>Total : {format_eur(total)}</b>")
        ecart = self.ecart_du()
        if ecart is None:
            self.du.clear()
            self.ecart.clear()
            self.du.setVisible(False)
            self.ecart.setVisible(False)
            return
        self.du.setVisible(True)
        self.ecart.setVisible(True)
        self.du.setText(f"Montant de la facture : {format_eur(self.montant_du)}")
        if self.sommes_admises:
            correct = ecart < 0
            texte = (f"Sommes admises : {format_eur(-ecart)} non payés" if correct
                     else "Sommes admises : le total doit être inférieur à la facture")
        else:
            correct = ecart == 0
            texte = "Équilibré" if correct else f"Écart : {format_eur(ecart)}"
        self.ecart.setText(texte)
        self.ecart.setStyleSheet(f"color: {VERT if correct else ROUGE}; font-weight: bold;")

    def ajouter(self) -> None:
        """A new line: the last line's article (else the budget's default) and what remains
        to reach the invoice's amount; the article cell opens for typing."""
        lignes = self.modele.lignes()
        article = lignes[-1].article if lignes else self.article_defaut
        reste = self.ecart_du()
        montant = -reste if reste is not None and reste < 0 and not self.sommes_admises else None
        designation = self.modele.choix.articles.get(article, "")
        row = self.modele.ajouter(replace(ligne_vide(article, montant), designation=designation))
        index = self.modele.index(row, TOTAL if article else ARTICLE)
        self.vue.setCurrentIndex(index)
        self.vue.edit(index)

    def enlever(self) -> None:
        row = self._ligne()
        if row is not None:
            self.modele.enlever(row)
