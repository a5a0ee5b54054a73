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

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLineEdit, QTableView, QWidget

from corail.errors import ValidationError
from corail.money import ZERO, format_eur
from corail.services.mandats import ImputationSaisie
from ui.common import ALIGN_MONTANT
from ui.piece_saisie_grille import (
    AUCUN, ROUGE, VERT, GrilleBase, ImputationsBaseDelegate, ImputationsBaseModel, Index, montant_tape,
    vue_grille,
)
from ui.saisie_des_mandats_dialogues import (
    ARTICLE, COLONNES, DESIGNATION, ENGAGEMENT, INVENTAIRE, OPERATION, SERVICE, TOTAL, Choix,
)

__all__ = ["AUCUN", "ROUGE", "VERT", "GrilleImputations", "ImputationsModel", "ligne_vide"]


def ligne_vide(article: str = "", montant: Decimal | None = None) -> ImputationSaisie:
    return ImputationSaisie(article=article, montant=montant)  # type: ignore[arg-type]


class ImputationsModel(ImputationsBaseModel):
    """The imputations being typed; ``refus`` carries the French reason of a refused cell."""

    COLONNES = COLONNES

    def __init__(self, parent=None) -> None:
        super().__init__(Choix(), parent)

    def total(self) -> Decimal:
        return sum((l.montant for l in self._lignes if l.montant is not None), ZERO)

    def saisies(self) -> tuple[ImputationSaisie, ...]:
        """The lines for the service; a line without article or amount is refused here."""
        self._controler()
        return tuple(replace(l, numero_inventaire=l.numero_inventaire or None) for l in self._lignes)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLONNES[section] if 0 <= section < len(COLONNES) else None
        return str(section + 1) if 0 <= section < len(self._lignes) else None

    def _donnee(self, l: ImputationSaisie, col: int, role: int):
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
            return replace(l, montant=montant_tape(value))
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


class ImputationsDelegate(ImputationsBaseDelegate):
    """Editors: article with completion, combos for opération / service / N° Eng., amounts
    typed the French way and right-aligned."""

    def createEditor(self, parent: QWidget, option, index: Index) -> QWidget:
        col = index.column()
        if col in (OPERATION, SERVICE, ENGAGEMENT):
            return self._combo(parent, self.modele.choix.options(col))
        editeur = QLineEdit(parent)
        if col == ARTICLE:
            self._completer(editeur, self.modele.choix.articles)
        elif col == TOTAL:
            editeur.setAlignment(ALIGN_MONTANT)
            editeur.setPlaceholderText("0,00")
        elif col == DESIGNATION:
            editeur.setMaxLength(200)
        elif col == INVENTAIRE:
            editeur.setMaxLength(50)
        return editeur


def vue_imputations(modele: ImputationsModel, colonnes: tuple[int, ...]) -> QTableView:
    """A grid on ``modele`` showing only ``colonnes``."""
    largeurs = {ARTICLE: 90, OPERATION: 170, SERVICE: 170, TOTAL: 110, ENGAGEMENT: 120,
                INVENTAIRE: 160}
    return vue_grille(modele, ImputationsDelegate(modele), colonnes, largeurs, DESIGNATION)


class GrilleImputations(GrilleBase):
    """The *Imputations comptables* box: the grid, Ajouter / Enlever imputation, the Total
    line (and, for a mandat made from an invoice, the amount due and the gap)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        modele = ImputationsModel()
        vue = vue_imputations(modele, (ARTICLE, DESIGNATION, OPERATION, SERVICE, TOTAL, ENGAGEMENT))
        super().__init__("Imputations comptables", modele, vue, 16, parent)
        self.montant_du: Decimal | None = None
        self.sommes_admises = False
        self.actualiser_total()

    def charger(self, lignes, montant_du: Decimal | None, sommes_admises: bool = False) -> None:
        self.montant_du, self.sommes_admises = montant_du, sommes_admises
        self._refus("")
        self.modele.remplacer(lignes)
        self.actualiser_total()

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
        self._ajouter_ligne(replace(ligne_vide(article, montant), designation=designation),
                            TOTAL if article else ARTICLE)
