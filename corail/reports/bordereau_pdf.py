"""The printed bordereau of mandats (or titres: "N° titre", "Débiteur"), drawn from
``BordereauImprime``.

A table of its pieces (N°, tiers, objet, articles, montant) whose header is
repeated on every page; a page that continues carries *À reporter* at its foot
and the next one starts with *Report*. The last page gives the total of the
bordereau, the cumul of the earlier bordereaux and the cumul annuel, the total
in words ("Arrêté le présent bordereau à la somme de : …"), the number of
pieces and the signature. A bordereau of type 02 is titled *Bordereau
d'annulation / réduction*.

``ecrire_bordereau_pdf(bordereau, out)`` is a pure function; the PDF is
written to ``out`` at the end (a cancelled job writes nothing) and the same
input gives the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from corail.dates import format_date
from corail.jobs import NO_CONTROL, JobControl
from corail.money import ZERO, format_eur, total
from corail.reports.donnees import BordereauImprime
from corail.reports.montant_en_lettres import montant_en_lettres
from corail.reports.styles import (
    DROITE,
    GAUCHE,
    GRAS,
    GRIS_FOND,
    HAUTEUR_SIGNATURE,
    LARGEUR,
    NORMAL,
    PADDING,
    UTILE,
    Colonne,
    Pages,
    cellules,
    en_tete,
    en_tete_suite,
    enregistrer,
    entete_tableau,
    ligne_tableau,
    nouveau_canvas,
    paragraphe,
    pied_de_page,
    signature,
    tronquer,
)

__all__ = ["ecrire_bordereau_pdf", "mise_en_page_bordereau"]

_HAUTEUR_SOMME = 15.0  # a "Report" / "À reporter" / "Total" row


def ecrire_bordereau_pdf(bordereau: BordereauImprime, out: BinaryIO,
                         control: JobControl = NO_CONTROL) -> int:
    """Write the bordereau to ``out`` as a PDF; returns the number of pages.

    ``control.step(page, pages)`` after each page drawn; ``Cancelled`` leaves
    ``out`` untouched. ValueError when the total is not the sum of the lines or
    the cumul annuel not cumul précédent + total.
    """
    control.step(0, -1)
    p = mise_en_page_bordereau(bordereau)
    e = bordereau.en_tete
    canvas = nouveau_canvas(out, f"{_titre(bordereau)} — {e.collectivite} — {e.budget} — {e.exercice}",
                            f"Bordereau de {bordereau.type_pieces}")
    pages = p.rendre(canvas, pied_de_page(_pied(bordereau)), control.step)
    enregistrer(canvas)
    return pages


def _singulier(b: BordereauImprime) -> str:
    return "titre" if b.type_pieces.startswith("titre") else "mandat"


def _titre(b: BordereauImprime) -> str:
    if b.type_bordereau.startswith("02"):
        return f"BORDEREAU D'ANNULATION / RÉDUCTION N° {b.numero}"
    return f"BORDEREAU DES {_singulier(b).upper()}S ÉMIS N° {b.numero}"


def _pied(b: BordereauImprime) -> str:
    nature = "Bordereau d'annulation / réduction" if b.type_bordereau.startswith("02") else "Bordereau"
    return (f"{nature} de {_singulier(b)}s n° {b.numero} — {b.en_tete.budget} — "
            f"Exercice {b.en_tete.exercice}")


def _colonnes(b: BordereauImprime) -> tuple[Colonne, ...]:
    tiers = "Débiteur" if _singulier(b) == "titre" else "Tiers"
    return (Colonne(f"N° {_singulier(b)}", 52, "c"), Colonne(tiers, 140), Colonne("Objet", 175),
            Colonne("Article(s)", 62), Colonne("Montant", UTILE - 429, "d"))


@dataclass
class _Etat:
    report: Decimal = ZERO  # total of the lines already printed
    dans_tableau: bool = False


def mise_en_page_bordereau(b: BordereauImprime) -> Pages:
    """The bordereau laid out on its pages (nothing drawn yet)."""
    somme = total(l.montant for l in b.lignes)
    if somme != b.total:
        raise ValueError(f"bordereau {b.numero} : total {format_eur(b.total)} différent de la "
                         f"somme des lignes {format_eur(somme)}")
    if b.cumul_precedent + b.total != b.cumul_annuel:
        raise ValueError(f"bordereau {b.numero} : cumul annuel {format_eur(b.cumul_annuel)} "
                         f"différent du cumul précédent + total")
    colonnes = _colonnes(b)
    titre = _titre(b)
    etat = _Etat()

    def suite(p: Pages) -> None:
        en_tete_suite(p, b.en_tete, f"{titre} (suite)")
        if etat.dans_tableau:
            entete_tableau(p, colonnes)
            _ligne_somme(p, "Report", etat.report, fond=None)

    p = Pages(suite=suite)
    en_tete(p, b.en_tete)
    _bloc_titre(p, b, titre)
    etat.dans_tableau = True
    entete_tableau(p, colonnes)
    for ligne in b.lignes:
        valeurs = (str(ligne.numero), ligne.tiers, ligne.objet, ligne.articles,
                   format_eur(ligne.montant))
        lignes, hauteur = cellules(colonnes, valeurs)
        if p.y - hauteur - _HAUTEUR_SOMME < p.bas:
            _ligne_somme(p, "À reporter", etat.report, fond=None)
            p.nouvelle_page()
        ligne_tableau(p, colonnes, lignes, hauteur)
        etat.report += ligne.montant
    _ligne_somme(p, "Total du bordereau", b.total, fond=GRIS_FOND)
    etat.dans_tableau = False
    _bloc_totaux(p, b)
    return p


def _bloc_titre(p: Pages, b: BordereauImprime, titre: str) -> None:
    p.y -= 4
    p.ligne(titre, LARGEUR / 2, GRAS, 15, "c")
    if b.type_bordereau.startswith("02"):
        p.ligne(f"{_singulier(b).capitalize()}s annulés ou réduits", LARGEUR / 2, GRAS, 10, "c")
    details = [f"Exercice {b.en_tete.exercice}", f"Émis le {format_date(b.date_emission)}"]
    if b.train:
        details.append(f"Train : {b.train}")
    details.append(f"Type : {b.type_bordereau}")
    p.ligne(tronquer("     ·     ".join(details), NORMAL, 9.5, UTILE), LARGEUR / 2, NORMAL, 9.5, "c")
    p.y -= 10


def _ligne_somme(p: Pages, libelle: str, montant: Decimal, fond: float | None) -> None:
    """A full-width row: the label right-aligned before the Montant column, the amount in it."""
    haut = p.y
    p.cadre(GAUCHE, haut - _HAUTEUR_SOMME, UTILE, _HAUTEUR_SOMME, fond)
    x_montant = DROITE - (UTILE - 429)
    p.trait(x_montant, haut, x_montant, haut - _HAUTEUR_SOMME)
    p.texte(x_montant - PADDING, haut - 10.5, libelle, GRAS, 8.5, "d")
    p.texte(DROITE - PADDING, haut - 10.5, format_eur(montant), GRAS, 8.5, "d")
    p.y = haut - _HAUTEUR_SOMME


def _bloc_totaux(p: Pages, b: BordereauImprime) -> None:
    """Totals and cumuls, the total in words, the count of pieces, remarks and signature."""
    p.y -= 14
    p.place(3 * 13 + 12 + 40)
    x_libelle = GAUCHE + UTILE * 0.42
    haut = p.y
    p.cadre(x_libelle - PADDING - 2, haut - 3 * 13 - 2 * PADDING, DROITE - x_libelle + PADDING + 2,
            3 * 13 + 2 * PADDING)
    p.y -= PADDING
    for libelle, montant, police in (("Total du présent bordereau", b.total, GRAS),
                                     ("Cumul des bordereaux précédents", b.cumul_precedent, NORMAL),
                                     (f"Cumul annuel (exercice {b.en_tete.exercice})",
                                      b.cumul_annuel, GRAS)):
        p.texte(x_libelle, p.y - 9.5, libelle, police, 9)
        p.texte(DROITE - PADDING, p.y - 9.5, format_eur(montant), police, 9, "d")
        p.y -= 13
    p.y = haut - 3 * 13 - 2 * PADDING - 12
    paragraphe(p, "Arrêté le présent bordereau à la somme de :", GAUCHE, UTILE, NORMAL, 9, 24)
    paragraphe(p, f"{montant_en_lettres(b.total)} ({format_eur(b.total, symbol=True)})",
               GAUCHE + 12, UTILE - 12, GRAS, 9.5)
    p.y -= 6
    nombre = len(b.lignes)
    mot = _singulier(b) + ("s" if nombre > 1 else "")
    paragraphe(p, f"Nombre de pièces : {nombre} {mot}", GAUCHE, UTILE, NORMAL, 9)
    for remarque in b.remarques:
        paragraphe(p, remarque, GAUCHE, UTILE, NORMAL, 8.5)
    p.place(HAUTEUR_SIGNATURE)
    signature(p, b.lieu_date, b.signataire)
