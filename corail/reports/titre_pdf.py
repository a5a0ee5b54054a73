"""The printed titre de recettes: one A4 page per titre (more when its imputations or PJ do
not fit), drawn from ``TitreImprime``, on the model of the printed mandat (``mandat_pdf``).

``ecrire_titres_pdf(titres, out)`` is a pure function: titres are read one by one from any
iterable, laid out, drawn and forgotten; the PDF is written to ``out`` at the end (a
cancelled batch writes nothing) and the same input gives the same bytes.

A titre without a number is a draft (*PROJET*, never to be sent to the comptable); a
negative titre is an annulation / réduction and names the titre it corrects. A titre *avec
TVA* shows HT, taux, TVA and TTC per line and in total. A titre (not an annulation) carries
the mention that makes it *exécutoire* (article L. 252 A du livre des procédures fiscales).
"""
from __future__ import annotations

from collections.abc import Iterable, Sized
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from corail.dates import format_date
from corail.jobs import NO_CONTROL, JobControl
from corail.money import format_eur, total
from corail.reports.donnees import EnTeteImpression
from corail.reports.montant_en_lettres import montant_en_lettres
from corail.reports.styles import (
    DROITE, GAUCHE, GRAS, GRIS_FOND, HAUTEUR_SIGNATURE, ITALIQUE, LARGEUR, NORMAL, PADDING, UTILE,
    Colonne, Pages, cadre_titre, cellules, couper, en_tete, en_tete_suite, enregistrer, entete_tableau,
    format_siret, ligne_tableau, nouveau_canvas, paragraphe, pied_de_page, signature,
)

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


_SANS_TVA = (
    Colonne("Article", 118), Colonne("Désignation", 128), Colonne("Fonction", 42),
    Colonne("Opération", 46), Colonne("Service", 52), Colonne("N° Eng.", 50),
    Colonne("Montant", UTILE - 436, "d"),
)
_AVEC_TVA = (
    Colonne("Article", 90), Colonne("Désignation", 95), Colonne("Fonction", 42),
    Colonne("Opération", 45), Colonne("Service", 40), Colonne("Montant HT", 56, "d"),
    Colonne("Taux", 34, "c"), Colonne("TVA", 46, "d"), Colonne("Montant TTC", UTILE - 448, "d"),
)
_ETIQUETTE = 96.0


def ecrire_titres_pdf(titres: Iterable[TitreImprime], out: BinaryIO,
                      control: JobControl = NO_CONTROL) -> int:
    """Write the titres to ``out`` as one PDF; returns the number of pages.

    ``control.step(done, total)`` after each titre (total -1 for a generator); ``Cancelled``
    leaves ``out`` untouched. ValueError when there is no titre, or when a titre's amount is
    not the total of its lines, or a line's HT + TVA is not its TTC."""
    nombre = len(titres) if isinstance(titres, Sized) else -1
    control.step(0, nombre)
    canvas = None
    pages = 0
    for fait, titre in enumerate(titres, 1):
        if canvas is None:
            e = titre.en_tete
            canvas = nouveau_canvas(out, f"Titres de recettes — {e.collectivite} — {e.budget} — "
                                         f"{e.exercice}", "Titres de recettes")
        pages += mise_en_page_titre(titre).rendre(canvas, pied_de_page(_pied(titre)))
        control.step(fait, nombre)
    if canvas is None:
        raise ValueError("aucun titre à imprimer")
    enregistrer(canvas)
    return pages


def _titre(t: TitreImprime) -> str:
    nature = "TITRE D'ANNULATION / RÉDUCTION" if t.montant < 0 else "TITRE DE RECETTES"
    return f"{nature} — PROJET" if t.numero is None else f"{nature} N° {t.numero}"


def _pied(t: TitreImprime) -> str:
    debut = "Projet de titre non numéroté" if t.numero is None else f"Titre n° {t.numero}"
    if t.numero is not None and t.bordereau is not None:
        debut += f" — Bordereau n° {t.bordereau}"
    return f"{debut} — {t.en_tete.budget} — Exercice {t.en_tete.exercice} — {t.debiteur}"


def _verifier(t: TitreImprime) -> None:
    somme = total(i.montant for i in t.imputations)
    if somme != t.montant:
        raise ValueError(f"titre {t.numero or '(projet)'} : montant {format_eur(t.montant)} différent "
                         f"du total des imputations {format_eur(somme)}")
    for i in t.imputations:
        if i.montant_ht + i.montant_tva != i.montant:
            raise ValueError(f"titre {t.numero or '(projet)'} : HT + TVA ≠ TTC sur l'article {i.article}")


def mise_en_page_titre(t: TitreImprime) -> Pages:
    """The titre laid out on its pages (nothing drawn yet)."""
    _verifier(t)
    titre = _titre(t)
    colonnes = _AVEC_TVA if t.avec_tva else _SANS_TVA
    dans_tableau = [False]

    def suite(p: Pages) -> None:
        if t.numero is None:
            p.filigrane("PROJET")
        en_tete_suite(p, t.en_tete, f"{titre} (suite)")
        if dans_tableau[0]:
            entete_tableau(p, colonnes)

    p = Pages(suite=suite)
    if t.numero is None:
        p.filigrane("PROJET")
    en_tete(p, t.en_tete)
    _bloc_titre(p, t, titre)
    _bloc_debiteur(p, t)
    _bloc_piece(p, t)
    dans_tableau[0] = True
    _imputations(p, t, colonnes)
    dans_tableau[0] = False
    p.y -= 10
    if t.montant < 0:  # the amount taken off the titre corrected, in words without a sign
        paragraphe(p, "Arrêté le présent titre d'annulation / réduction à la somme de :", GAUCHE, UTILE,
                   NORMAL, 9, 24)
        paragraphe(p, f"{montant_en_lettres(-t.montant)} ({format_eur(-t.montant, symbol=True)}) "
                      f"en réduction du titre corrigé", GAUCHE + 12, UTILE - 12, GRAS, 9.5)
    else:
        paragraphe(p, "Arrêté le présent titre à la somme de :", GAUCHE, UTILE, NORMAL, 9, 24)
        paragraphe(p, f"{montant_en_lettres(t.montant)} ({format_eur(t.montant, symbol=True)})",
                   GAUCHE + 12, UTILE - 12, GRAS, 9.5)
    p.y -= 8
    paragraphe(p, f"Pièces justificatives jointes ({len(t.pj)}) :" if t.pj
               else "Pièces justificatives jointes : aucune", GAUCHE, UTILE, GRAS, 8.5, 10)
    for nom in t.pj:
        paragraphe(p, f"–  {nom}", GAUCHE + 12, UTILE - 12, NORMAL, 8.5)
    if t.montant > 0:
        p.y -= 6
        paragraphe(p, EXECUTOIRE, GAUCHE, UTILE, ITALIQUE, 8)
    p.place(HAUTEUR_SIGNATURE)
    signature(p, t.lieu_date, t.signataire)
    return p


def _bloc_titre(p: Pages, t: TitreImprime, titre: str) -> None:
    p.y -= 4
    p.ligne(titre, LARGEUR / 2, GRAS, 15, "c")
    if t.numero is None:
        p.ligne("Projet non numéroté : document de travail, à ne pas transmettre au comptable",
                LARGEUR / 2, GRAS, 9, "c")
    else:
        details = [f"Bordereau de titres n° {t.bordereau}"] if t.bordereau is not None else []
        if t.date_emission is not None:
            details.append(f"Émis le {format_date(t.date_emission)}")
        if details:
            p.ligne("     ·     ".join(details), LARGEUR / 2, NORMAL, 9.5, "c")
    p.y -= 8


def _bloc_debiteur(p: Pages, t: TitreImprime) -> None:
    """Two boxes side by side: the débiteur, and the recouvrement (codes PES, ASAP)."""
    largeur_g = UTILE * 0.56 - 4
    x_d = GAUCHE + UTILE * 0.56 + 4
    largeur_d = DROITE - x_d
    gauche = [(l, GRAS, 9.5) for l in couper(t.debiteur, GRAS, 9.5, largeur_g - 2 * PADDING - 4)]
    gauche += [(l, NORMAL, 8.5) for l in t.debiteur_adresse]
    if t.debiteur_siret:
        gauche.append((f"SIRET : {format_siret(t.debiteur_siret)}", NORMAL, 8.5))
    droite = []
    for etiquette, valeur in (("Type de pièce", t.type_piece), ("Nature", t.nature_piece),
                              ("Type ASAP", t.type_asap or ("aucun (ASAP non dématérialisé)"
                                                            if t.montant > 0 else "")),
                              ("Code produit", t.code_produit),
                              ("Échéance", format_date(t.date_echeance) if t.date_echeance else "")):
        if valeur:
            droite += [(l, NORMAL, 8.5) for l in couper(f"{etiquette} : {valeur}", NORMAL, 8.5,
                                                        largeur_d - 2 * PADDING - 4)]
    hauteur = 12 + max(len(gauche), len(droite)) * 11.2 + 2 * PADDING
    haut = p.y
    for x, largeur, titre, lignes in ((GAUCHE, largeur_g, "DÉBITEUR", gauche),
                                      (x_d, largeur_d, "RECOUVREMENT", droite)):
        cadre_titre(p, x, haut, largeur, hauteur, titre)
        p.y = haut - 12 - PADDING
        for texte, police, taille in lignes:
            p.ligne(texte, x + PADDING + 2, police, taille)
    p.y = haut - hauteur - 10


def _bloc_piece(p: Pages, t: TitreImprime) -> None:
    avoir = "" if t.avoir and t.objet.startswith(t.avoir.split(" du ")[0]) else t.avoir
    rangs = [("Objet", t.objet), ("Pièces", t.pieces), ("Avoir", avoir),
             ("Réf. rattachement", t.references_rattachement),
             ("Titre corrigé", t.origine)]
    for etiquette, valeur in rangs:
        if not valeur:
            continue
        lignes = couper(valeur, NORMAL, 9, UTILE - _ETIQUETTE)
        p.place(len(lignes) * 11.25)
        p.texte(GAUCHE, p.y - 8.55, f"{etiquette} :", GRAS, 8.5)
        for ligne in lignes:
            p.ligne(ligne, GAUCHE + _ETIQUETTE, NORMAL, 9)
    p.y -= 10


def _imputations(p: Pages, t: TitreImprime, colonnes: tuple[Colonne, ...]) -> None:
    p.place(60)
    p.ligne("Imputations", GAUCHE, GRAS, 9.5)
    p.y -= 2
    entete_tableau(p, colonnes)
    for i in t.imputations:
        debut = (f"{i.article} {i.libelle_article}".strip(), i.designation, i.fonction, i.operation,
                 i.service)
        if t.avec_tva:
            valeurs = debut + (format_eur(i.montant_ht), i.taux_tva, format_eur(i.montant_tva),
                               format_eur(i.montant))
        else:
            valeurs = debut + (i.engagement, format_eur(i.montant))
        lignes, hauteur = cellules(colonnes, valeurs)
        p.place(hauteur)
        ligne_tableau(p, colonnes, lignes, hauteur)
    hauteur = 15.0
    p.place(hauteur)
    p.cadre(GAUCHE, p.y - hauteur, UTILE, hauteur, GRIS_FOND)
    if t.avec_tva:
        ht = total(i.montant_ht for i in t.imputations)
        tva = total(i.montant_tva for i in t.imputations)
        x_ht = DROITE - sum(c.largeur for c in colonnes[-4:])
        x = x_ht
        for colonne, montant in zip(colonnes[-4:], (ht, None, tva, t.montant)):
            p.trait(x, p.y, x, p.y - hauteur)
            if montant is not None:
                p.texte(x + colonne.largeur - PADDING, p.y - 10.5, format_eur(montant), GRAS, 8, "d")
            x += colonne.largeur
        p.texte(x_ht - PADDING, p.y - 10.5, "Total du titre", GRAS, 9, "d")
    else:
        x_montant = DROITE - colonnes[-1].largeur
        p.trait(x_montant, p.y, x_montant, p.y - hauteur)
        p.texte(x_montant - PADDING, p.y - 10.5, "Total du titre", GRAS, 9, "d")
        p.texte(DROITE - PADDING, p.y - 10.5, format_eur(t.montant), GRAS, 9, "d")
    p.y -= hauteur
