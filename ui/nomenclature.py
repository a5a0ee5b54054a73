"""Environnement › Nomenclature: the articles of the budget's nomenclature (M57), its chapitres
and fonctions, read from the database; the articles the budget uses are ticked
(``marquer_utilise``). The tabs *Opérations* and *Services* (the budget's own axes) are in
``ui.nomenclature_axes``.

The tables are fed with the services' frozen dataclasses (``ArticleLigne``,
``ChapitreLigne``, ``FonctionLigne``, ``OperationLigne``, ``ServiceLigne``), never with ORM
objects.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer,
)
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit,
    QTableView, QTabWidget, QVBoxLayout, QWidget,
)

from corail.services.contexte import lister_budgets
from corail.services.nomenclature import (
    ArticleLigne, ChapitreLigne, FonctionLigne, lister_chapitres, lister_fonctions,
    marquer_utilise, rechercher_articles,
)
from ui.modeles import ROLE_TRI, TableauModel, tableau
from ui.common import essayer
from ui.nomenclature_axes import OPERATIONS, SERVICES, AxesOnglet
from ui.state import AppState

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
SECTIONS = {"F": "Fonctionnement", "I": "Investissement"}
SENS = {"D": "Dépense", "R": "Recette", "DR": "Dépense et recette"}
LIMITE = 2000


class ArticlesModel(QAbstractTableModel):
    """Articles with a checkable *Utilisé* column; ticking calls ``basculer(ligne, utilise)``,
    which writes to the database and says whether it worked."""

    ENTETES = ("Utilisé", "Article", "Libellé", "Chapitre", "Section", "Sens")

    def __init__(self, basculer: Callable[[ArticleLigne, bool], bool], parent=None) -> None:
        super().__init__(parent)
        self._basculer = basculer
        self._lignes: list[ArticleLigne] = []

    def remplacer(self, lignes: Sequence[ArticleLigne]) -> None:
        self.beginResetModel()
        try:
            self._lignes = list(lignes)
        finally:
            self.endResetModel()

    def ligne(self, row: int) -> ArticleLigne:
        return self._lignes[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lignes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ENTETES)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.ENTETES):
            return self.ENTETES[section]
        return None

    def _textes(self, a: ArticleLigne) -> tuple[str, ...]:
        return ("", a.code, a.libelle, a.chapitre, SECTIONS.get(a.section, a.section),
                SENS.get(a.sens, a.sens))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._lignes)):
            return None
        a, col = self._lignes[index.row()], index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if a.utilise else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole and col > 0:
            return self._textes(a)[col]
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return "Article utilisé par le budget" if a.utilise else "Article non utilisé par le budget"
        if role == ROLE_TRI:
            return ("0" if a.utilise else "1") + a.code if col == 0 else self._textes(a)[col]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        utilise = Qt.CheckState(value) == Qt.CheckState.Checked
        a = self._lignes[index.row()]
        if a.utilise == utilise or not self._basculer(a, utilise):
            return False
        self._lignes[index.row()] = replace(a, utilise=utilise)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True


def _tableau(model: QAbstractTableModel, etirer: int) -> QTableView:
    """The shared read-only view, sorted on the code (articles: column 1, after « Utilisé »)."""
    vue = tableau(model, etirer, triable=True)
    vue.sortByColumn(1 if isinstance(model, ArticlesModel) else 0, Qt.SortOrder.AscendingOrder)
    return vue


class NomenclatureScreen(QWidget):
    titre = "Nomenclature"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._nomenclature = ""
        self._a_recharger = True
        self._ecrit_ici = False
        self.entete = QLabel()
        self.entete.setTextFormat(Qt.TextFormat.PlainText)
        self.onglets = QTabWidget()
        self.onglets.addTab(self._onglet_articles(), "Articles")
        self.chapitres: TableauModel[ChapitreLigne] = TableauModel([
            ("Chapitre", lambda c: c.code), ("Libellé", lambda c: c.libelle),
            ("Section", lambda c: SECTIONS.get(c.section, c.section)),
            ("Articles", lambda c: c.articles), ("Utilisés", lambda c: c.utilises)], parent=self)
        self.vue_chapitres = _tableau(self.chapitres, 1)
        self.vue_chapitres.doubleClicked.connect(self._voir_chapitre)
        self.vue_chapitres.setToolTip("Double-cliquez sur un chapitre pour voir ses articles")
        self.onglets.addTab(self.vue_chapitres, "Chapitres")
        self.onglets.addTab(self._onglet_fonctions(), "Fonctions")
        self.operations = AxesOnglet(state, OPERATIONS, self._signaler, self)
        self.onglets.addTab(self.operations, "Opérations")
        self.services = AxesOnglet(state, SERVICES, self._signaler, self)
        self.onglets.addTab(self.services, "Services")
        layout = QVBoxLayout(self)
        layout.addWidget(self.entete)
        layout.addWidget(self.onglets)
        self._minuteur = QTimer(self, singleShot=True, interval=250)
        self._minuteur.timeout.connect(self.rechercher)
        state.contexte_change.connect(self._contexte_change)
        state.donnees_modifiees.connect(self._donnees_modifiees)
        self.recharger()

    def _onglet_articles(self) -> QWidget:
        page = QWidget()
        self.recherche = QLineEdit(placeholderText="Code ou libellé", clearButtonEnabled=True)
        self.recherche.textChanged.connect(lambda _texte: self._minuteur.start())
        self.recherche.returnPressed.connect(self.rechercher)
        self.filtre_chapitre = QComboBox()
        self.filtre_chapitre.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.filtre_chapitre.setMaxVisibleItems(20)
        self.filtre_chapitre.currentIndexChanged.connect(lambda _i: self.rechercher())
        self.utilises = QCheckBox("Articles utilisés seulement")
        self.utilises.toggled.connect(lambda _c: self.rechercher())
        self.compte = QLabel()
        barre = QHBoxLayout()
        barre.addWidget(QLabel("Rechercher :"))
        barre.addWidget(self.recherche, 2)
        barre.addWidget(QLabel("Chapitre :"))
        barre.addWidget(self.filtre_chapitre, 3)
        barre.addWidget(self.utilises)
        barre.addStretch(1)
        barre.addWidget(self.compte)
        self.articles = ArticlesModel(self._basculer, self)
        self.vue_articles = _tableau(self.articles, 2)
        aide = QLabel("Cochez « Utilisé » pour les articles dont le budget se sert ; "
                      "décochez ceux qu'il n'utilise plus.")
        aide.setEnabled(False)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addLayout(barre)
        layout.addWidget(self.vue_articles)
        layout.addWidget(aide)
        return page

    def _onglet_fonctions(self) -> QWidget:
        page = QWidget()
        self.recherche_fonction = QLineEdit(placeholderText="Code ou libellé",
                                            clearButtonEnabled=True)
        self.recherche_fonction.textChanged.connect(lambda _texte: self._charger_fonctions())
        self.compte_fonctions = QLabel()
        barre = QHBoxLayout()
        barre.addWidget(QLabel("Rechercher :"))
        barre.addWidget(self.recherche_fonction, 2)
        barre.addStretch(3)
        barre.addWidget(self.compte_fonctions)
        self.fonctions: TableauModel[FonctionLigne] = TableauModel([
            ("Fonction", lambda f: f.code),
            ("Libellé", lambda f: "    " * (f.niveau - 1) + f.libelle),
            ("Niveau", lambda f: f.niveau)], parent=self)
        self.vue_fonctions = _tableau(self.fonctions, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addLayout(barre)
        layout.addWidget(self.vue_fonctions)
        return page

    # -- loading -------------------------------------------------------------------------------

    def recharger(self) -> None:
        """Budget, chapitres and fonctions of its nomenclature, its opérations and services,
        then the article search."""
        self._a_recharger = False
        if not self.state.a_contexte:
            return
        ctx = self.state.ctx
        with self.state.lecture() as session:
            budget = next((b for b in lister_budgets(session) if b.id == ctx.budget_id), None)
        if budget is None:
            return
        self.entete.setText(f"Nomenclature {budget.nomenclature} — {budget.collectivite} — "
                            f"{budget.libelle} ({budget.code}) — exercice {ctx.exercice}")
        with self.state.lecture() as session:
            chapitres = lister_chapitres(session, ctx)
        self.chapitres.remplacer(chapitres)
        self._charger_fonctions()
        self.operations.recharger()
        self.services.recharger()
        if budget.nomenclature != self._nomenclature:
            self._nomenclature = budget.nomenclature
            self.filtre_chapitre.blockSignals(True)
            self.filtre_chapitre.clear()
            self.filtre_chapitre.addItem("Tous les chapitres", None)
            for c in chapitres:
                self.filtre_chapitre.addItem(f"{c.code} – {c.libelle}", c.code)
            self.filtre_chapitre.blockSignals(False)
        self.rechercher()

    def rechercher(self) -> None:
        self._minuteur.stop()
        if not self.state.a_contexte:
            return
        texte = self.recherche.text().strip()
        with self.state.lecture() as session:
            lignes = rechercher_articles(
                session, self.state.ctx, texte, chapitre=self.filtre_chapitre.currentData(),
                utilises_seulement=self.utilises.isChecked(), limite=LIMITE)
        self.articles.remplacer(lignes)
        n = len(lignes)
        self.compte.setText("Aucun article" if n == 0 else f"{n} article{'s' if n > 1 else ''}")

    def _charger_fonctions(self) -> None:
        if not self.state.a_contexte:
            return
        with self.state.lecture() as session:
            lignes = lister_fonctions(session, self.state.ctx, self.recherche_fonction.text())
        self.fonctions.remplacer(lignes)
        n = len(lignes)
        self.compte_fonctions.setText("Aucune fonction" if n == 0
                                      else f"{n} fonction{'s' if n > 1 else ''}")

    def _basculer(self, ligne: ArticleLigne, utilise: bool) -> bool:
        def ecrire() -> list[ChapitreLigne]:
            with self.state.transaction() as session:
                marquer_utilise(session, self.state.ctx, ligne.code, utilise)
                return lister_chapitres(session, self.state.ctx)  # the Utilisés counts

        chapitres = essayer(self, ecrire, "Nomenclature")
        if chapitres is None:
            return False
        self.chapitres.remplacer(chapitres)
        self._signaler()
        return True

    def _signaler(self) -> None:
        """Tell the other screens; this one is up to date already."""
        self._ecrit_ici = True
        try:
            self.state.signaler("nomenclature")
        finally:
            self._ecrit_ici = False

    def _voir_chapitre(self, index: QModelIndex) -> None:
        proxy = self.vue_chapitres.model()
        code = self.chapitres.ligne(proxy.mapToSource(index).row()).code
        self.recherche.blockSignals(True)
        self.recherche.clear()
        self.recherche.blockSignals(False)
        self.filtre_chapitre.setCurrentIndex(max(0, self.filtre_chapitre.findData(code)))
        self.onglets.setCurrentIndex(0)

    # -- refreshing ----------------------------------------------------------------------------

    def _contexte_change(self, _ctx) -> None:
        self._a_recharger = True
        if self.isVisible():
            self.recharger()

    def _donnees_modifiees(self, quoi: str) -> None:
        if self._ecrit_ici or quoi not in ("nomenclature", "budget", "collectivite"):
            return
        self._contexte_change(None)

    def showEvent(self, event) -> None:
        if self._a_recharger:
            self.recharger()
        super().showEvent(event)
