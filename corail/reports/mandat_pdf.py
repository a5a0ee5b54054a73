"""The printed mandat: one A4 page per mandat (more when its imputations or PJ
do not fit), drawn from ``MandatImprime``.

``ecrire_mandats_pdf(mandats, out)`` is a pure function: the mandats are read
one by one from any iterable (a generator is fine), each is laid out, drawn on
the canvas and forgotten, and the PDF is written to ``out`` at the end, so a
cancelled batch writes nothing. The same input gives the same bytes.

A mandat without a number is a draft: titled *PROJET*, with a grey *PROJET*
across every page, never to be sent to the comptable. A negative mandat is an
annulation / réduction.
"""
from __future__ import annotations

from collections.abc import Iterable, Sized
from typing import BinaryIO

from corail.dates import format_date
from corail.jobs import NO_CONTROL, JobControl
from corail.money import format_eur, total
from corail.reports.donnees import MandatImprime
from corail.reports.montant_en_lettres import montant_en_lettres
from corail.reports.styles import (
    DROITE,
    GAUCHE,
    GRAS,
    GRIS_FOND,
    HAUTEUR_SIGNATURE,
    ITALIQUE,
    LARGEUR,
    NORMAL,
    PADDING,
    UTILE,
    Colonne,
    Pages,
    cadre_titre,
    cellules,
    couper,
    en_tete,
    en_tete_suite,
    enregistrer,
    entete_tableau,
    format_siret,
    ligne_tableau,
    nouveau_canvas,
    paragraphe,
    pied_de_page,
    signature,
)

__all__ = ["ecrire_mandats_pdf", "mise_en_page_mandat"]

COLONNES = (
    Colonne("Article", 118), Colonne("Désignation", 128), Colonne("Fonction", 42),
    Colonne("Opération", 46), Colonne("Service", 52), Colonne("N° Eng.", 50),
    Colonne("Montant", UTILE - 436, "d"),
)
_ETIQUETTE = 78.0  # width of the labels of the "Objet / Pièces / ..." block


def ecrire_mandats_pdf(mandats: Iterable[MandatImprime], out: BinaryIO,
                       control: JobControl = NO_CONTROL) -> int:
    """Write the mandats to ``out`` as one PDF; returns the number of pages.

    ``control.step(done, total)`` after each mandat (total is -1 for a
    generator); ``Cancelled`` leaves ``out`` untouched. ValueError when there is
    no mandat or when a mandat's amount is not the total of its imputations.
    """
    nombre = len(mandats) if isinstance(mandats, Sized) else -1
    control.step(0, nombre)
    canvas = None
    pages = 0
    for fait, mandat in enumerate(mandats, 1):
        if canvas is None:
            e = mandat.en_tete
            canvas = nouveau_canvas(out, f"Mandats — {e.collectivite} — {e.budget} — {e.exercice}",
                                    "Mandats de paiement")
        pages += mise_en_page_mandat(mandat).rendre(canvas, pied_de_page(_pied(mandat)))
        control.step(fait, nombre)
    if canvas is None:
        raise ValueError("aucun mandat à imprimer")
    enregistrer(canvas)
    return pages


def _titre(m: MandatImprime) -> str:
    nature = "MANDAT D'ANNULATION / RÉDUCTION" if m.montant < 0 else "MANDAT DE PAIEMENT"
    return f"{nature} — PROJET" if m.numero is None else f"{nature} N° {m.numero}"


def _pied(m: MandatImprime) -> str:
    if m.numero is None:
        debut = "Projet de mandat non numéroté"
    else:
        debut = f"Mandat n° {m.numero}"
        if m.bordereau is not None:
            debut += f" — Bordereau n° {m.bordereau}"
    return f"{debut} — {m.en_tete.budget} — Exercice {m.en_tete.exercice} — {m.tiers}"


def mise_en_page_mandat(m: MandatImprime) -> Pages:
    """The mandat laid out on its pages (nothing drawn yet)."""
    somme = total(i.montant for i in m.imputations)
    if somme != m.montant:
        raise ValueError(f"mandat {m.numero or '(projet)'} : montant {format_eur(m.montant)} différent "
                         f"du total des imputations {format_eur(somme)}")
    titre = _titre(m)
    dans_tableau = [False]

    def suite(p: Pages) -> None:
        if m.numero is None:
            p.filigrane("PROJET")
        en_tete_suite(p, m.en_tete, f"{titre} (suite)")
        if dans_tableau[0]:
            entete_tableau(p, COLONNES)

    p = Pages(suite=suite)
    if m.numero is None:
        p.filigrane("PROJET")
    en_tete(p, m.en_tete)
    _bloc_titre(p, m, titre)
    _bloc_tiers(p, m)
    _bloc_piece(p, m)
    dans_tableau[0] = True
    _imputations(p, m)
    dans_tableau[0] = False
    p.y -= 10
    paragraphe(p, "Arrêté le présent mandat à la somme de :", GAUCHE, UTILE, NORMAL, 9, 24)
    paragraphe(p, f"{montant_en_lettres(m.montant)} ({format_eur(m.montant, symbol=True)})",
               GAUCHE + 12, UTILE - 12, GRAS, 9.5)
    p.y -= 8
    paragraphe(p, f"Pièces justificatives jointes ({len(m.pj)}) :" if m.pj
               else "Pièces justificatives jointes : aucune", GAUCHE, UTILE, GRAS, 8.5, 10)
    for nom in m.pj:
        paragraphe(p, f"–  {nom}", GAUCHE + 12, UTILE - 12, NORMAL, 8.5)
    p.place(HAUTEUR_SIGNATURE)
    signature(p, m.lieu_date, m.signataire)
    return p


def _bloc_titre(p: Pages, m: MandatImprime, titre: str) -> None:
    p.y -= 4
    p.ligne(titre, LARGEUR / 2, GRAS, 15, "c")
    if m.numero is None:
        p.ligne("Projet non numéroté : document de travail, à ne pas transmettre au comptable",
                LARGEUR / 2, GRAS, 9, "c")
    else:
        details = [f"Bordereau n° {m.bordereau}"] if m.bordereau is not None else []
        if m.date_emission is not None:
            details.append(f"Émis le {format_date(m.date_emission)}")
        if details:
            p.ligne("     ·     ".join(details), LARGEUR / 2, NORMAL, 9.5, "c")
    p.y -= 8


def _bloc_tiers(p: Pages, m: MandatImprime) -> None:
    """Two boxes side by side: the créancier, and how it is paid."""
    largeur_g = UTILE * 0.56 - 4
    x_d = GAUCHE + UTILE * 0.56 + 4
    largeur_d = DROITE - x_d
    gauche = [(l, GRAS, 9.5) for l in couper(m.tiers, GRAS, 9.5, largeur_g - 2 * PADDING - 4)]
    gauche += [(l, NORMAL, 8.5) for l in m.tiers_adresse]
    if m.tiers_siret:
        gauche.append((f"SIRET : {format_siret(m.tiers_siret)}", NORMAL, 8.5))
    droite = [(f"Mode de règlement : {m.mode_reglement}", NORMAL, 8.5)]
    if m.iban:
        droite.append((f"IBAN : {m.iban}", NORMAL, 8.5))
    if m.bic:
        droite.append((f"BIC : {m.bic}", NORMAL, 8.5))
    hauteur = 12 + max(len(gauche), len(droite)) * 11.2 + 2 * PADDING
    haut = p.y
    for x, largeur, titre, lignes in ((GAUCHE, largeur_g, "CRÉANCIER", gauche),
                                      (x_d, largeur_d, "RÈGLEMENT", droite)):
        cadre_titre(p, x, haut, largeur, hauteur, titre)
        p.y = haut - 12 - PADDING
        for texte, police, taille in lignes:
            p.ligne(texte, x + PADDING + 2, police, taille)
    p.y = haut - hauteur - 10


def _bloc_piece(p: Pages, m: MandatImprime) -> None:
    rangs = [("Objet", m.objet), ("Pièces", m.pieces), ("Facture", m.facture),
             ("Marché", m.marche), ("Type de pièce", m.type_piece)]
    for etiquette, valeur in rangs:
        if not valeur:
            continue
        lignes = couper(valeur, NORMAL, 9, UTILE - _ETIQUETTE)
        p.place(len(lignes) * 11.25)
        p.texte(GAUCHE, p.y - 8.55, f"{etiquette} :", GRAS, 8.5)
        for ligne in lignes:
            p.ligne(ligne, GAUCHE + _ETIQUETTE, NORMAL, 9)
    if m.sommes_admises:
        p.y -= 4
        lignes = couper(f"Mandat des sommes admises (montant inférieur au montant facturé). Motif : "
                        f"{m.sommes_admises}", ITALIQUE, 8.5, UTILE - 2 * PADDING - 4)
        hauteur = len(lignes) * 10.6 + 2 * PADDING
        p.place(hauteur)
        p.cadre(GAUCHE, p.y - hauteur, UTILE, hauteur, GRIS_FOND)
        p.y -= PADDING
        for ligne in lignes:
            p.ligne(ligne, GAUCHE + PADDING + 2, ITALIQUE, 8.5)
        p.y -= PADDING
    p.y -= 10


def _imputations(p: Pages, m: MandatImprime) -> None:
    p.place(60)
    p.ligne("Imputations comptables", GAUCHE, GRAS, 9.5)
    p.y -= 2
    entete_tableau(p, COLONNES)
    for i in m.imputations:
        valeurs = (f"{i.article} {i.libelle_article}".strip(), i.designation, i.fonction,
                   i.operation, i.service, i.engagement, format_eur(i.montant))
        lignes, hauteur = cellules(COLONNES, valeurs)
        p.place(hauteur)
        ligne_tableau(p, COLONNES, lignes, hauteur)
    hauteur = 15.0
    p.place(hauteur)
    p.cadre(GAUCHE, p.y - hauteur, UTILE, hauteur, GRIS_FOND)
    x_montant = DROITE - COLONNES[-1].largeur
    p.trait(x_montant, p.y, x_montant, p.y - hauteur)
    p.texte(x_montant - PADDING, p.y - 10.5, "Total du mandat", GRAS, 9, "d")
    p.texte(DROITE - PADDING, p.y - 10.5, format_eur(m.montant), GRAS, 9, "d")
    p.y -= hauteur
