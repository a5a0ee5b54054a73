"""Environnement › *Gestion des collectivités*: the collectivités and their budgets on the
left; on the right the tabs of the chosen budget — Exercice, Trésorerie, Transfert, Budget,
Réglage, Défaut, Numérotation.

The budget shown is the collectivité en cours by default; choosing another one in the list
edits that one (the services receive a ``Context`` pointing at it) without changing the
collectivité en cours. A tab is (re)loaded from the database when it is shown.
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QSplitter, QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
    QWidget,
)

from corail.context import Context
from corail.services.contexte import BudgetLigne, lister_budgets
from ui.gestion_des_collectivites_onglets import (
    Onglet, OngletBudget, OngletExercice, OngletTresorerie,
)
from ui.gestion_des_collectivites_reglage import OngletDefaut, OngletNumerotation, OngletReglage
from ui.gestion_des_collectivites_tables import lire
from ui.gestion_des_collectivites_transfert import OngletTransfert
from ui.state import AppState

ROLE_BUDGET = Qt.ItemDataRole.UserRole + 1


class GestionDesCollectivitesScreen(QWidget):
    titre = "Gestion des collectivités"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.budget: BudgetLigne | None = None
        self.arbre = QTreeWidget()
        self.arbre.setHeaderLabel("Collectivités et budgets")
        self.arbre.setMinimumWidth(240)
        self.entete = QLabel()
        self.entete.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.onglets = QTabWidget()
        self.exercice = OngletExercice(state)
        self.tresorerie = OngletTresorerie(state)
        self.transfert = OngletTransfert(state)
        self.budget_onglet = OngletBudget(state)
        self.reglage = OngletReglage(state)
        self.defaut = OngletDefaut(state)
        self.numerotation = OngletNumerotation(state)
        for onglet, nom in ((self.exercice, "Exercice"), (self.tresorerie, "Trésorerie"),
                            (self.transfert, "Transfert"), (self.budget_onglet, "Budget"),
                            (self.reglage, "Réglage"), (self.defaut, "Défaut"),
                            (self.numerotation, "Numérotation")):
            self.onglets.addTab(onglet, nom)
        self._a_jour: set[int] = set()  # tabs loaded for the budget shown

        droite = QWidget()
        vd = QVBoxLayout(droite)
        vd.setContentsMargins(0, 0, 0, 0)
        vd.addWidget(self.entete)
        vd.addWidget(self.onglets, 1)
        separateur = QSplitter()
        separateur.addWidget(self.arbre)
        separateur.addWidget(droite)
        separateur.setStretchFactor(1, 1)
        separateur.setSizes([260, 1000])
        layout = QHBoxLayout(self)
        layout.addWidget(separateur)

        self.arbre.currentItemChanged.connect(self._budget_choisi)
        self.onglets.currentChanged.connect(lambda _i: self._charger_onglet())
        self.exercice.exercice_courant_change.connect(self._exercice_courant)
        self.budget_onglet.budget_ajoute.connect(lambda bid: self.recharger(bid))
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(self._donnees_modifiees)
        self.recharger()

    # -- the budget edited -----------------------------------------------------------------

    def recharger(self, budget_id: int | None = None) -> None:
        """Refill the list; select ``budget_id``, else the budget shown, else the en-cours one."""
        budgets = lire(self, self.state, lister_budgets) or []
        if budget_id is None:
            budget_id = self.budget.id if self.budget else None
        if budget_id is None and self.state.a_contexte:
            budget_id = self.state.ctx.budget_id
        self.arbre.blockSignals(True)
        self.arbre.clear()
        choisi, parents = None, {}
        for b in budgets:
            parent = parents.get(b.collectivite_id)
            if parent is None:
                parent = QTreeWidgetItem(self.arbre, [b.collectivite])
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parents[b.collectivite_id] = parent
            item = QTreeWidgetItem(parent, [f"{b.code} {b.libelle}"])
            item.setToolTip(0, f"SIRET {b.siret}")
            item.setData(0, ROLE_BUDGET, b)
            if b.id == budget_id:
                choisi = item
        self.arbre.expandAll()
        self.arbre.blockSignals(False)
        if choisi is None and parents:
            choisi = next(iter(parents.values())).child(0)
        self.budget = None
        self.onglets.setEnabled(choisi is not None)
        if choisi is None:
            self.entete.setText("Aucune collectivité : créez-en une pour la paramétrer ici.")
        else:
            self.arbre.setCurrentItem(choisi)  # → _budget_choisi
        self._budget_choisi(choisi, None)

    def _budget_choisi(self, item: QTreeWidgetItem | None, _ancien=None) -> None:
        b = item.data(0, ROLE_BUDGET) if item is not None else None
        if b is None or (self.budget is not None and b.id == self.budget.id and self._a_jour):
            return
        self.budget = b
        self._a_jour.clear()
        en_cours = self.state.a_contexte and self.state.ctx.budget_id == b.id
        self.entete.setText(f"{b.collectivite} — {b.libelle} ({b.code}, SIRET {b.siret})"
                            + ("  · collectivité en cours" if en_cours else ""))
        self._charger_onglet()

    def contexte_edite(self) -> Context | None:
        """The context the tabs' services receive: the chosen budget, the user, the clock."""
        if self.budget is None or not self.state.a_contexte:
            return None
        ctx = self.state.ctx
        if ctx.budget_id == self.budget.id:
            return ctx
        return replace(ctx, collectivite_id=self.budget.collectivite_id, budget_id=self.budget.id)

    def _charger_onglet(self) -> None:
        i = self.onglets.currentIndex()
        ctx = self.contexte_edite()
        if ctx is None or i in self._a_jour:
            return
        onglet: Onglet = self.onglets.widget(i)
        onglet.charger(ctx)
        self._a_jour.add(i)

    def _donnees_modifiees(self, quoi: str) -> None:
        """Another screen (or a tab) changed data: tabs reload when next shown."""
        if quoi in ("budget", "collectivite", "nomenclature", "trains", "exercice", "taux"):
            courant = self.onglets.currentIndex()
            self._a_jour.intersection_update({courant})
        if quoi in ("budget", "collectivite"):
            self.recharger()

    def _exercice_courant(self, annee: int) -> None:
        """The exercice courant of the collectivité en cours now follows the one chosen."""
        if self.state.a_contexte and self.budget and self.state.ctx.budget_id == self.budget.id \
                and self.state.ctx.exercice != annee:
            self.state.changer_contexte(replace(self.state.ctx, exercice=annee))
