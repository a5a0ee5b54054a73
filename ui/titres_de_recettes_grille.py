"""The *Imputations* box of a titre de recettes: the grid on ``ImputationsTitreModel``,
*Ajouter / Enlever imputation* and the live Total line — HT, TVA and TTC *Avec TVA* — and, for a
titre emitted from an avoir, the avoir's amount (HT on a budget assujetti à la TVA) and the gap.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout,
    QWidget,
)

from corail.money import format_eur
from ui.saisie_des_mandats_imputations import ROUGE, VERT
from ui.titres_de_recettes_imputations import (
    ARTICLE, AXES, COLONNES, DESIGNATION, ENGAGEMENT, FONCTION, INVENTAIRE, OPERATION, SERVICE, TAUX,
    TOTAL, ImputationsTitreDelegate, ImputationsTitreModel, ligne_vide,
)


def vue_imputations(modele: ImputationsTitreModel, colonnes: tuple[int, ...]) -> QTableView:
    """A grid on ``modele`` showing only ``colonnes``."""
    vue = QTableView()
    vue.setModel(modele)
    vue.setItemDelegate(ImputationsTitreDelegate(modele, vue))
    vue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    vue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    declencheurs = QAbstractItemView.EditTrigger
    vue.setEditTriggers(declencheurs.DoubleClicked | declencheurs.EditKeyPressed
                        | QAbstractItemView.EditTrigger.AnyKeyPressed)
    vue.setAlternatingRowColors(True)
    vue.verticalHeader().setDefaultSectionSize(24)
    entete = vue.horizontalHeader()
    for c in range(len(COLONNES)):
        vue.setColumnHidden(c, c not in colonnes)
        entete.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
    largeurs = {ARTICLE: 80, OPERATION: 150, FONCTION: 70, AXES: 120, SERVICE: 150, TAUX: 80,
                TOTAL: 110, ENGAGEMENT: 110, INVENTAIRE: 160}
    for c, largeur in largeurs.items():
        vue.setColumnWidth(c, largeur)
    entete.setSectionResizeMode(DESIGNATION, QHeaderView.ResizeMode.Stretch)
    return vue


class GrilleImputationsTitre(QGroupBox):
    """The *Imputations* box: the grid, Ajouter / Enlever imputation, the Total line (HT, TVA,
    TTC with TVA) and, for a titre emitted from an avoir, the avoir's amount and the gap."""

    modifie = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Imputations", parent)
        self.modele = ImputationsTitreModel(self)
        self.montant_du: Decimal | None = None
        self.du_sur_ht = False  # a budget assujetti à la TVA compares the avoir on HT
        self.article_defaut = ""
        self.vue = vue_imputations(self.modele, (ARTICLE, DESIGNATION, OPERATION, FONCTION, AXES,
                                                 SERVICE, TAUX, TOTAL, ENGAGEMENT))
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
            ligne_total.addWidget(w) if w else ligne_total.addStretch(1)
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

    def charger(self, lignes, montant_du: Decimal | None, *, avec_tva: bool, saisie_ttc: bool) -> None:
        self.montant_du = montant_du
        self._refus("")
        self.modele.definir_mode(avec_tva=avec_tva, saisie_ttc=saisie_ttc)
        self.modele.remplacer(lignes)
        self.actualiser_total()

    def definir_mode(self, *, avec_tva: bool, saisie_ttc: bool) -> None:
        self.modele.definir_mode(avec_tva=avec_tva, saisie_ttc=saisie_ttc)
        self.vue.setColumnHidden(TAUX, not avec_tva)
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
        if self.montant_du is None:
            return None
        ht, _tva, ttc, _complet = self.modele.totaux()
        return (ht if self.du_sur_ht else ttc) - self.montant_du

    def actualiser_total(self) -> None:
        ht, tva, ttc, complet = self.modele.totaux()
        reserve = "" if complet else " (lignes incomplètes non comptées)"
        if self.modele.avec_tva:
            self.total.setText(f"Total HT : {format_eur(ht)}   TVA : {format_eur(tva)}   "
                               f"<b>Total TTC : {format_eur(ttc)}</b>{reserve}")
        else:
            self.total.setText(f"<b>Total : {format_eur(ttc)}</b>{reserve}")
        ecart = self.ecart_du()
        for label in (self.du, self.ecart):
            label.setVisible(ecart is not None)
        if ecart is None:
            return
        self.du.setText(f"Montant de l'avoir{' (HT)' if self.du_sur_ht else ''} : "
                        f"{format_eur(self.montant_du)}")
        self.ecart.setText("Équilibré" if ecart == 0 else f"Écart : {format_eur(ecart)}")
        self.ecart.setStyleSheet(f"color: {VERT if ecart == 0 else ROUGE}; font-weight: bold;")

    def ajouter(self) -> None:
        """A new line on the last line's article (else the budget's default recette article),
        with what remains to reach the avoir's amount; the amount cell opens for typing."""
        lignes = self.modele.lignes()
        article = lignes[-1].article if lignes else self.article_defaut
        if article not in self.modele.choix.articles:
            article = ""
        reste = self.ecart_du()
        montant = -reste if reste is not None and reste < 0 and not self.modele.avec_tva else None
        taux = lignes[-1].taux_tva if lignes else None
        ligne = replace(ligne_vide(article, montant, self.modele.choix.articles.get(article, "")),
                        taux_tva=taux)
        row = self.modele.ajouter(ligne)
        index = self.modele.index(row, TOTAL if article else ARTICLE)
        self.vue.setCurrentIndex(index)
        self.vue.edit(index)

    def enlever(self) -> None:
        row = self._ligne()
        if row is not None:
            self.modele.enlever(row)
