"""Dépenses › Engagements: the legal commitments of the budget and what is left of them.

The list shows N° Eng., Tiers, Article, Objet, Montant, Consommé (the imputations of the
mandats citing it, cancelled ones excepted) and Reste; *Nouvel engagement* opens
``ui.engagements_dialogues.EngagementDialog`` (one transaction; refusals shown, nothing
written). After a change: ``state.signaler("engagements")``.
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from corail.money import format_eur
from corail.services.engagements import EngagementLigne, lister_engagements
from ui.engagements_dialogues import EngagementDialog
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau
from ui.state import AppState


def modele_engagements(parent=None) -> TableauModel[EngagementLigne]:
    """Fully consumed engagements in red (their Reste says 0,00)."""
    return TableauModel([
        Colonne("N° Eng.", lambda e: e.numero),
        Colonne("Date", lambda e: e.date_engagement),
        Colonne("Tiers", lambda e: e.tiers),
        Colonne("Article", lambda e: e.article),
        Colonne("Objet", lambda e: e.objet),
        Colonne("Marché", lambda e: e.numero_marche or ""),
        Colonne("Montant", lambda e: e.montant),
        Colonne("Consommé", lambda e: e.consomme,
                infobulle=lambda e: "Imputations des mandats qui citent cet engagement"),
        Colonne("Reste", lambda e: e.solde,
                infobulle=lambda e: "Engagement entièrement consommé" if e.solde <= 0
                else f"Reste à consommer : {format_eur(e.solde)} €"),
    ], alerte=lambda e: e.solde <= 0, parent=parent)


class EngagementsScreen(QWidget):
    titre = "Engagements"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.dialogue: EngagementDialog | None = None  # the last dialog opened (tests drive it)
        self.bouton_nouveau = QPushButton("Nouvel engagement…")
        self.bouton_nouveau.clicked.connect(self.nouveau)
        self.resume = QLabel()
        barre = QHBoxLayout()
        barre.addWidget(self.bouton_nouveau)
        barre.addStretch(1)
        barre.addWidget(self.resume)
        self.modele = modele_engagements(self)
        self.vue = tableau(self.modele, self.modele.colonne("Objet"), triable=True)
        aide = QLabel("Un engagement est consommé par les imputations des mandats qui le citent "
                      "(colonne N° Eng. de la saisie des mandats) ; une facture Chorus Pro portant "
                      "son numéro pré-remplit l'article du mandat. Un mandat qui dépasserait le "
                      "reste est refusé.")
        aide.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(barre)
        layout.addWidget(self.vue, 1)
        layout.addWidget(aide)
        layout.addWidget(self.message)
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    def recharger(self) -> None:
        lignes: list[EngagementLigne] = []
        if self.state.a_contexte:
            with self.state.lecture() as session:
                lignes = lister_engagements(session, self.state.ctx)
        garde = {e.id for e in self.choisis()}
        self.modele.remplacer(lignes)
        self.choisir(garde)
        self.bouton_nouveau.setEnabled(self.state.a_contexte)
        if lignes:
            total = sum((e.montant for e in lignes), Decimal("0.00"))
            reste = sum((e.solde for e in lignes), Decimal("0.00"))
            self.resume.setText(f"{len(lignes)} engagement(s) — {format_eur(total)} € engagés, "
                                f"reste {format_eur(reste)} €")
        else:
            self.resume.setText("Aucun engagement")

    def choisis(self) -> list[EngagementLigne]:
        return [self.modele.ligne(r) for r in rangs_choisis(self.vue)]

    def choisir(self, ids: set[int]) -> None:
        self.vue.clearSelection()
        for r in range(self.modele.rowCount()):
            if self.modele.ligne(r).id in ids:
                self.vue.selectRow(self.vue.model().mapFromSource(self.modele.index(r, 0)).row())

    def nouveau(self) -> EngagementDialog | None:
        if not self.state.a_contexte:
            return None
        dialogue = EngagementDialog(self.state, self)
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.enregistre.connect(self._cree)
        self.dialogue = dialogue
        dialogue.open()
        return dialogue

    def _cree(self, e: EngagementLigne) -> None:
        self.message.setText(f"Engagement n° {e.numero} créé : {format_eur(e.montant)} € sur "
                             f"l'article {e.article}" + (f" ({e.tiers})" if e.tiers else "") + ".")
        self.state.signaler("engagements")  # this screen reloads too
        self.choisir({e.id})
