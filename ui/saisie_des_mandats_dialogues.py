"""The lists and dialogs of the Saisie des mandats: what the screen reads on each refresh
(``Chargement``, read by ``saisie_des_mandats_modeles.charger``), the columns of the imputations
grid, *Choisir le tiers* (search by name, SIRET or city) and *Annulation ou réduction* of a
numbered mandat.

The annulation is one transaction through ``services.numerotation.annuler_mandat``: a negative
mandat, validated, that goes on a bordereau of type 02 at the next numbering.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from decimal import Decimal

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
    QHBoxLayout, QLabel, QLineEdit, QMessageBox, QRadioButton, QTableView,
    QVBoxLayout, QWidget,
)

from corail.domain.etats import libelle_etat
from corail.domain.identifiants import formater_iban
from corail.money import format_eur, parse_fr
from corail.services.mandats import EDITABLES, MandatDetail, MandatLigne, MandatSaisie
from corail.services.mandats_pj import ajouter_pj, retirer_pj
from corail.services.numerotation import annuler_mandat
from corail.services.pj import ecrire_pj
from corail.services.tiers import TiersLigne, rechercher_tiers
from ui.common import afficher_erreur, essayer
from ui.ecrans import dernier_dossier, retenir_dossier
from ui.modeles import Colonne, TableauModel, tableau
from ui.state import AppState

LIMITE_TIERS = 500
LIMITE_COMPLETION = 5000
#: the columns of the *Imputations comptables* grid (the last one shows on the Inventaire tab)
COLONNES = ("Article", "Désignation article", "Opération", "Service", "Total", "N° Eng.",
            "N° inventaire")
ARTICLE, DESIGNATION, OPERATION, SERVICE, TOTAL, ENGAGEMENT, INVENTAIRE = range(len(COLONNES))
NATURES_PCE = {"01": "Fonctionnement", "02": "Investissement", "03": "Inventaire", "04": "Emprunt",
               "05": "Régie", "07": "Complémentaire", "08": "Réémis", "12": "Retenue de garantie",
               "13": "Dernier acompte sur marché", "14": "Avance forfaitaire"}
TYPES_PJ = {"01": "Facture", "02": "Pièce complémentaire"}
FICHIERS_PJ = ("Documents (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.xml *.odt *.ods *.docx *.xlsx);;"
               "Tous les fichiers (*)")


@dataclass(frozen=True)
class Choix:
    """What the cells offer: the budget's expense articles, opérations, services, engagements."""

    articles: dict[str, str] = field(default_factory=dict)  # code → libellé (imputable, sens D)
    operations: tuple[tuple[int, str, str], ...] = ()  # (id, code, libellé)
    services: tuple[tuple[int, str, str], ...] = ()
    engagements: tuple[tuple[int, str, str, str], ...] = ()  # (id, numéro, article, infobulle)

    def libelle(self, colonne: int, ident: int | None) -> tuple[str, str]:
        """(cell text, tooltip) of an opération, service or engagement id."""
        if ident is None:
            return "", ""
        if colonne == ENGAGEMENT:
            for i, numero, _article, info in self.engagements:
                if i == ident:
                    return numero, info
        else:
            for i, code, libelle in (self.operations if colonne == OPERATION else self.services):
                if i == ident:
                    return f"{code} – {libelle}", libelle
        return f"n° {ident}", ""

    def options(self, colonne: int) -> list[tuple[str, int]]:
        if colonne == ENGAGEMENT:
            return [(f"{numero} – {info}", i) for i, numero, _a, info in self.engagements]
        axe = self.operations if colonne == OPERATION else self.services
        return [(f"{code} – {libelle}", i) for i, code, libelle in axe]


@dataclass(frozen=True)
class Contexte:
    """What the form needs beyond the mandat: trains, the délai and the late-payment rates."""

    trains: tuple[tuple[str, bool], ...] = ()  # (nom, attente)
    jours_delai: int = 30
    taux: dict[date, Decimal | None] = field(default_factory=dict)  # half-year start → rate
    aujourd_hui: date = field(default_factory=date.today)


@dataclass(frozen=True)
class Chargement:
    """One refresh of the screen, read in one session."""

    lignes: tuple[MandatLigne, ...] = ()
    contexte: Contexte = field(default_factory=Contexte)
    imputations: Choix = field(default_factory=Choix)
    tiers: dict[str, int] = field(default_factory=dict)  # completion text → tiers id
    defaut_article: str = ""
    vide: MandatSaisie = field(default_factory=lambda: MandatSaisie(tiers_id=0, imputations=()))


def ligne_choisie(vue: QTableView) -> int | None:
    rows = vue.selectionModel().selectedRows() if vue.selectionModel() else []
    return rows[0].row() if rows else None


def numero(l: MandatLigne) -> str:
    return str(l.numero) if l.numero else ""


def etat(l: MandatLigne) -> str:
    texte = libelle_etat(l.etat)
    if l.montant < 0:
        texte += " (annulation)"
    elif l.regularisation:
        texte += " (régularisation)"
    return texte


def modele_pj(parent=None) -> TableauModel:
    return TableauModel([Colonne("Nom", lambda p: p[1]),
                         Colonne("Type", lambda p: TYPES_PJ.get(p[2], p[2]))], parent=parent)


LECTURE_SEULE = ("Mandat numéroté : lecture seule. Corrigez-le par une annulation ou une réduction "
                 "(bouton Annuler).")


def entete_mandat(d: MandatDetail | None, *, creation: bool, a_contexte: bool) -> tuple[str, str]:
    """The form's title (number, état, invoice) and its note (read-only, what blocks Valider)."""
    if creation:
        return "Nouveau mandat (brouillon non enregistré)", ""
    if d is None:
        return ("Aucun mandat : « Ajouter » pour en saisir un" if a_contexte
                else "Aucune collectivité en cours"), ""
    l = d.ligne
    texte = (f"Mandat n° {l.numero}" if l.numero else f"Mandat {l.id} (non numéroté)") \
        + f" — {libelle_etat(l.etat)}" + (" — facture Chorus Pro" if l.facture_demat_id else "")
    if l.etat not in EDITABLES:
        return texte, LECTURE_SEULE
    return texte, ("À corriger avant de valider : " + " ; ".join(d.avertissements)
                   if d.avertissements else "")


def modele_mandats(parent=None) -> TableauModel[MandatLigne]:
    """N°, Tiers, Objet, Montant (right-aligned), Train, État."""
    return TableauModel([
        Colonne("N°", numero, droite=True,
                infobulle=lambda l: f"Mandat n° {l.numero}" if l.numero
                else f"Mandat {l.id}, non numéroté"),
        Colonne("Tiers", lambda l: l.tiers),
        Colonne("Objet", lambda l: l.objet),
        Colonne("Montant", lambda l: l.montant),
        Colonne("Train", lambda l: l.train),
        Colonne("État", etat),
    ], alerte=lambda l: l.montant < 0, parent=parent)


def modele_choix_tiers(parent=None) -> TableauModel[TiersLigne]:
    return TableauModel([
        Colonne("Nom", lambda t: t.nom_complet),
        Colonne("Identifiant", lambda t: t.identifiant),
        Colonne("Ville", lambda t: " ".join(p for p in (t.code_postal, t.ville) if p)),
        Colonne("IBAN principal", lambda t: formater_iban(t.iban_principal or "")),
    ], parent=parent)


def ecrire(parent: QWidget, state: AppState, action: Callable, titre: str = "Saisie des mandats"):
    """``action(session, ctx)`` in one transaction; a refusal shown (None returned)."""
    def faire():
        with state.transaction() as session:
            return action(session, state.ctx)
    return essayer(parent, faire, titre)


# -- P. Jointes: open, add, remove ----------------------------------------------------------

def ouvrir_piece(parent: QWidget, state: AppState, pj_id: int) -> Path | None:
    """Written to a temporary folder, opened in the system's viewer."""
    def extraire() -> Path:
        with state.lecture() as session:
            return ecrire_pj(session, pj_id, Path(tempfile.mkdtemp(prefix="corail-pj-")))
    chemin = essayer(parent, extraire, "Pièce jointe")
    if chemin is not None and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(chemin))):
        QMessageBox.warning(parent, "Pièce jointe", f"Aucune application pour ouvrir « {chemin} ».")
    return chemin


def joindre_fichiers(parent: QWidget, state: AppState, ajouter: Callable, piece_id: int,
                     titre: str = "Saisie des mandats") -> bool:
    """Files chosen in a file dialog, each ``ajouter(session, ctx, piece_id, chemin)``, in one
    transaction."""
    chemins, _filtre = QFileDialog.getOpenFileNames(
        parent, "Ajouter des pièces jointes", dernier_dossier(state.settings, "pj"), FICHIERS_PJ)
    if not chemins or ecrire(parent, state, lambda s, ctx: [
            ajouter(s, ctx, piece_id, c) for c in chemins], titre) is None:
        return False
    retenir_dossier(state.settings, "pj", chemins[0])
    return True


def retirer_fichier(parent: QWidget, state: AppState, retirer: Callable, piece_id: int,
                    pj: tuple[int, str, str], nom: str = "mandat", titre: str = "Saisie des mandats") -> bool:
    """After a confirmation, ``retirer(session, ctx, piece_id, pj_id)``; a PJ from Chorus Pro
    stays (the service says why)."""
    reponse = QMessageBox.question(parent, "Retirer la pièce jointe",
                                   f"Retirer « {pj[1]} » des pièces jointes du {nom} ?")
    return reponse == QMessageBox.StandardButton.Yes and ecrire(
        parent, state, lambda s, ctx: retirer(s, ctx, piece_id, pj[0]) or True, titre) is not None


def joindre_pieces(parent: QWidget, state: AppState, mandat_id: int) -> bool:
    """Files chosen in a file dialog, attached to the mandat in one transaction."""
    return joindre_fichiers(parent, state, ajouter_pj, mandat_id)


def retirer_piece(parent: QWidget, state: AppState, mandat_id: int, pj: tuple[int, str, str]) -> bool:
    return retirer_fichier(parent, state, retirer_pj, mandat_id, pj)


class ChoixTiersDialog(QDialog):
    """*Choisir le tiers*: a search (name, SIRET, city) and the matching active tiers."""

    choisi = Signal(int)

    def __init__(self, state: AppState, texte: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle("Choisir le tiers")
        self.recherche = QLineEdit(texte, placeholderText="Nom, SIRET ou ville",
                                   clearButtonEnabled=True)
        self.modele = modele_choix_tiers(self)
        self.vue = tableau(self.modele, 0)
        self.vue.doubleClicked.connect(lambda _i: self.accept())
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Choisir")
        self.boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.boutons.accepted.connect(self.accept)
        self.boutons.rejected.connect(self.reject)
        self.compte = QLabel()
        barre = QHBoxLayout()
        barre.addWidget(QLabel("Rechercher :"))
        barre.addWidget(self.recherche, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(barre)
        layout.addWidget(self.vue, 1)
        layout.addWidget(self.compte)
        layout.addWidget(self.boutons)
        self.resize(760, 420)
        self._minuteur = QTimer(self, singleShot=True, interval=200)
        self._minuteur.timeout.connect(self.recharger)
        self.recherche.textChanged.connect(lambda _t: self._minuteur.start())
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._bouton())
        self.recharger()

    def recharger(self) -> None:
        self._minuteur.stop()
        with self.state.lecture() as session:
            lignes = rechercher_tiers(session, self.state.ctx, self.recherche.text(),
                                      limite=LIMITE_TIERS)
        self.modele.remplacer([t for t in lignes if t.actif])
        n = self.modele.rowCount()
        self.compte.setText("Aucun tiers ne correspond" if n == 0 else f"{n} tiers")
        if n:
            self.vue.selectRow(0)
        self._bouton()

    def _bouton(self) -> None:
        self.boutons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            ligne_choisie(self.vue) is not None)

    def accept(self) -> None:
        row = ligne_choisie(self.vue)
        if row is None:
            return
        self.choisi.emit(self.modele.ligne(row).id)
        super().accept()


class AnnulationDialog(QDialog):
    """*Annulation ou réduction* of a numbered mandat: motif, and the amount for a réduction."""

    enregistre = Signal(int)  # the annulation's id

    def __init__(self, state: AppState, mandat: MandatLigne, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.mandat = mandat
        self.annulation_id: int | None = None
        self.setWindowTitle("Annulation ou réduction du mandat")
        entete = QLabel(f"Mandat n° {mandat.numero} — {mandat.tiers} — "
                        f"{format_eur(mandat.montant)} €\n"
                        f"{mandat.objet}")
        entete.setTextFormat(Qt.TextFormat.PlainText)
        entete.setWordWrap(True)
        self.totale = QRadioButton("Annulation du mandat (tout le montant restant)")
        self.reduction = QRadioButton("Réduction de :")
        groupe = QButtonGroup(self)
        groupe.addButton(self.totale)
        groupe.addButton(self.reduction)
        self.totale.setChecked(True)
        self.montant = QLineEdit(placeholderText="0,00")
        self.montant.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.montant.setMaximumWidth(140)
        self.montant.setEnabled(False)
        self.reduction.toggled.connect(self.montant.setEnabled)
        self.montant.textEdited.connect(lambda _t: self.reduction.setChecked(True))
        self.motif = QLineEdit(placeholderText="Motif (obligatoire), repris dans l'objet")
        self.motif.setMaxLength(200)
        f = QFormLayout()
        f.addRow("", self.totale)
        reduction = QHBoxLayout()
        reduction.addWidget(self.reduction)
        reduction.addWidget(self.montant)
        reduction.addWidget(QLabel("€"))
        reduction.addStretch(1)
        f.addRow("", reduction)
        f.addRow("Motif :", self.motif)
        note = QLabel("Le mandat numéroté ne change pas : Corail crée un mandat d'annulation, validé, "
                      "qui partira sur un bordereau d'annulation (type 02) à la prochaine "
                      "numérotation.")
        note.setWordWrap(True)
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Créer l'annulation")
        self.boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer")
        self.boutons.accepted.connect(self.enregistrer)
        self.boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(entete)
        layout.addLayout(f)
        layout.addWidget(note)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(560)
        self.motif.setFocus()

    def enregistrer(self) -> bool:
        try:
            reduction = self.reduction.isChecked()
            montant: Decimal | None = parse_fr(self.montant.text()) if reduction else None
            with self.state.transaction() as session:
                self.annulation_id = annuler_mandat(session, self.state.ctx, self.mandat.id,
                                                    motif=self.motif.text(), montant=montant)
        except Exception as exc:  # refused: the message, the dialog stays open, nothing written
            afficher_erreur(self, exc, self.windowTitle())
            return False
        self.enregistre.emit(self.annulation_id)
        self.accept()
        return True
