"""The printed mandat: one A4 page per mandat (more when its imputations or PJ
do not fit), drawn from ``MandatImprime``; the layout is ``piece_pdf``'s, shared
with the titres de recettes.

``ecrire_mandats_pdf(mandats, out)`` is a pure function: the mandats are read
one by one from any iterable (a generator is fine), each is laid out, drawn on
the canvas and forgotten, and the PDF is written to ``out`` at the end, so a
cancelled batch writes nothing. The same input gives the same bytes.

A mandat without a number is a draft: titled *PROJET*, with a grey *PROJET*
across every page, never to be sent to the comptable. A negative mandat is an
annulation / réduction.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from corail.jobs import NO_CONTROL, JobControl
from corail.money import format_eur
from corail.reports.donnees import MandatImprime
from corail.reports.piece_pdf import (
    COLONNES,
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

__all__ = ["COLONNES", "ecrire_mandats_pdf", "mise_en_page_mandat"]

_ETIQUETTE = 78.0  # width of the labels of the "Objet / Pièces / ..." block


def ecrire_mandats_pdf(mandats: Iterable[MandatImprime], out: BinaryIO,
                       control: JobControl = NO_CONTROL) -> int:
    """Write the mandats to ``out`` as one PDF; returns the number of pages.

    ``control.step(done, total)`` after each mandat (total is -1 for a
    generator); ``Cancelled`` leaves ``out`` untouched. ValueError when there is
    no mandat or when a mandat's amount is not the total of its imputations.
    """
    return ecrire_pieces_pdf(mandats, out, control, mise_en_page_mandat, _pied, "Mandats",
                             "Mandats de paiement", "aucun mandat à imprimer")


def _pied(m: MandatImprime) -> str:
    return pied("mandat", m.numero, m.bordereau, m.montant, m.en_tete, m.tiers)


def mise_en_page_mandat(m: MandatImprime) -> Pages:
    """The mandat laid out on its pages (nothing drawn yet)."""
    verifier_montant("mandat", m.numero, m.montant, m.imputations)
    return mise_en_page_piece(PieceImprimable(
        en_tete=m.en_tete, projet=m.numero is None,
        titre=titre_piece("MANDAT DE PAIEMENT", "MANDAT D'ANNULATION / RÉDUCTION", m.numero, m.montant),
        details=details("Bordereau", m.bordereau, m.date_emission, m.montant),
        cadres=(Cadre("CRÉANCIER", lignes_tiers(m.tiers, m.tiers_adresse, m.tiers_siret)),
                Cadre("RÈGLEMENT", lignes_etiquetees((("Mode de règlement", m.mode_reglement),
                                                      ("IBAN", m.iban), ("BIC", m.bic))))),
        rangs=(("Objet", m.objet), ("Pièces", m.pieces), ("Facture", m.facture), ("Marché", m.marche),
               ("Type de pièce", m.type_piece)),
        largeur_etiquette=_ETIQUETTE,
        encadre=(f"Mandat des sommes admises (montant inférieur au montant facturé). Motif : "
                 f"{m.sommes_admises}" if m.sommes_admises else ""),
        colonnes=COLONNES, rangees=tuple(valeurs_imputation(i) for i in m.imputations),
        libelle_total="Total du mandat", totaux=(format_eur(m.montant),),
        phrase_arrete="Arrêté le présent mandat à la somme de :", montant_arrete=m.montant,
        pj=m.pj, signataire=m.signataire, lieu_date=m.lieu_date))
