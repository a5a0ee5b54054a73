"""Dépenses › Factures: the register of received invoices waiting for their mandat, with the
*délai global de paiement* (DGP).

The DGP runs 30 days (the budget's Réglage) from the Chorus Pro reception date, is paused
while the invoice is suspended, and past its due date the collectivité owes late-payment
interest (taux BCE + 8 points) and the 40 € indemnité forfaitaire. Every row carries its
alert twice: a colour (orange soon due, red overdue, grey suspended) **and** the words of the
*Alerte* column — colour is never the only signal.

Actions: **Mandater** the chosen invoices (drafts, completed in Saisie des mandats; the
warnings are shown), **Suspendre** (motif, ``ui.factures_dialogues``) and **Reprendre**. Each
is one transaction through the services, then ``state.signaler("factures")``.
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from corail.domain.dgp import debut_semestre
from corail.domain.etats import EtatFacture, libelle_etat
from corail.money import format_eur
from corail.services.collectivites import taux_interets_au
from corail.services.mandatement import Traitement, mandater, resume
from corail.services.registre import FactureRegistre, lister_registre
from corail.services.reglages import lire_reglage
from corail.services.rejets import annuler_rejet
from ui.common import essayer, texte_cellule
from ui.factures_dialogues import SuspensionDialog
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau
from ui.state import AppState

#: alert → (background, text colour): light enough for black-ish text, distinct in grey too
COULEURS = {
    "retard": (QColor("#f6c4c4"), QColor("#7a0d0d")),
    "proche": (QColor("#ffdcaa"), QColor("#6b3a00")),
    "suspendue": (QColor("#dedede"), QColor("#505050")),
}
FILTRES = {"a_mandater": "Factures à mandater (et suspendues)", "toutes": "Toutes les factures"}


def jours(n: int) -> str:
    return f"{n} jour" + ("s" if n > 1 else "")


def taux_fr(taux: Decimal | None) -> str:
    return "" if taux is None else f"{taux:.2f}".replace(".", ",") + "\u00a0%"


def texte_alerte(l: FactureRegistre) -> str:
    """The alert in words (the *Alerte* column): colour is never the only signal."""
    if l.alerte == "retard":
        return f"En retard de {jours(-l.jours_restants)}"
    if l.alerte == "suspendue":
        return "Suspendue : délai interrompu"
    if l.alerte == "proche":
        return "Échéance aujourd'hui" if l.jours_restants == 0 else \
            f"Échéance proche ({jours(l.jours_restants)})"
    return ""


def infobulle_delai(l: FactureRegistre) -> str:
    texte = f"Reçue dans Chorus Pro le {texte_cellule(l.date_reception)} : échéance le " \
            f"{texte_cellule(l.echeance)}"
    if l.jours_suspendus:
        texte += f" (reportée de {jours(l.jours_suspendus)} de suspension)"
    return texte + "."


def infobulle_interets(l: FactureRegistre) -> str:
    if l.alerte != "retard":
        return "Aucun intérêt : l'échéance n'est pas dépassée"
    retard = -l.jours_restants
    if l.taux_interets is None:
        return ("Taux des intérêts moratoires absent pour ce semestre : complétez la table des "
                "taux (Gestion des collectivités › Réglage)")
    return (f"{format_eur(l.montant_net)} × {taux_fr(l.taux_interets)} × {retard} / 365 — taux BCE "
            f"+ 8 points en vigueur au {texte_cellule(debut_semestre(l.echeance))}")


def _si_retard(l: FactureRegistre, valeur: Decimal) -> Decimal | None:
    return valeur if l.alerte == "retard" else None


class RegistreModel(TableauModel[FactureRegistre]):
    """The register's table: the services' rows, each coloured by its alert."""

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and 0 <= index.row() < self.rowCount() and role in (
                Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            couleurs = COULEURS.get(self.ligne(index.row()).alerte)
            if couleurs is None:
                return None
            return QBrush(couleurs[0] if role == Qt.ItemDataRole.BackgroundRole else couleurs[1])
        return super().data(index, role)


def modele_registre(parent=None) -> RegistreModel:
    return RegistreModel([
        Colonne("N° facture", lambda l: l.numero),
        Colonne("Tiers", lambda l: l.tiers),
        Colonne("Réception", lambda l: l.date_reception,
                infobulle=lambda l: f"Reçue dans Chorus Pro le {texte_cellule(l.date_reception)} : "
                                    f"début du délai global de paiement"),
        Colonne("Échéance", lambda l: l.echeance, infobulle=infobulle_delai),
        Colonne("Jours restants", lambda l: l.jours_restants, droite=True,
                infobulle=infobulle_delai),
        Colonne("Montant net", lambda l: l.montant_net),
        Colonne("État", lambda l: libelle_etat(l.etat)),
        Colonne("Alerte", texte_alerte, infobulle=lambda l: texte_alerte(l) or "Dans les délais"),
        Colonne("Intérêts estimés", lambda l: _si_retard(l, l.interets), infobulle=infobulle_interets),
        Colonne("Indemnité", lambda l: _si_retard(l, l.indemnite),
                infobulle=lambda l: "Indemnité forfaitaire pour frais de recouvrement "
                                    "(décret n° 2013-269)" if l.alerte == "retard" else ""),
    ], parent=parent)


class FacturesScreen(QWidget):
    titre = "Factures"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.dialogue: QWidget | None = None  # the last dialog opened (tests drive it)
        self.explication = QLabel()
        self.explication.setWordWrap(True)
        self.explication.setStyleSheet("QLabel { background: palette(alternate-base); "
                                       "border: 1px solid palette(mid); padding: 6px; }")
        self.filtre = QComboBox()
        for cle, texte in FILTRES.items():
            self.filtre.addItem(texte, cle)
        self.filtre.currentIndexChanged.connect(lambda _i: self.recharger())
        self.resume = QLabel()
        barre = QHBoxLayout()
        barre.addWidget(QLabel("Afficher :"))
        barre.addWidget(self.filtre)
        barre.addStretch(1)
        barre.addWidget(self.resume)
        self.modele = modele_registre(self)
        self.vue = tableau(self.modele, self.modele.colonne("Tiers"), triable=True, multiple=True)
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._etat_boutons())
        self.boutons = {
            "mandater": QPushButton("Mandater"),
            "suspendre": QPushButton("Suspendre…"),
            "reprendre": QPushButton("Reprendre"),
        }
        self.boutons["mandater"].setToolTip("Créer le mandat (brouillon) de chaque facture choisie, "
                                            "à compléter et valider dans Saisie des mandats")
        self.boutons["suspendre"].setToolTip("Suspendre les factures choisies (pièces manquantes…) : "
                                             "le délai global de paiement est interrompu")
        self.boutons["reprendre"].setToolTip("Reprendre les factures suspendues : le délai repart "
                                             "là où il s'était arrêté")
        self.boutons["mandater"].clicked.connect(self.mandater)
        self.boutons["suspendre"].clicked.connect(self.suspendre)
        self.boutons["reprendre"].clicked.connect(self.reprendre)
        ligne = QHBoxLayout()
        for bouton in self.boutons.values():
            ligne.addWidget(bouton)
        ligne.addStretch(1)
        legende = QLabel("Couleurs : <span style='background:#ffdcaa'>&nbsp;échéance proche&nbsp;</span> "
                         "<span style='background:#f6c4c4'>&nbsp;en retard&nbsp;</span> "
                         "<span style='background:#dedede'>&nbsp;suspendue&nbsp;</span> "
                         "(rappelées dans la colonne Alerte)")
        ligne.addWidget(legende)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explication)
        layout.addLayout(barre)
        layout.addWidget(self.vue, 1)
        layout.addLayout(ligne)
        layout.addWidget(self.message)
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    # -- loading -------------------------------------------------------------------------------

    def recharger(self) -> None:
        lignes: list[FactureRegistre] = []
        delai, indemnite, taux = 30, Decimal("40.00"), None
        if self.state.a_contexte:
            ctx = self.state.ctx
            with self.state.lecture() as session:
                lignes = lister_registre(session, ctx, a_mandater=self.filtre.currentData() == "a_mandater")
                reglage = lire_reglage(session, ctx)
                delai, indemnite = reglage.delai_paiement_jours, reglage.indemnite_forfaitaire
                taux = taux_interets_au(session, debut_semestre(ctx.today()))
        self.explication.setText(
            f"<b>Délai global de paiement</b> : {delai} jours à compter de la réception de la "
            f"facture dans Chorus Pro. Une suspension (pièces manquantes…) l'interrompt : "
            f"l'échéance recule d'autant de jours. Passé l'échéance, la collectivité doit des "
            f"intérêts moratoires au taux BCE + 8 points"
            + (f" ({taux_fr(taux)} ce semestre)" if taux is not None else "")
            + f" et une indemnité forfaitaire de {format_eur(indemnite)} € pour frais de "
            f"recouvrement.")
        garder = {l.id for l in self.choisies()}
        self.modele.remplacer(lignes)
        self.choisir(garder)
        self.resume.setText(self._resume(lignes))
        self._etat_boutons()

    @staticmethod
    def _resume(lignes: list[FactureRegistre]) -> str:
        if not lignes:
            return "Aucune facture"
        n = {a: sum(l.alerte == a for l in lignes) for a in ("retard", "proche", "suspendue")}
        parts = [f"{len(lignes)} facture(s)"]
        if n["retard"]:
            interets = sum((l.interets + l.indemnite for l in lignes if l.alerte == "retard"),
                           Decimal("0.00"))
            parts.append(f"{n['retard']} en retard ({format_eur(interets)} € d'intérêts et "
                         f"indemnités estimés)")
        if n["proche"]:
            parts.append(f"{n['proche']} à échéance proche")
        if n["suspendue"]:
            parts.append(f"{n['suspendue']} suspendue(s)")
        return " — ".join(parts)

    def choisies(self) -> list[FactureRegistre]:
        return [self.modele.ligne(r) for r in rangs_choisis(self.vue)]

    def choisir(self, ids: set[int]) -> None:
        vue, proxy = self.vue, self.vue.model()
        vue.clearSelection()
        for r in range(self.modele.rowCount()):
            if self.modele.ligne(r).id in ids:
                index = proxy.mapFromSource(self.modele.index(r, 0))
                vue.selectionModel().select(index, QItemSelectionModel.SelectionFlag.Select
                                            | QItemSelectionModel.SelectionFlag.Rows)

    def choisir_numeros(self, *numeros: str) -> None:
        self.choisir({l.id for l in self.modele.lignes() if l.numero in numeros})

    def _etat_boutons(self) -> None:
        choisies = self.choisies()
        demat = bool(choisies) and all(l.facture_demat_id is not None for l in choisies)
        etats = {l.etat for l in choisies}
        self.boutons["mandater"].setEnabled(demat and etats <= {EtatFacture.A_MANDATER})
        self.boutons["suspendre"].setEnabled(demat and etats <= {EtatFacture.A_MANDATER})
        self.boutons["reprendre"].setEnabled(demat and etats <= {EtatFacture.SUSPENDUE})

    # -- actions -------------------------------------------------------------------------------

    def _apres(self, message: str) -> None:
        self.message.setText(message)
        self.state.signaler("factures")  # this screen reloads too

    def mandater(self) -> Traitement | None:
        ids = [l.facture_demat_id for l in self.choisies() if l.facture_demat_id is not None]
        if not ids:
            return None

        def faire() -> Traitement:
            with self.state.transaction() as session:
                return mandater(session, self.state.ctx, ids)

        res = essayer(self, faire, "Mandater")
        if res is None:
            return None
        texte = resume(res, "mandatée")
        self._apres(texte)
        suite = "\n\nLe mandat (brouillon) est à compléter et à valider dans Saisie des mandats."
        if res.ignorees or any(t.avertissements for t in res.traitees):
            QMessageBox.warning(self, "Mandater", f"{len(res.traitees)} facture(s) mandatée(s). "
                                f"À vérifier :\n\n{texte}{suite}")
        else:
            QMessageBox.information(self, "Mandater", texte + suite)
        return res

    def suspendre(self) -> SuspensionDialog | None:
        choisies = [l for l in self.choisies() if l.facture_demat_id is not None]
        if not choisies:
            return None
        dialogue = SuspensionDialog(self.state, choisies, self)
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.fait.connect(lambda resultats: self._apres("\n".join(
            f"Facture {r.numero} : suspendue — {r.motif}" for r in resultats)))
        self.dialogue = dialogue
        dialogue.open()
        return dialogue

    def reprendre(self) -> list | None:
        choisies = [l for l in self.choisies() if l.facture_demat_id is not None]
        if not choisies:
            return None
        numeros = ", ".join(l.numero for l in choisies)
        if QMessageBox.question(self, "Reprendre",
                                f"Reprendre {numeros} ? Le délai global de paiement repart, "
                                f"l'échéance reculée des jours de suspension.") \
                != QMessageBox.StandardButton.Yes:
            return None

        def faire() -> list:
            with self.state.transaction() as session:
                return [annuler_rejet(session, self.state.ctx, l.facture_demat_id) for l in choisies]

        resultats = essayer(self, faire, "Reprendre")
        if resultats is not None:
            self._apres("\n".join(f"Facture {r.numero} : reprise, à mandater" for r in resultats))
        return resultats
