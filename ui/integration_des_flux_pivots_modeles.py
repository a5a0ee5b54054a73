"""The tables of *Intégration des flux pivots* and of its *Détail*: read-only Qt models fed with
the services' frozen dataclasses and tuples (``FactureDematLigne``, ``PJLigne``, ``EtapeLigne``…),
never with ORM objects.

Amounts are shown ``3 277,42`` and right-aligned, dates JJ/MM/AAAA, étapes JJ/MM/AAAA HHhMM
(``texte_cellule``); ``ROLE_TRI`` gives each cell a sortable key (amounts as numbers, dates
as ISO text) so the lists sort correctly through a ``QSortFilterProxyModel``.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import (
    QItemSelectionModel, Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel,
    QPushButton, QVBoxLayout, QWidget,
)

from corail.domain.etats import STATUTS_CHORUS, libelle_etat
from corail.services.etapes import EtapeLigne
from corail.services.factures_demat import FactureDematLigne, PJLigne
from ui.common import texte_cellule
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau

ALIGN_CENTRE = Qt.AlignmentFlag.AlignCenter
ROUGE = QBrush(QColor(170, 30, 30))
DETAIL = "Détail…"
NBSP = "\u00a0"


def nb_pj_suppl(l: FactureDematLigne) -> int:
    return max(0, l.nb_pj - (1 if l.pj_facture else 0))


def _reception(l: FactureDematLigne) -> str:
    return (f"Reçue dans Chorus Pro le {texte_cellule(l.date_reception)} "
            f"(début du délai global de paiement) ; flux lu le {texte_cellule(l.lu_le)}")


def acces(l: FactureDematLigne) -> str:
    if l.piece_id is not None:
        return f"{'Titre' if l.etat == 'titree' else 'Mandat'} (id {l.piece_id})"
    return "Registre des factures" if l.etat == "facturee" else ""


INFOBULLE_ACCES = ("Le mandat ou la facture créé. L'ouverture directe du mandat arrivera avec le "
                   "module Dépenses (Saisie des mandats) : Corail en donne ici l'identifiant.")


def modele_factures(liste: str, parent=None) -> TableauModel[FactureDematLigne]:
    """Corail's columns; *Déjà créées* adds État and Accès, the anomalies the reason."""
    colonnes: list[Colonne[FactureDematLigne]] = [
        Colonne("Facture/Avoir", lambda l: "Avoir" if l.type == "avoir" else "Facture"),
        Colonne("N° Facture", lambda l: l.numero),
        Colonne("PJ Fact", lambda l: l.pj_facture, centre=True,
                infobulle=lambda l: "Facture jointe (PJ de type 01)" if l.pj_facture
                else "Pas de facture jointe (PJ de type 01)"),
        Colonne("Nb PJ Suppl.", nb_pj_suppl, centre=True,
                infobulle=lambda l: f"{nb_pj_suppl(l)} pièce(s) complémentaire(s) (PJ de type 02)"),
        Colonne("Tiers", lambda l: l.fournisseur,
                infobulle=lambda l: f"{l.fournisseur} — SIRET {l.siret}"),
        Colonne("Réception", lambda l: l.date_reception, infobulle=_reception),
        Colonne("Montant TTC", lambda l: l.montant_ttc),
        Colonne("Montant net à payer", lambda l: l.montant_net),
    ]
    if liste == "creees":
        colonnes += [Colonne("État", lambda l: libelle_etat(l.etat)),
                     Colonne("Accès", acces, infobulle=lambda _l: INFOBULLE_ACCES)]
    elif liste == "anomalies":
        colonnes += [Colonne("Anomalie ou rejet", lambda l: l.motif or libelle_etat(l.etat))]
    colonnes += [Colonne("Lu le", lambda l: l.lu_le.date() if l.lu_le else None,
                         infobulle=lambda l: f"Flux lu le {texte_cellule(l.lu_le)}"),
                 Colonne("Détail", lambda _l: DETAIL, lien=True,
                         infobulle=lambda l: f"Détail de la facture {l.numero}")]
    return TableauModel(colonnes, alerte=lambda l: liste == "anomalies" and l.etat == "anomalie",
                        parent=parent)


# -- the tables of *Détail* -------------------------------------------------------------------

def nombre_fr(texte: str, decimales_min: int = 0) -> str:
    """A price, quantity or rate as the pivot wrote it, the French way without useless zeros:
    ``1092.470000`` → ``1 092,47`` (2 decimals at least), ``2.500000`` → ``2,5``, ``20`` → ``20``;
    every significant decimal is kept (``166,556667``)."""
    try:
        valeur = Decimal(str(texte).strip())
    except (InvalidOperation, ValueError):
        return str(texte or "").replace(".", ",")
    if not valeur.is_finite():
        return str(texte)
    entier, _, decimales = f"{abs(valeur):f}".partition(".")
    decimales = decimales.rstrip("0").ljust(decimales_min, "0")
    groupes = []
    while len(entier) > 3:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    groupes.insert(0, entier)
    signe = "-" if valeur < 0 else ""
    return f"{signe}{NBSP.join(groupes)}" + (f",{decimales}" if decimales else "")


def modele_lignes(parent=None) -> TableauModel[tuple]:
    return TableauModel([
        Colonne("Référence", lambda t: t[0]),
        Colonne("Prix unitaire HT", lambda t: nombre_fr(t[1], 2), droite=True),
        Colonne("Quantité", lambda t: nombre_fr(t[2]), droite=True),
        Colonne("Montant HT", lambda t: t[3]),
        Colonne("Taux de TVA", lambda t: f"{nombre_fr(t[4])} %" if t[4] else "", droite=True),
    ], parent=parent)


def modele_tvas(parent=None) -> TableauModel[tuple]:
    return TableauModel([
        Colonne("Taux de TVA", lambda t: f"{nombre_fr(t[0])} %", droite=True),
        Colonne("Base HT", lambda t: t[1]),
        Colonne("Montant TVA", lambda t: t[2]),
    ], parent=parent)


def taille_fr(octets: int) -> str:
    if octets < 1024:
        return f"{octets} octets"
    if octets < 1024 * 1024:
        return f"{octets / 1024:.1f} Ko".replace(".", ",")
    return f"{octets / 1024 / 1024:.1f} Mo".replace(".", ",")


def modele_pjs(parent=None) -> TableauModel[PJLigne]:
    return TableauModel([
        Colonne("N°", lambda p: p.numordre, centre=True),
        Colonne("Nom", lambda p: p.nom),
        Colonne("Type", lambda p: "Facture" if p.type_pj == "01" else "Pièce complémentaire"),
        Colonne("Format", lambda p: p.mime),
        Colonne("Taille", lambda p: taille_fr(p.taille), droite=True),
    ], parent=parent)


def modele_etapes(parent=None) -> TableauModel[EtapeLigne]:
    return TableauModel([
        Colonne("Date", lambda e: e.horodatage_affiche),
        Colonne("Étape", lambda e: e.libelle),
        Colonne("Complément", lambda e: e.complement),
        Colonne("Utilisateur", lambda e: e.utilisateur),
    ], parent=parent)


def modele_statuts(parent=None) -> TableauModel[tuple]:
    return TableauModel([
        Colonne("Statut", lambda s: f"{s[0]} – {STATUTS_CHORUS.get(s[0], ('', s[0]))[1]}"),
        Colonne("Motif", lambda s: s[1]),
        Colonne("Envoi à Chorus Pro", lambda s: libelle_etat(s[2])),
    ], parent=parent)


# -- the lists of the screen ------------------------------------------------------------------

LISTES = {"a_creer": "Factures à créer", "creees": "Factures déjà créées",
          "anomalies": "Factures en anomalie ou rejetées"}
#: the buttons of each list
ACTIONS = {
    "a_creer": ("detail", "facturer", "facturer_tout", "mandater", "emettre_titre", "rejeter"),
    "creees": ("detail", "acces", "mandater", "rejeter"),
    "anomalies": ("detail", "rejeter", "annuler_rejet"),
}
BOUTONS = {  # text, tooltip
    "detail": ("Détail", ("Tous les champs de la facture, ses lignes, sa TVA, ses pièces jointes "
                         "et ses étapes")),
    "facturer": ("Facturer", ("Inscrire les factures choisies au registre des factures "
                             "(Dépenses › Factures), à mandater plus tard")),
    "facturer_tout": ("Facturer tout", ("Inscrire toutes les factures à créer au registre des "
                                       "factures")),
    "mandater": ("Mandater", ("Créer le mandat (brouillon) de chaque facture choisie, avec toutes "
                             "ses pièces jointes")),
    "emettre_titre": ("Emettre titre", ("Émettre le titre de recettes (brouillon) de l'avoir choisi : le "
                                       "fournisseur en débiteur, le montant de l'avoir, ses pièces jointes")),
    "rejeter": ("Rejeter", "Rejeter, suspendre ou renvoyer à recycler les factures choisies"),
    "annuler_rejet": ("Annul. rejet", ("Annuler le rejet, la suspension ou le renvoi : la facture "
                                      "revient dans les factures à créer")),
    "acces": ("Accès", INFOBULLE_ACCES),
}


class ListeFactures(QWidget):
    """One of the three lists: its table (multi-selection, sortable) and its buttons."""

    def __init__(self, liste: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.liste = liste
        self.modele = modele_factures(liste, self)
        # the anomaly or rejection reason may be long: it takes the free width (elided, whole
        # in its tooltip); elsewhere the supplier's name does
        etirer = self.modele.colonne("Anomalie ou rejet" if liste == "anomalies" else "Tiers")
        self.vue = tableau(self.modele, etirer, triable=True, multiple=True)
        self.boutons: dict[str, QPushButton] = {}
        ligne = QHBoxLayout()
        for cle in ACTIONS[liste]:
            texte, infobulle = BOUTONS[cle]
            bouton = QPushButton(texte)
            bouton.setToolTip(infobulle)
            self.boutons[cle] = bouton
            ligne.addWidget(bouton)
        ligne.addStretch(1)
        self.compte = QLabel()
        ligne.addWidget(self.compte)
        # the whole reason of the chosen invoice (the column shows its beginning)
        self.raison = QLabel()
        self.raison.setWordWrap(True)
        self.raison.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.raison.setVisible(liste == "anomalies")
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._raison())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.vue, 1)
        layout.addWidget(self.raison)
        layout.addLayout(ligne)

    def _raison(self) -> None:
        choisies = self.choisies()
        self.raison.setText(f"Facture N° {choisies[0].numero} — {choisies[0].motif}"
                            if len(choisies) == 1 and choisies[0].motif else "")

    def choisies(self) -> list[FactureDematLigne]:
        return [self.modele.ligne(r) for r in rangs_choisis(self.vue)]

    def remplacer(self, lignes: list[FactureDematLigne]) -> None:
        """New rows, keeping the invoices that were selected (when still in this list)."""
        garder = {l.id for l in self.choisies()}
        self.modele.remplacer(lignes)
        self.choisir(garder)
        n = len(lignes)
        self.compte.setText("Aucune facture" if n == 0 else f"{n} facture(s)")

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
