"""The printed titre de recettes: one A4 page per titre (more when its imputations or PJ do
not fit), drawn from ``TitreImprime``; the layout is ``piece_pdf``'s, shared with the mandats.

``ecrire_titres_pdf(titres, out)`` is a pure function: titres are read one by one from any
iterable, laid out, drawn and forgotten; the PDF is written to ``out`` at the end (a
cancelled batch writes nothing) and the same input gives the same bytes.

A titre without a number is a draft (*PROJET*, never to be sent to the comptable); a
negative titre is an annulation / réduction and names the titre it corrects. A titre *avec
TVA* shows HT, taux, TVA and TTC per line and in total. A titre (not an annulation) carries
the mention that makes it *exécutoire* (article L. 252 A du livre des procédures fiscales).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from corail.dates import format_date
from corail.jobs import NO_CONTROL, JobControl
from corail.money import format_eur, total
from corail.reports.donnees import EnTeteImpression
from corail.reports.piece_pdf import (
    COLONNES,
    COLONNES_TVA,
    Cadre,
    PieceImprimable,
    details,
    ecrire_pieces_pdf,
    lignes_etiquetees,
    lignes_tiers,
    mise_en_page_piece,
    pied,
    titre_piece,
    valeurs_imputation,
    verifier_montant,
)
from corail.reports.styles import Pages

__all__ = ["ImputationTitreImprimee", "TitreImprime", "ecrire_titres_pdf", "mise_en_page_titre"]

EXECUTOIRE = ("Titre rendu exécutoire par l'ordonnateur en application de l'article L. 252 A du "
              "livre des procédures fiscales.")


@dataclass(frozen=True)
class ImputationTitreImprimee:
    article: str
    libelle_article: str
    designation: str
    fonction: str
    operation: str
    service: str
    engagement: str
    montant_ht: Decimal
    taux_tva: str  # "20 %", "" without TVA
    montant_tva: Decimal
    montant: Decimal  # TTC


@dataclass(frozen=True)
class TitreImprime:
    en_tete: EnTeteImpression
    numero: int | None  # None: a draft, printed "PROJET"
    bordereau: int | None
    date_emission: date | None
    debiteur: str
    debiteur_adresse: tuple[str, ...]
    debiteur_siret: str
    objet: str
    pieces: str
    type_piece: str  # "01 – Titre ordinaire"
    nature_piece: str  # "01 – Fonctionnement"
    imputations: tuple[ImputationTitreImprimee, ...]
    montant: Decimal  # TTC
    avec_tva: bool = False
    type_asap: str = ""  # "02 – Avis des sommes à payer CPP" or ""
    code_produit: str = ""
    references_rattachement: str = ""
    avoir: str = ""  # "Avoir N° X du JJ/MM/AAAA reçu le JJ/MM/AAAA (Chorus Pro)"
    origine: str = ""  # the titre an annulation / réduction corrects: "n° 12 / 2026 (250,00)"
    date_echeance: date | None = None
    pj: tuple[str, ...] = field(default_factory=tuple)
    signataire: str = "L'ordonnateur"
    lieu_date: str = ""


_ETIQUETTE = 96.0  # width of the labels of the "Objet / Pièces / ..." block


def ecrire_titres_pdf(titres: Iterable[TitreImprime], out: BinaryIO,
                      control: JobControl = NO_CONTROL) -> int:
    """Write the titres to ``out`` as one PDF; returns the number of pages.

    ``control.step(done, total)`` after each titre (total -1 for a generator); ``Cancelled``
    leaves ``out`` untouched. ValueError when there is no titre, or when a titre's amount is
    not the total of its lines, or a line's HT + TVA is not its TTC."""
    return ecrire_pieces_pdf(titres, out, control, mise_en_page_titre, _pied, "Titres de recettes",
                             "Titres de recettes", "aucun titre à imprimer")


def _pied(t: TitreImprime) -> str:
    return pied("titre", t.numero, t.bordereau, t.montant, t.en_tete, t.debiteur)


def _verifier(t: TitreImprime) -> None:
    verifier_montant("titre", t.numero, t.montant, t.imputations)
    for i in t.imputations:
        if i.montant_ht + i.montant_tva != i.montant:
            raise ValueError(f"titre {t.numero or '(projet)'} : HT + TVA ≠ TTC sur l'article {i.article}")


def mise_en_page_titre(t: TitreImprime) -> Pages:
    """The titre laid out on its pages (nothing drawn yet)."""
    _verifier(t)
    if t.avec_tva:
        totaux = (format_eur(total(i.montant_ht for i in t.imputations)), "",
                  format_eur(total(i.montant_tva for i in t.imputations)), format_eur(t.montant))
    else:
        totaux = (format_eur(t.montant),)
    annulation = t.montant < 0
    asap = t.type_asap or ("aucun (ASAP non dématérialisé)" if t.montant > 0 else "")
    # the avoir is named in the objet of a titre emitted from it: not twice
    avoir = "" if t.avoir and t.objet.startswith(t.avoir.split(" du ")[0]) else t.avoir
    return mise_en_page_piece(PieceImprimable(
        en_tete=t.en_tete, projet=t.numero is None,
        titre=titre_piece("TITRE DE RECETTES", "TITRE D'ANNULATION / RÉDUCTION", t.numero, t.montant),
        details=details("Bordereau de titres", t.bordereau, t.date_emission, t.montant),
        cadres=(Cadre("DÉBITEUR", lignes_tiers(t.debiteur, t.debiteur_adresse, t.debiteur_siret)),
                Cadre("RECOUVREMENT", lignes_etiquetees((
                    ("Type de pièce", t.type_piece), ("Nature", t.nature_piece), ("Type ASAP", asap),
                    ("Code produit", t.code_produit),
                    ("Échéance", format_date(t.date_echeance) if t.date_echeance else ""))))),
        rangs=(("Objet", t.objet), ("Pièces", t.pieces), ("Avoir", avoir),
               ("Réf. rattachement", t.references_rattachement), ("Titre corrigé", t.origine)),
        largeur_etiquette=_ETIQUETTE,
        colonnes=COLONNES_TVA if t.avec_tva else COLONNES,
        rangees=tuple(valeurs_imputation(i, t.avec_tva) for i in t.imputations),
        libelle_total="Total du titre", totaux=totaux,
        # an annulation / réduction: the amount taken off the titre corrected, without a sign
        phrase_arrete=("Arrêté le présent titre d'annulation / réduction à la somme de :" if annulation
                       else "Arrêté le présent titre à la somme de :"),
        montant_arrete=-t.montant if annulation else t.montant,
        suite_arrete=" en réduction du titre corrigé" if annulation else "",
        pj=t.pj, mention="" if t.montant <= 0 else EXECUTOIRE, signataire=t.signataire,
        lieu_date=t.lieu_date))
