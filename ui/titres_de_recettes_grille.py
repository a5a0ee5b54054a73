"""The *Imputations* box of a titre de recettes: the grid on ``ImputationsTitreModel``,
*Ajouter / Enlever imputation* and the live Total line — HT, TVA and TTC *Avec TVA* — and, for a
titre emitted from an avoir, the avoir's amount (HT on a budget assujetti à la TVA) and the gap.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtWidgets import QTableView, QWidget

from corail.money import format_eur
from ui.piece_saisie_grille import ROUGE, VERT, GrilleBase, vue_grille
from ui.titres_de_recettes_imputations import (
    ARTICLE, AXES, DESIGNATION, ENGAGEMENT, FONCTION, INVENTAIRE, OPERATION, SERVICE, TAUX, TOTAL,
    ImputationsTitreDelegate, ImputationsTitreModel, ligne_vide,
)


def vue_imputations(modele: ImputationsTitreModel, colonnes: tuple[int, ...]) -> QTableView:
    """A grid on ``modele`` showing only ``colonnes``."""
    largeurs = {ARTICLE: 80, OPERATION: 150, FONCTION: 70, AXES: 120, SERVICE: 150, TAUX: 80,
                TOTAL: 110, ENGAGEMENT: 110, INVENTAIRE: 160}
    return vue_grille(modele, ImputationsTitreDelegate(modele), colonnes, largeurs, DESIGNATION)


class GrilleImputationsTitre(GrilleBase):
    """The *Imputations* box: the grid, Ajouter / Enlever imputation, the Total line (HT, TVA,
    TTC with TVA) and, for a titre emitted from an avoir, the avoir's amount and the gap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        modele = ImputationsTitreModel()
        vue = vue_imputations(modele, (ARTICLE, DESIGNATION, OPERATION, FONCTION, AXES, SERVICE, TAUX,
                                       TOTAL, ENGAGEMENT))
        super().__init__("Imputations", modele, vue, 0, parent)
        self.montant_du: Decimal | None = None
        self.du_sur_ht = False  # a budget assujetti à la TVA compares the avoir on HT
        self.actualiser_total()

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
        self._ajouter_ligne(ligne, TOTAL if article else ARTICLE)
