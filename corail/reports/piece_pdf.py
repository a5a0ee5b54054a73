"""The printed pièce — a mandat or a titre de recettes — from a ``PieceImprimable``: what
``mandat_pdf`` and ``titre_pdf`` share, so that each of them only says what its pièce shows.

One A4 page per pièce (more when its imputations or PJ do not fit): the collectivité's
header, the title with the bordereau and date of emission, two framed boxes side by side
(the tiers, and how it is paid or recovered), the labelled lines of the pièce (objet,
pièces…), the table of imputations and its total, the amount in words, the PJ, a mention,
and the signature. A pièce without a number is a draft: *PROJET* in its title and across
every page, never to be sent to the comptable.

``ecrire_pieces_pdf`` reads the pièces one by one from any iterable (a generator is fine),
lays each out, draws it and forgets it, and writes the PDF to ``out`` at the end, so a
cancelled batch writes nothing. The same input gives the same bytes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import BinaryIO, TypeVar

from corail.dates import format_date
from corail.jobs import JobControl
from corail.money import format_eur, total
from corail.reports.donnees import EnTeteImpression, ImputationImprimee
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
    arrete,
    cadre_titre,
    cellules,
    couper,
    en_tete,
    en_tete_suite,
    enregistrer,
    entete_tableau,
    format_siret,
    ligne_somme,
    ligne_tableau,
    nouveau_canvas,
    paragraphe,
    pied_de_page,
    signature,
    tronquer,
)

__all__ = ["COLONNES", "COLONNES_TVA", "Cadre", "PieceImprimable", "details", "ecrire_pieces_pdf",
           "lignes_etiquetees", "lignes_tiers", "mise_en_page_piece", "pied", "titre_piece",
           "valeurs_imputation", "verifier_montant"]

Ligne = tuple[str, str, float]  # a line of a box: text, font, size

COLONNES = (
    Colonne("Article", 118), Colonne("Désignation", 128), Colonne("Fonction", 42),
    Colonne("Opération", 46), Colonne("Service", 52), Colonne("N° Eng.", 50),
    Colonne("Montant", UTILE - 436, "d"),
)
COLONNES_TVA = (  # a titre avec TVA: no engagement, HT, taux, TVA and TTC
    Colonne("Article", 90), Colonne("Désignation", 95), Colonne("Fonction", 42),
    Colonne("Opération", 45), Colonne("Service", 40), Colonne("Montant HT", 56, "d"),
    Colonne("Taux", 34, "c"), Colonne("TVA", 46, "d"), Colonne("Montant TTC", UTILE - 448, "d"),
)
_LARGEUR_GAUCHE = UTILE * 0.56 - 4  # the tiers' box
_X_DROITE = GAUCHE + UTILE * 0.56 + 4  # the box beside it
_TEXTE_GAUCHE = _LARGEUR_GAUCHE - 2 * PADDING - 4
_TEXTE_DROITE = DROITE - _X_DROITE - 2 * PADDING - 4
PROJET = "Projet non numéroté : document de travail, à ne pas transmettre au comptable"


@dataclass(frozen=True)
class Cadre:
    titre: str  # "CRÉANCIER"
    lignes: tuple[Ligne, ...]


@dataclass(frozen=True)
class PieceImprimable:
    """Everything a printed pièce shows, already worded."""

    en_tete: EnTeteImpression
    projet: bool  # not numbered yet
    titre: str  # "MANDAT DE PAIEMENT N° 12"
    details: tuple[str, ...]  # under the title: "Bordereau n° 3", "Émis le 15/10/2026"
    cadres: tuple[Cadre, Cadre]  # left: the tiers; right: payment or recovery
    rangs: tuple[tuple[str, str], ...]  # ("Objet", "…"); empty values are left out
    largeur_etiquette: float  # of the rangs' labels
    colonnes: tuple[Colonne, ...]  # of the imputations
    rangees: tuple[tuple[str, ...], ...]  # one per imputation
    libelle_total: str  # "Total du mandat"
    totaux: tuple[str, ...]  # under the last columns ("" leaves a cell empty)
    phrase_arrete: str  # "Arrêté le présent mandat à la somme de :"
    montant_arrete: Decimal
    pj: tuple[str, ...]
    signataire: str
    lieu_date: str
    suite_arrete: str = ""  # after the amount in words
    encadre: str = ""  # a remark in a grey box after the rangs
    mention: str = ""  # in italics before the signature


P = TypeVar("P")


def ecrire_pieces_pdf(pieces: Iterable[P], out: BinaryIO, control: JobControl,
                      mise_en_page: Callable[[P], Pages], pied_piece: Callable[[P], str],
                      document: str, sujet: str, aucune: str) -> int:
    """Write the pièces to ``out`` as one PDF; returns the number of pages.

    ``document``: the start of the PDF's title ("Mandats"), completed with the collectivité,
    budget and exercice of the first pièce; ``aucune``: the ValueError when there is none.
    ``control.step(done, total)`` after each pièce (total -1 for a generator)."""
    nombre = len(pieces) if isinstance(pieces, Sized) else -1
    control.step(0, nombre)
    canvas = None
    pages = 0
    for fait, piece in enumerate(pieces, 1):
        if canvas is None:
            e = piece.en_tete
            canvas = nouveau_canvas(out, f"{document} — {e.collectivite} — {e.budget} — {e.exercice}", sujet)
        pages += mise_en_page(piece).rendre(canvas, pied_de_page(pied_piece(piece)))
        control.step(fait, nombre)
    if canvas is None:
        raise ValueError(aucune)
    enregistrer(canvas)
    return pages


def titre_piece(nature: str, annulation: str, numero: int | None, montant: Decimal) -> str:
    """"MANDAT DE PAIEMENT N° 12", "… — PROJET"; ``annulation`` for a negative pièce."""
    nature = annulation if montant < 0 else nature
    return f"{nature} — PROJET" if numero is None else f"{nature} N° {numero}"


def _bordereau(libelle: str, bordereau: int, montant: Decimal) -> str:
    return f"{libelle} n° {bordereau}" + (" (annulation / réduction)" if montant < 0 else "")


def details(libelle_bordereau: str, bordereau: int | None, date_emission: date | None,
            montant: Decimal) -> tuple[str, ...]:
    """Under the title: the bordereau (a negative pièce is on a bordereau of type 02) and the date."""
    texte = [_bordereau(libelle_bordereau, bordereau, montant)] if bordereau is not None else []
    if date_emission is not None:
        texte.append(f"Émis le {format_date(date_emission)}")
    return tuple(texte)


def pied(nom: str, numero: int | None, bordereau: int | None, montant: Decimal, e: EnTeteImpression,
         tiers: str) -> str:
    """The footer's text: "Mandat n° 12 — Bordereau n° 3 — Budget … — Exercice 2026 — tiers"."""
    if numero is None:
        debut = f"Projet de {nom} non numéroté"
    else:
        debut = f"{nom.capitalize()} n° {numero}"
        if bordereau is not None:
            debut += f" — {_bordereau('Bordereau', bordereau, montant)}"
    return f"{debut} — {e.budget} — Exercice {e.exercice} — {tiers}"


def verifier_montant(nom: str, numero: int | None, montant: Decimal,
                     imputations: Iterable[ImputationImprimee]) -> None:
    """ValueError when the pièce's amount is not the total of its imputations."""
    somme = total(i.montant for i in imputations)
    if somme != montant:
        raise ValueError(f"{nom} {numero or '(projet)'} : montant {format_eur(montant)} différent "
                         f"du total des imputations {format_eur(somme)}")


def lignes_tiers(nom: str, adresse: Iterable[str], siret: str) -> tuple[Ligne, ...]:
    """The tiers' box: its name in bold, its address, its SIRET."""
    lignes = [(l, GRAS, 9.5) for l in couper(nom, GRAS, 9.5, _TEXTE_GAUCHE)]
    lignes += [(tronquer(l, NORMAL, 8.5, _TEXTE_GAUCHE), NORMAL, 8.5) for l in adresse]
    if siret:
        lignes.append((f"SIRET : {format_siret(siret)}", NORMAL, 8.5))
    return tuple(lignes)


def lignes_etiquetees(rangs: Iterable[tuple[str, str]]) -> tuple[Ligne, ...]:
    """The right-hand box: "Étiquette : valeur" lines, wrapped; empty values are left out."""
    return tuple((l, NORMAL, 8.5) for etiquette, valeur in rangs if valeur
                 for l in couper(f"{etiquette} : {valeur}", NORMAL, 8.5, _TEXTE_DROITE))


def valeurs_imputation(i: ImputationImprimee, avec_tva: bool = False) -> tuple[str, ...]:
    """A row of the imputations (``COLONNES``, or ``COLONNES_TVA`` with HT, taux, TVA and TTC, from
    a titre's ``ImputationTitreImprimee``, which has the same fields and these).

    The article column shows the article (nature) and its libellé; the désignation only when
    it says something else (it defaults to the article's libellé)."""
    designation = "" if i.designation.strip() == i.libelle_article.strip() else i.designation
    debut = (f"{i.article} {i.libelle_article}".strip(), designation, i.fonction, i.operation, i.service)
    if avec_tva:
        return debut + (format_eur(i.montant_ht), i.taux_tva, format_eur(i.montant_tva),
                        format_eur(i.montant))
    return debut + (i.engagement, format_eur(i.montant))


def mise_en_page_piece(piece: PieceImprimable) -> Pages:
    """The pièce laid out on its pages (nothing drawn yet)."""
    dans_tableau = [False]

    def suite(p: Pages) -> None:
        if piece.projet:
            p.filigrane("PROJET")
        en_tete_suite(p, piece.en_tete, f"{piece.titre} (suite)")
        if dans_tableau[0]:
            entete_tableau(p, piece.colonnes)

    p = Pages(suite=suite)
    if piece.projet:
        p.filigrane("PROJET")
    en_tete(p, piece.en_tete)
    _bloc_titre(p, piece)
    _deux_cadres(p, piece.cadres)
    _rangs(p, piece)
    dans_tableau[0] = True
    _imputations(p, piece)
    dans_tableau[0] = False
    p.y -= 10
    arrete(p, piece.phrase_arrete, piece.montant_arrete, piece.suite_arrete)
    p.y -= 8
    paragraphe(p, f"Pièces justificatives jointes ({len(piece.pj)}) :" if piece.pj
               else "Pièces justificatives jointes : aucune", GAUCHE, UTILE, GRAS, 8.5, 10)
    for nom in piece.pj:
        paragraphe(p, f"–  {nom}", GAUCHE + 12, UTILE - 12, NORMAL, 8.5)
    if piece.mention:
        p.y -= 6
        paragraphe(p, piece.mention, GAUCHE, UTILE, ITALIQUE, 8)
    p.place(HAUTEUR_SIGNATURE)
    signature(p, piece.lieu_date, piece.signataire)
    return p


def _bloc_titre(p: Pages, piece: PieceImprimable) -> None:
    p.y -= 4
    p.ligne(piece.titre, LARGEUR / 2, GRAS, 15, "c")
    if piece.projet:
        p.ligne(PROJET, LARGEUR / 2, GRAS, 9, "c")
    elif piece.details:
        p.ligne(tronquer("     ·     ".join(piece.details), NORMAL, 9.5, UTILE), LARGEUR / 2, NORMAL,
                9.5, "c")
    p.y -= 8


def _deux_cadres(p: Pages, cadres: tuple[Cadre, Cadre]) -> None:
    """Two framed boxes side by side, as high as the longer one."""
    hauteur = 12 + max(len(c.lignes) for c in cadres) * 11.2 + 2 * PADDING
    haut = p.y
    for x, largeur, cadre in ((GAUCHE, _LARGEUR_GAUCHE, cadres[0]),
                              (_X_DROITE, DROITE - _X_DROITE, cadres[1])):
        cadre_titre(p, x, haut, largeur, hauteur, cadre.titre)
        p.y = haut - 12 - PADDING
        for texte, police, taille in cadre.lignes:
            p.ligne(texte, x + PADDING + 2, police, taille)
    p.y = haut - hauteur - 10


def _rangs(p: Pages, piece: PieceImprimable) -> None:
    """"Objet : …" lines, the label in bold, the value wrapped beside it; then the grey box."""
    for etiquette, valeur in piece.rangs:
        if not valeur:
            continue
        lignes = couper(valeur, NORMAL, 9, UTILE - piece.largeur_etiquette)
        p.place(len(lignes) * 11.25)
        p.texte(GAUCHE, p.y - 8.55, f"{etiquette} :", GRAS, 8.5)
        for ligne in lignes:
            p.ligne(ligne, GAUCHE + piece.largeur_etiquette, NORMAL, 9)
    if piece.encadre:
        p.y -= 4
        lignes = couper(piece.encadre, ITALIQUE, 8.5, UTILE - 2 * PADDING - 4)
        hauteur = len(lignes) * 10.6 + 2 * PADDING
        p.place(hauteur)
        p.cadre(GAUCHE, p.y - hauteur, UTILE, hauteur, GRIS_FOND)
        p.y -= PADDING
        for ligne in lignes:
            p.ligne(ligne, GAUCHE + PADDING + 2, ITALIQUE, 8.5)
        p.y -= PADDING
    p.y -= 10


def _imputations(p: Pages, piece: PieceImprimable) -> None:
    p.place(60)
    p.ligne("Imputations comptables", GAUCHE, GRAS, 9.5)
    p.y -= 2
    entete_tableau(p, piece.colonnes)
    for valeurs in piece.rangees:
        lignes, hauteur = cellules(piece.colonnes, valeurs)
        p.place(hauteur)
        ligne_tableau(p, piece.colonnes, lignes, hauteur)
    p.place(15.0)
    ligne_somme(p, piece.colonnes, piece.libelle_total, piece.totaux,
                taille_montants=9 if len(piece.totaux) == 1 else 8)
