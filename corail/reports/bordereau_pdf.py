"""The printed bordereau of mandats (or titres: "N° titre", "Débiteur"), drawn from
``BordereauImprime``.

A table of its pieces (N°, tiers, objet, articles, montant) whose header is
repeated on every page; when its lines are ``LigneBordereauTva`` (the bordereau
de titres), HT, TVA and TTC per pièce, in the reports and in the totals; a page that continues carries *À reporter* at its foot
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

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from corail.dates import format_date
from corail.jobs import NO_CONTROL, JobControl
from corail.money import ZERO, format_eur, total
from corail.reports.donnees import BordereauImprime, LigneBordereau, LigneBordereauTva
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
    arrete,
    cellules,
    en_tete,
    en_tete_suite,
    enregistrer,
    entete_tableau,
    ligne_somme,
    ligne_tableau,
    nouveau_canvas,
    paragraphe,
    pied_de_page,
    signature,
    tronquer,
)

__all__ = ["LigneBordereauTva", "ecrire_bordereau_pdf", "mise_en_page_bordereau"]

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


def _avec_tva(b: BordereauImprime) -> bool:
    """True when every line has its HT and TVA (ValueError when only some have them)."""
    avec = [isinstance(l, LigneBordereauTva) for l in b.lignes]
    if any(avec) and not all(avec):
        raise ValueError(f"bordereau {b.numero} : HT et TVA donnés pour une partie des lignes seulement")
    for l in b.lignes:
        if any(avec) and l.montant_ht + l.montant_tva != l.montant:
            raise ValueError(f"bordereau {b.numero} : HT + TVA ≠ TTC pour le {_singulier(b)} n° {l.numero}")
    return any(avec)


def _colonnes(b: BordereauImprime, avec_tva: bool) -> tuple[Colonne, ...]:
    tiers = "Débiteur" if _singulier(b) == "titre" else "Tiers"
    if avec_tva:
        return (Colonne(f"N° {_singulier(b)}", 44, "c"), Colonne(tiers, 112), Colonne("Objet", 130),
                Colonne("Article(s)", 52), Colonne("Montant HT", 58, "d"), Colonne("TVA", 52, "d"),
                Colonne("Montant TTC", UTILE - 448, "d"))
    return (Colonne(f"N° {_singulier(b)}", 52, "c"), Colonne(tiers, 140), Colonne("Objet", 175),
            Colonne("Article(s)", 62), Colonne("Montant", UTILE - 429, "d"))


def _montants(l: LigneBordereau, avec_tva: bool) -> tuple[Decimal, ...]:
    return (l.montant_ht, l.montant_tva, l.montant) if avec_tva else (l.montant,)


@dataclass
class _Etat:
    report: list[Decimal]  # totals of the lines already printed: TTC, or HT, TVA, TTC
    dans_tableau: bool = False


def mise_en_page_bordereau(b: BordereauImprime) -> Pages:
    """The bordereau laid out on its pages (nothing drawn yet)."""
    des_lignes = total(l.montant for l in b.lignes)
    if des_lignes != b.total:
        raise ValueError(f"bordereau {b.numero} : total {format_eur(b.total)} différent de la "
                         f"somme des lignes {format_eur(des_lignes)}")
    if b.cumul_precedent + b.total != b.cumul_annuel:
        raise ValueError(f"bordereau {b.numero} : cumul annuel {format_eur(b.cumul_annuel)} "
                         f"différent du cumul précédent + total")
    avec_tva = _avec_tva(b)
    colonnes = _colonnes(b, avec_tva)
    titre = _titre(b)
    etat = _Etat(report=[ZERO] * (3 if avec_tva else 1))

    def somme(p: Pages, libelle: str, montants: Iterable[Decimal], fond: float | None) -> None:
        ligne_somme(p, colonnes, libelle, tuple(format_eur(m) for m in montants), fond, 8.5,
                    hauteur=_HAUTEUR_SOMME)

    def suite(p: Pages) -> None:
        en_tete_suite(p, b.en_tete, f"{titre} (suite)")
        if etat.dans_tableau:
            entete_tableau(p, colonnes)
            somme(p, "Report", etat.report, fond=None)

    p = Pages(suite=suite)
    en_tete(p, b.en_tete)
    _bloc_titre(p, b, titre)
    etat.dans_tableau = True
    entete_tableau(p, colonnes)
    for ligne in b.lignes:
        montants = _montants(ligne, avec_tva)
        valeurs = (str(ligne.numero), ligne.tiers, ligne.objet, ligne.articles,
                   *(format_eur(m) for m in montants))
        lignes, hauteur = cellules(colonnes, valeurs)
        if p.y - hauteur - _HAUTEUR_SOMME < p.bas:
            somme(p, "À reporter", etat.report, fond=None)
            p.nouvelle_page()
        ligne_tableau(p, colonnes, lignes, hauteur)
        etat.report = [r + m for r, m in zip(etat.report, montants)]
    somme(p, "Total du bordereau", etat.report, fond=GRIS_FOND)
    etat.dans_tableau = False
    _bloc_totaux(p, b, etat.report if avec_tva else None)
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


def _bloc_totaux(p: Pages, b: BordereauImprime, ht_tva_ttc: list[Decimal] | None) -> None:
    """Totals (HT and TVA first when given) and cumuls, the total in words, the count of pieces,
    remarks and signature."""
    rangs = [("Total du présent bordereau", b.total, GRAS),
             ("Cumul des bordereaux précédents", b.cumul_precedent, NORMAL),
             (f"Cumul annuel (exercice {b.en_tete.exercice})", b.cumul_annuel, GRAS)]
    if ht_tva_ttc is not None:
        rangs[:1] = [("Total HT du présent bordereau", ht_tva_ttc[0], NORMAL),
                     ("Total TVA du présent bordereau", ht_tva_ttc[1], NORMAL),
                     ("Total TTC du présent bordereau", b.total, GRAS)]
        rangs[3:] = [(f"{libelle} (TTC)", montant, police) for libelle, montant, police in rangs[3:]]
    hauteur = len(rangs) * 13 + 2 * PADDING
    p.y -= 14
    p.place(len(rangs) * 13 + 52)
    x_libelle = GAUCHE + UTILE * 0.42
    haut = p.y
    p.cadre(x_libelle - PADDING - 2, haut - hauteur, DROITE - x_libelle + PADDING + 2, hauteur)
    p.y -= PADDING
    for libelle, montant, police in rangs:
        p.texte(x_libelle, p.y - 9.5, libelle, police, 9)
        p.texte(DROITE - PADDING, p.y - 9.5, format_eur(montant), police, 9, "d")
        p.y -= 13
    p.y = haut - hauteur - 12
    arrete(p, "Arrêté le présent bordereau à la somme de :", b.total)
    p.y -= 6
    nombre = len(b.lignes)
    mot = _singulier(b) + ("s" if nombre > 1 else "")
    paragraphe(p, f"Nombre de pièces : {nombre} {mot}", GAUCHE, UTILE, NORMAL, 9)
    for remarque in b.remarques:
        paragraphe(p, remarque, GAUCHE, UTILE, NORMAL, 8.5)
    p.place(HAUTEUR_SIGNATURE)
    signature(p, b.lieu_date, b.signataire)
