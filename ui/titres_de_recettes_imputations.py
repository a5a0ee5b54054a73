"""The model of a titre's *Imputations* grid (Article with completion from the recette
articles, Désignation, Opération, Fonction, Axes, Services, Taux TVA, Total, N° Eng.) and its
cell editors; each line's HT, TVA and TTC computed by the service's own rule
(``services.titres.calculer_ligne``) so the screen shows exactly what will be stored.

The model holds ``ImputationTitreSaisie`` rows (never ORM objects). *Total* is what the user
types: TTC on a titre *Saisie TTC* (or without TVA), HT otherwise; *Axes* sums up the analytic
axes of the line (fonction, opération, service).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLineEdit, QWidget

from corail.errors import ValidationError
from corail.money import ZERO, format_eur
from corail.services.titres import ImputationTitreSaisie, calculer_ligne, lire_taux
from ui.common import ALIGN_MONTANT
from ui.gestion_des_collectivites_tables import format_taux
from ui.saisie_des_mandats_dialogues import ENGAGEMENT as M_ENGAGEMENT
from ui.saisie_des_mandats_dialogues import OPERATION as M_OPERATION
from ui.saisie_des_mandats_dialogues import SERVICE as M_SERVICE
from ui.saisie_des_mandats_dialogues import Choix
from ui.piece_saisie_grille import ROUGE, ImputationsBaseDelegate, ImputationsBaseModel, Index, montant_tape
COLONNES = ("Article", "Désignation", "Opération", "Fonction", "Axes", "Services", "Taux TVA", "Total",
            "N° Eng.", "N° inventaire")
ARTICLE, DESIGNATION, OPERATION, FONCTION, AXES, SERVICE, TAUX, TOTAL, ENGAGEMENT, INVENTAIRE = \
    range(len(COLONNES))
#: the mandats grid's column numbers, which ``Choix.libelle`` / ``options`` expect
AXE_MANDATS = {OPERATION: M_OPERATION, SERVICE: M_SERVICE, ENGAGEMENT: M_ENGAGEMENT}


@dataclass(frozen=True)
class ChoixTitre(Choix):
    """What the cells offer: recette articles (sens R), fonctions, opérations, services, N° Eng."""

    fonctions: dict[str, str] = field(default_factory=dict)  # code → libellé


def ligne_vide(article: str = "", montant: Decimal | None = None,
               designation: str = "") -> ImputationTitreSaisie:
    """A line being typed (its amount may still be None)."""
    return ImputationTitreSaisie(article=article, montant=montant,  # type: ignore[arg-type]
                                 designation=designation)


class ImputationsTitreModel(ImputationsBaseModel):
    """The lines being typed; ``refus`` carries the French reason of a refused cell."""

    COLONNES = COLONNES

    def __init__(self, parent=None) -> None:
        super().__init__(ChoixTitre(), parent)
        self.avec_tva = False
        self.saisie_ttc = True

    def definir_mode(self, *, avec_tva: bool, saisie_ttc: bool) -> None:
        """*Avec TVA* / *Saisie TTC*: the Total heading and the lines' computed amounts."""
        self.avec_tva, self.saisie_ttc = avec_tva, saisie_ttc
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, TAUX, TOTAL)
        self._tout_change()

    def montants(self, l: ImputationTitreSaisie):
        """HT, TVA, TTC of a line (None while its amount or rate cannot be read)."""
        if l.montant is None:
            return None
        try:
            return calculer_ligne(l.montant, l.taux_tva, avec_tva=self.avec_tva, saisie_ttc=self.saisie_ttc)
        except ValidationError:
            return None

    def totaux(self) -> tuple[Decimal, Decimal, Decimal, bool]:
        """(HT, TVA, TTC, complete): sums of the lines; complete is False when one is not."""
        calcules = [self.montants(l) for l in self._lignes]
        lus = [m for m in calcules if m is not None]
        return (sum((m.ht for m in lus), ZERO), sum((m.tva for m in lus), ZERO),
                sum((m.ttc for m in lus), ZERO), len(lus) == len(calcules))

    def saisies(self) -> tuple[ImputationTitreSaisie, ...]:
        """The lines for the service; a line without article, amount or rate is refused here."""
        def taux(n: int, l: ImputationTitreSaisie) -> None:
            if self.avec_tva and l.taux_tva is None:
                raise ValidationError(f"Imputation {n} : taux de TVA manquant (titre avec TVA)")
        self._controler(taux)
        return tuple(replace(l, taux_tva=l.taux_tva if self.avec_tva else None) for l in self._lignes)

    # -- Qt model ------------------------------------------------------------------------

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Vertical:
            visible = role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._lignes)
            return str(section + 1) if visible else None
        if not 0 <= section < len(COLONNES):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == TOTAL and self.avec_tva:
                return "Total TTC" if self.saisie_ttc else "Total HT"
            return COLONNES[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == AXES:
            return "Axes analytiques de la ligne : fonction, opération, service"
        return None

    def _fixe(self, col: int) -> bool:
        return col == AXES or (col == TAUX and not self.avec_tva)

    def _donnee(self, l: ImputationTitreSaisie, col: int, role: int):
        if role == Qt.ItemDataRole.EditRole:
            return {ARTICLE: l.article, DESIGNATION: l.designation, OPERATION: l.operation_id,
                    FONCTION: l.fonction, SERVICE: l.service_id, ENGAGEMENT: l.engagement_id,
                    TAUX: format_taux(l.taux_tva).removesuffix("\u00a0%") if l.taux_tva is not None else "",
                    TOTAL: format_eur(l.montant), INVENTAIRE: l.numero_inventaire or "",
                    AXES: ""}[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (TOTAL, TAUX):
            return int(ALIGN_MONTANT.value)
        if role == Qt.ItemDataRole.ForegroundRole:
            manque = (col == ARTICLE and l.article and l.article not in self.choix.articles) \
                or (col == TOTAL and (l.montant is None or l.montant <= 0)) \
                or (col == TAUX and self.avec_tva and l.taux_tva is None)
            return QBrush(QColor(ROUGE)) if manque else None
        return None

    def _texte(self, l: ImputationTitreSaisie, col: int) -> tuple[str, str]:
        if col == ARTICLE:
            return l.article, self.choix.articles.get(l.article, "")
        if col == DESIGNATION:
            return l.designation, ""
        if col == FONCTION:
            return l.fonction or "", self.choix.fonctions.get(l.fonction or "", "")
        if col == AXES:
            return self._axes(l)
        if col == TAUX:
            if not self.avec_tva:
                return "", "Taux de TVA : cochez « Avec TVA »"
            if l.taux_tva is None:
                return "", "Taux à saisir (20, 5,5…)"
            return format_taux(l.taux_tva), ""
        if col == TOTAL:
            if l.montant is None:
                return "", "Montant à saisir"
            m = self.montants(l)
            info = (f"HT {format_eur(m.ht)} + TVA {format_eur(m.tva)} = TTC {format_eur(m.ttc)}"
                    if m is not None and self.avec_tva else "")
            return format_eur(l.montant), info
        if col == INVENTAIRE:
            return l.numero_inventaire or "", ""
        ident = {OPERATION: l.operation_id, SERVICE: l.service_id, ENGAGEMENT: l.engagement_id}[col]
        return self.choix.libelle(AXE_MANDATS[col], ident)

    def _axes(self, l: ImputationTitreSaisie) -> tuple[str, str]:
        parts, infos = [], []
        if l.fonction:
            parts.append(f"F {l.fonction}")
            infos.append(f"Fonction {l.fonction} {self.choix.fonctions.get(l.fonction, '')}".strip())
        for col, ident, court in ((OPERATION, l.operation_id, "Op"), (SERVICE, l.service_id, "S")):
            if ident is not None:
                texte, info = self.choix.libelle(AXE_MANDATS[col], ident)
                parts.append(f"{court} {texte.split(' – ')[0]}")
                infos.append(f"{COLONNES[col].rstrip('s')} {texte}")
        return " · ".join(parts), "\n".join(infos) or "Aucun axe analytique sur cette ligne"

    def _changer(self, l: ImputationTitreSaisie, col: int, value) -> ImputationTitreSaisie:
        texte = "" if value is None else str(value).strip()
        if col == ARTICLE:
            code = texte.split("–")[0].strip()
            if code and code not in self.choix.articles:
                raise ValidationError(f"article {code} absent de la nomenclature du budget ou non "
                                      f"imputable en recette (compte de détail de sens R attendu)")
            ancien = self.choix.articles.get(l.article, "")
            designation = l.designation if l.designation and l.designation != ancien \
                else self.choix.articles.get(code, "")
            return replace(l, article=code, designation=designation)
        if col == DESIGNATION:
            return replace(l, designation=texte[:200])
        if col == FONCTION:
            code = texte.split("–")[0].strip()
            if code and self.choix.fonctions and code not in self.choix.fonctions:
                raise ValidationError(f"fonction {code} absente de la nomenclature du budget")
            return replace(l, fonction=code or None)
        if col == TAUX:
            return replace(l, taux_tva=lire_taux(texte.removesuffix("%").strip()) if texte else None)
        if col == TOTAL:
            return replace(l, montant=montant_tape(value))
        if col == INVENTAIRE:
            return replace(l, numero_inventaire=texte[:50] or None)
        ident = int(value) if value not in (None, "", 0) else None
        nom = {OPERATION: "operation_id", SERVICE: "service_id", ENGAGEMENT: "engagement_id"}[col]
        return replace(l, **{nom: ident})


class ImputationsTitreDelegate(ImputationsBaseDelegate):
    """Editors: article and fonction with completion, combos for opération / service / N° Eng.,
    amounts and rates typed the French way."""

    def createEditor(self, parent: QWidget, option, index: Index) -> QWidget:
        col = index.column()
        if col in AXE_MANDATS:
            return self._combo(parent, self.modele.choix.options(AXE_MANDATS[col]))
        editeur = QLineEdit(parent)
        table = {ARTICLE: self.modele.choix.articles, FONCTION: self.modele.choix.fonctions}.get(col)
        if table is not None:
            self._completer(editeur, table)
        elif col in (TOTAL, TAUX):
            editeur.setAlignment(ALIGN_MONTANT)
            editeur.setPlaceholderText("0,00" if col == TOTAL else "20")
        elif col == DESIGNATION:
            editeur.setMaxLength(200)
        elif col == INVENTAIRE:
            editeur.setMaxLength(50)
        return editeur
