"""The lists and dialogs of *Titres de recettes*: what the screen reads on each refresh
(``charger``: the exercice's titres and what the form offers — trains, recette articles,
fonctions, opérations, services, engagements, débiteurs), the list's columns, the form's title
and *Annulation ou réduction* of a numbered titre (the mandats' dialog, on
``services.titres_emission.annuler_titre``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QWidget

from corail.money import format_eur, parse_fr
from corail.domain.etats import EtatPiece
from corail.services.asap import REMPLACABLES, AsapDetail
from corail.services.asap_avis import imprimer_asap
from corail.services.numerotation import ANNULABLES
from corail.services.engagements import lister_engagements
from corail.services.habilitations import HabilitationManquante
from corail.services.nomenclature import (
    lister_fonctions, lister_operations, lister_services, rechercher_articles,
)
from corail.services.recettes_ui import ContexteTitres, contexte_titres
from corail.services.titres import EDITABLES, TYPES_ASAP, TitreDetail, TitreLigne, TitreSaisie, lister_titres
from corail.services.titres_emission import ajouter_pj_titre, annuler_titre, retirer_pj_titre
from ui.common import afficher_erreur
from ui.ecrans import dernier_dossier, retenir_dossier
from ui.modeles import Colonne, TableauModel
from ui.saisie_des_mandats_dialogues import (
    AnnulationDialog, ecrire, joindre_fichiers, retirer_fichier,
)
from ui.saisie_des_mandats_modeles import completion_tiers
from ui.state import AppState
from ui.titres_de_recettes_imputations import ChoixTitre

TITRE = "Titres de recettes"
TYPES_PJ = {"01": "Avoir (facture)", "02": "Pièce complémentaire", "asap": "PES Facture ASAP"}
LECTURE_SEULE = ("Titre numéroté : lecture seule. Corrigez-le par une annulation ou une réduction "
                 "(bouton Annuler).")


@dataclass(frozen=True)
class Chargement:
    """One refresh of the screen, read in one session."""

    lignes: tuple[TitreLigne, ...] = ()
    contexte: ContexteTitres = field(default_factory=lambda: ContexteTitres((), False, ""))
    imputations: ChoixTitre = field(default_factory=ChoixTitre)
    tiers: dict[str, int] = field(default_factory=dict)  # completion text → tiers id
    vide: TitreSaisie = field(default_factory=lambda: TitreSaisie(tiers_id=0, imputations=()))

    @property
    def trains(self) -> tuple[tuple[str, bool], ...]:
        return tuple((t.nom, t.attente) for t in self.contexte.trains)


def _engagements(session, ctx) -> tuple:
    try:  # engagements belong to Dépenses: without that habilitation, none offered
        return tuple((e.id, e.numero, e.article, f"{e.objet} — {e.tiers} — article {e.article}")
                     for e in lister_engagements(session, ctx))
    except HabilitationManquante:
        return ()


def charger(session, ctx, *, etat: str | None = None, train: str | None = None) -> Chargement:
    contexte = contexte_titres(session, ctx)
    articles = rechercher_articles(session, ctx, limite=100_000)
    codes = sorted(a.code for a in articles)
    regroupements = {c for c, suivant in pairwise(codes) if suivant.startswith(c)}
    choix = ChoixTitre(
        articles={a.code: a.libelle for a in articles if "R" in a.sens and a.code not in regroupements},
        operations=tuple((o.id, o.code, o.libelle) for o in lister_operations(session, ctx)),
        services=tuple((o.id, o.code, o.libelle) for o in lister_services(session, ctx)),
        engagements=_engagements(session, ctx),
        fonctions={f.code: f.libelle for f in lister_fonctions(session, ctx)})
    tiers = completion_tiers(session, ctx)
    defaut = next((t.nom for t in contexte.trains if t.defaut and not t.attente), None)
    vide = TitreSaisie(tiers_id=0, imputations=(), train=defaut)
    lignes = tuple(lister_titres(session, ctx, etat=etat, train=train))
    return Chargement(lignes, contexte, choix, tiers, vide)


def numero(l: TitreLigne) -> str:
    return str(l.numero) if l.numero else ""


def etat(l: TitreLigne) -> str:
    return l.etat_libelle + (" (annulation)" if l.montant < 0 else "")


def asap(l: TitreLigne) -> str:
    return l.type_asap or ""


def modele_titres(parent=None) -> TableauModel[TitreLigne]:
    """N°, Débiteur, Objet, Montant, Train, ASAP, État."""
    return TableauModel([
        Colonne("N°", numero, droite=True,
                infobulle=lambda l: f"Titre n° {l.numero}" if l.numero else f"Titre {l.id}, non numéroté"),
        Colonne("Débiteur", lambda l: l.tiers),
        Colonne("Objet", lambda l: l.objet),
        Colonne("Montant", lambda l: l.montant),
        Colonne("Train", lambda l: l.train),
        Colonne("ASAP", asap, centre=True,
                infobulle=lambda l: f"Type ASAP PES {l.type_asap} – {TYPES_ASAP[l.type_asap]}"
                if l.type_asap in TYPES_ASAP else "Pas d'avis des sommes à payer"),
        Colonne("État", etat),
    ], alerte=lambda l: l.montant < 0, parent=parent)


def modele_pj(parent=None) -> TableauModel:
    """(id, nom, type) rows; the ASAP's PES Facture has the type ``asap``."""
    return TableauModel([Colonne("Nom", lambda p: p[1]),
                         Colonne("Type", lambda p: TYPES_PJ.get(p[2], p[2]))], parent=parent)


def entete_titre(d: TitreDetail | None, *, creation: bool, a_contexte: bool) -> tuple[str, str]:
    """The form's title (number, état, avoir, total) and its note (read-only, what blocks Valider)."""
    if creation:
        return "Nouveau titre (brouillon non enregistré)", ""
    if d is None:
        return ("Aucun titre : « Ajouter » pour en saisir un" if a_contexte
                else "Aucune collectivité en cours"), ""
    l = d.ligne
    texte = (f"Titre n° {l.numero}" if l.numero else f"Titre {l.id} (non numéroté)") \
        + f" — {l.etat_libelle}" + (f" — bordereau n° {d.bordereau}" if d.bordereau else "") \
        + (" — émis depuis un avoir Chorus Pro" if l.facture_demat_id else "")
    if l.etat not in EDITABLES:
        return texte, LECTURE_SEULE
    return texte, ("À corriger avant de valider : " + " ; ".join(d.avertissements)
                   if d.avertissements else "")


def boutons_permis(d: TitreDetail | None, *, sale: bool, a_contexte: bool) -> dict[str, bool]:
    """Which of the screen's buttons act, for titre ``d`` (``sale``: unsaved changes)."""
    lecture_seule = d is not None and d.ligne.etat not in EDITABLES
    annulable = d is not None and d.ligne.etat in ANNULABLES and d.ligne.numero is not None \
        and d.ligne.montant > 0
    return {
        "ajouter": a_contexte and not sale,
        "enregistrer": sale,
        "supprimer": not sale and d is not None and d.ligne.etat == EtatPiece.BROUILLON,
        "dupliquer": not sale and d is not None and d.ligne.montant > 0,
        "valider": sale or (d is not None and d.ligne.etat in (EtatPiece.BROUILLON, EtatPiece.REJETE)),
        "annuler": sale or (lecture_seule and annulable),
        "asap": not sale and d is not None and d.ligne.etat in REMPLACABLES and d.ligne.montant > 0,
    }


def pj_du_titre(d: TitreDetail | None, asap: AsapDetail | None) -> tuple[tuple, str]:
    """The P. Jointes rows (the ASAP's PES Facture typed ``asap``) and the tab's note."""
    pj = tuple((i, nom, "asap" if asap and i == asap.pj_id else t) for i, nom, t in (d.pj if d else ()))
    note = ""
    if asap is not None and asap.pj_id is None:
        note = (f"Facture ASAP saisie ({len(asap.lignes)} ligne(s)) : son fichier PES Facture sera joint "
                f"à la numérotation du titre.")
    return pj, note


class AnnulationTitreDialog(AnnulationDialog):
    """*Annulation ou réduction du titre*: a negative titre, validated, that goes on a bordereau
    de titres 02 at the next numbering."""

    def __init__(self, state: AppState, titre: TitreLigne, parent: QWidget | None = None) -> None:
        super().__init__(state, titre, parent)  # type: ignore[arg-type]
        self.setWindowTitle("Annulation ou réduction du titre")
        self.totale.setText("Annulation du titre (tout le montant restant)")
        for label in self.findChildren(QLabel):
            texte = label.text()
            if texte.startswith("Mandat n°"):
                label.setText(f"Titre n° {titre.numero} — {titre.tiers} — "
                              f"{format_eur(titre.montant)} €\n"
                              f"{titre.objet}")
            elif texte.startswith("Le mandat numéroté"):
                label.setText("Le titre numéroté ne change pas : Corail crée un titre d'annulation, "
                              "validé, "
                              "qui partira sur un bordereau de titres d'annulation (type 02) à la "
                              "prochaine numérotation.")

    def enregistrer(self) -> bool:
        try:
            montant: Decimal | None = parse_fr(self.montant.text()) if self.reduction.isChecked() else None
            with self.state.transaction() as session:
                self.annulation_id = annuler_titre(session, self.state.ctx, self.mandat.id,
                                                   motif=self.motif.text(), montant=montant)
        except Exception as exc:  # refused: the message, the dialog stays open, nothing written
            afficher_erreur(self, exc, self.windowTitle())
            return False
        self.enregistre.emit(self.annulation_id)
        self.accept()
        return True


# -- P. Jointes: add, remove, print the ASAP ---------------------------------------------------

def joindre_pieces(parent: QWidget, state: AppState, titre_id: int) -> bool:
    """Files chosen in a file dialog, attached to the titre in one transaction."""
    return joindre_fichiers(parent, state, ajouter_pj_titre, titre_id, TITRE)


def retirer_piece(parent: QWidget, state: AppState, titre_id: int, pj: tuple[int, str, str]) -> bool:
    """After a confirmation; the avoir's PJ from Chorus Pro stay (the service says why)."""
    return retirer_fichier(parent, state, retirer_pj_titre, titre_id, pj, "titre", TITRE)


def imprimer_avis(parent: QWidget, state: AppState, titre: TitreLigne) -> Path | None:
    """The avis des sommes à payer of the titre (PDF with its talon), then offered to open."""
    nom = f"asap_{state.ctx.exercice}_{f'n{titre.numero}' if titre.numero else f'id{titre.id}'}.pdf"
    dossier = dernier_dossier(state.settings, "editions", Path.home())
    chemin, _f = QFileDialog.getSaveFileName(parent, "Imprimer l'avis des sommes à payer",
                                             str(Path(dossier) / nom), "Documents PDF (*.pdf)")
    if not chemin:
        return None
    chemin = Path(chemin) if chemin.lower().endswith(".pdf") else Path(chemin + ".pdf")
    retenir_dossier(state.settings, "editions", chemin)
    ecrit = ecrire(parent, state, lambda s, ctx: imprimer_asap(s, ctx, titre.id, chemin), TITRE)
    if ecrit is not None and QMessageBox.question(
            parent, "Avis des sommes à payer", f"PDF écrit : {ecrit}\n\nL'ouvrir maintenant ?"
    ) == QMessageBox.StandardButton.Yes:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(ecrit)))
    return ecrit
