"""Environnement › Nomenclature, tabs *Opérations* and *Services*: the budget's own analytic
axes — list, Ajouter, Modifier, Désactiver / Réactiver, Supprimer.

Every action is one ``state.transaction()`` through ``corail.services.nomenclature``; a refused
one shows its French message (``afficher_erreur``) and writes nothing. An opération or a
service used by an imputation is never deleted: the service deactivates it instead.
The table is fed with the services' frozen dataclasses (``OperationLigne``, ``ServiceLigne``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QMessageBox, QPushButton, QTableView, QVBoxLayout, QWidget,
)
from sqlalchemy.orm import Session

from corail.context import Context
from corail.services import nomenclature as svc
from corail.services.nomenclature import CODE_MAX, LIBELLE_MAX, AxeLigne
from ui.common import ALIGN_MONTANT, afficher_erreur
from ui.state import AppState

Index = QModelIndex | QPersistentModelIndex
ROLE_TRI = Qt.ItemDataRole.UserRole + 1
GRIS = QBrush(QColor(120, 120, 120))


@dataclass(frozen=True)
class Genre:
    """The French words of one axis, and the names of its services in
    ``corail.services.nomenclature`` (looked up when called)."""

    cle: str  # "operation" | "service"
    titre: str  # « Opérations »
    nom: str  # « opération »
    le: str  # « l'opération »
    e: str  # agreement: « utilisée », « utilisé »
    actif: str  # « Active », « Actif »
    inactif: str
    aide: str

    def service(self, action: str) -> Callable:
        return getattr(svc, f"{action}_{self.cle}{'s' if action == 'lister' else ''}")

    def pluriel(self, n: int) -> str:
        return f"{n} {self.nom}{'s' if n > 1 else ''}"


OPERATIONS = Genre(
    "operation", "Opérations", "opération", "l'opération", "e", "Active", "Inactive",
    "Les opérations d'équipement du budget, proposées dans les imputations des mandats et "
    "des titres. Une opération déjà imputée ne se supprime pas : désactivez-la.")
SERVICES = Genre(
    "service", "Services", "service", "le service", "", "Actif", "Inactif",
    "Les services du budget (axe analytique des imputations). Un service déjà imputé ne se "
    "supprime pas : désactivez-le.")


class AxesModel(QAbstractTableModel):
    """Opérations or services: Code, Libellé, Imputations (a count), État; inactive ones grey."""

    def __init__(self, genre: Genre, parent=None) -> None:
        super().__init__(parent)
        self.genre = genre
        self.entetes = ("Code", "Libellé", "Imputations", "État")
        self._lignes: list[AxeLigne] = []

    def remplacer(self, lignes: Sequence[AxeLigne]) -> None:
        self.beginResetModel()
        try:
            self._lignes = list(lignes)
        finally:
            self.endResetModel()

    def ligne(self, row: int) -> AxeLigne:
        return self._lignes[row]

    def lignes(self) -> list[AxeLigne]:
        return list(self._lignes)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lignes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.entetes)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.entetes):
            return self.entetes[section]
        return None

    def _valeur(self, a: AxeLigne, col: int) -> str | int:
        etat = self.genre.actif if a.actif else self.genre.inactif
        return (a.code, a.libelle, a.imputations, etat)[col]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._lignes)):
            return None
        a, col = self._lignes[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self._valeur(a, col))
        if role == ROLE_TRI:
            return self._valeur(a, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 2:
            return int(ALIGN_MONTANT.value)
        if role == Qt.ItemDataRole.ForegroundRole and not a.actif:
            return GRIS
        if role == Qt.ItemDataRole.ToolTipRole and col == 3 and not a.actif:
            return f"Désactivé{self.genre.e} : plus proposé{self.genre.e} dans les imputations"
        return None


class AxeDialog(QDialog):
    """Ajouter or modifier an opération / a service; saved in one transaction, ``enregistre``
    then carries the new line. Refused: the message, the form stays open, nothing written."""

    enregistre = Signal(object)

    def __init__(self, state: AppState, genre: Genre, ligne: AxeLigne | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.genre, self.ligne = state, genre, ligne
        nom = genre.nom
        self.setWindowTitle(f"Modifier {genre.le}" if ligne
                            else f"Nouve{'lle' if genre.e else 'au'} {nom}")
        self.code = QLineEdit(ligne.code if ligne else "")
        self.code.setMaxLength(CODE_MAX)
        self.code.setPlaceholderText(f"{CODE_MAX} caractères au plus, sans espace")
        self.libelle = QLineEdit(ligne.libelle if ligne else "")
        self.libelle.setMaxLength(LIBELLE_MAX)
        self.libelle.setMinimumWidth(380)
        formulaire = QFormLayout()
        formulaire.addRow("Code :", self.code)
        formulaire.addRow("Libellé :", self.libelle)
        layout = QVBoxLayout(self)
        layout.addLayout(formulaire)
        if ligne and ligne.utilise:
            self.code.setEnabled(False)  # greyed: it shows it cannot change
            note = QLabel(f"Utilisé{genre.e} par {ligne.imputations} imputation"
                          f"{'s' if ligne.imputations > 1 else ''} : le code ne change plus.")
            note.setEnabled(False)
            layout.addWidget(note)
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.boutons.button(QDialogButtonBox.StandardButton.Save).setText("Enregistrer")
        self.boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.boutons.accepted.connect(self.enregistrer)
        self.boutons.rejected.connect(self.reject)
        layout.addWidget(self.boutons)

    def enregistrer(self) -> bool:
        try:
            with self.state.transaction() as session:
                if self.ligne is None:
                    resultat = self.genre.service("creer")(
                        session, self.state.ctx, self.code.text(), self.libelle.text())
                else:
                    resultat = self.genre.service("modifier")(
                        session, self.state.ctx, self.ligne.id, self.code.text(),
                        self.libelle.text())
        except Exception as exc:  # refused: the message, the form stays open
            afficher_erreur(self, exc, self.windowTitle())
            return False
        self.enregistre.emit(resultat)
        self.accept()
        return True


class AxesOnglet(QWidget):
    """One tab: the budget's opérations (or services) and their buttons. ``signaler`` tells the
    other screens after a change (the tab has already reloaded itself)."""

    def __init__(self, state: AppState, genre: Genre, signaler: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.genre, self._signaler = state, genre, signaler
        self.modele = AxesModel(genre, self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.modele)
        proxy.setSortRole(ROLE_TRI)
        proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.vue = QTableView()
        self.vue.setModel(proxy)
        self.vue.setSortingEnabled(True)
        self.vue.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.vue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.vue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.vue.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.vue.setAlternatingRowColors(True)
        self.vue.verticalHeader().setVisible(False)
        self.vue.verticalHeader().setDefaultSectionSize(24)
        entete = self.vue.horizontalHeader()
        entete.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        entete.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._boutons())
        self.vue.doubleClicked.connect(lambda _i: self.modifier())
        self.bouton_ajouter = QPushButton("Ajouter…")
        self.bouton_modifier = QPushButton("Modifier…")
        self.bouton_activer = QPushButton("Désactiver")
        self.bouton_supprimer = QPushButton("Supprimer")
        self.bouton_ajouter.clicked.connect(self.ajouter)
        self.bouton_modifier.clicked.connect(self.modifier)
        self.bouton_activer.clicked.connect(self.basculer_actif)
        self.bouton_supprimer.clicked.connect(self.supprimer)
        self.compte = QLabel()
        barre = QHBoxLayout()
        for bouton in (self.bouton_ajouter, self.bouton_modifier, self.bouton_activer,
                       self.bouton_supprimer):
            barre.addWidget(bouton)
        barre.addStretch(1)
        barre.addWidget(self.compte)
        aide = QLabel(genre.aide)
        aide.setWordWrap(True)
        aide.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addLayout(barre)
        layout.addWidget(self.vue)
        layout.addWidget(aide)
        self._boutons()

    # -- list ----------------------------------------------------------------------------------

    def recharger(self, choisir: int | None = None) -> None:
        """The budget's list again, keeping (or choosing) the selected line."""
        garde = choisir if choisir is not None else getattr(self.choisie(), "id", None)
        lignes: list[AxeLigne] = []
        if self.state.a_contexte:
            with self.state.lecture() as session:
                lignes = self.genre.service("lister")(session, self.state.ctx)
        self.modele.remplacer(lignes)
        n, inactifs, g = len(lignes), sum(not a.actif for a in lignes), self.genre
        dont = f" ({inactifs} {g.inactif.lower()}{'s' if inactifs > 1 else ''})" if inactifs else ""
        self.compte.setText(f"Aucun{g.e} {g.nom}" if n == 0 else g.pluriel(n) + dont)
        self.choisir(garde)

    def choisir(self, objet_id: int | None) -> None:
        self.vue.clearSelection()
        proxy = self.vue.model()
        for row in range(self.modele.rowCount()):
            if self.modele.ligne(row).id == objet_id:
                self.vue.selectRow(proxy.mapFromSource(self.modele.index(row, 0)).row())
                break
        self._boutons()

    def choisie(self) -> AxeLigne | None:
        rows = self.vue.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.vue.model().mapToSource(rows[0]).row()
        return self.modele.ligne(row) if 0 <= row < self.modele.rowCount() else None

    def _boutons(self) -> None:
        a = self.choisie()
        self.bouton_ajouter.setEnabled(self.state.a_contexte)
        for bouton in (self.bouton_modifier, self.bouton_activer, self.bouton_supprimer):
            bouton.setEnabled(a is not None)
        inactif = a is not None and not a.actif
        self.bouton_activer.setText("Réactiver" if inactif else "Désactiver")
        if a is not None and a.utilise:
            self.bouton_supprimer.setEnabled(False)
            self.bouton_supprimer.setToolTip(
                f"Utilisé{self.genre.e} par des imputations : désactivez-l"
                f"{'a' if self.genre.e else 'e'} plutôt")
        else:
            self.bouton_supprimer.setToolTip("")

    # -- changes -------------------------------------------------------------------------------

    def _apres(self, ligne: AxeLigne | None) -> None:
        self.recharger(ligne.id if ligne is not None else None)
        self._signaler()

    def _dialogue(self, ligne: AxeLigne | None) -> AxeDialog | None:
        if not self.state.a_contexte:
            return None
        dialogue = AxeDialog(self.state, self.genre, ligne, self)
        dialogue.enregistre.connect(self._apres)
        dialogue.open()
        return dialogue

    def ajouter(self) -> AxeDialog | None:
        return self._dialogue(None)

    def modifier(self) -> AxeDialog | None:
        ligne = self.choisie()
        return self._dialogue(ligne) if ligne is not None else None

    def _ecrire(self, action: Callable[[Session, Context], AxeLigne | None]) -> bool:
        try:
            with self.state.transaction() as session:
                resultat = action(session, self.state.ctx)
        except Exception as exc:  # refused: the message, nothing written
            afficher_erreur(self, exc, self.genre.titre)
            return False
        self._apres(resultat)
        return True

    def basculer_actif(self) -> bool:
        ligne = self.choisie()
        if ligne is None:
            return False
        action = self.genre.service("reactiver" if not ligne.actif else "desactiver")
        return self._ecrire(lambda s, ctx: action(s, ctx, ligne.id))

    def supprimer(self) -> bool:
        ligne = self.choisie()
        if ligne is None:
            return False
        reponse = QMessageBox.question(
            self, self.genre.titre,
            f"Supprimer {self.genre.le} « {ligne.code} – {ligne.libelle} » ?")
        if reponse != QMessageBox.StandardButton.Yes:
            return False
        resultat: list[AxeLigne | None] = []

        def faire(s: Session, ctx: Context) -> AxeLigne | None:
            resultat.append(self.genre.service("supprimer")(s, ctx, ligne.id))
            return resultat[-1]

        if not self._ecrire(faire):
            return False
        if resultat[-1] is not None:  # imputed meanwhile, from another workstation
            QMessageBox.information(
                self, self.genre.titre,
                f"{self.genre.le.capitalize()} « {ligne.code} » sert à des imputations : "
                f"désactivé{self.genre.e} au lieu d'être supprimé{self.genre.e}.")
        return True
