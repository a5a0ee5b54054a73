"""The avis des sommes à payer (ASAP) as the debtor receives it, drawn from ``AvisImprime``.

One A4 page (more when the lines do not fit): the collectivité and the references of the titre;
the debtor's address where the window of a French DL envelope shows it (A4 folded in three:
about 110 mm from the left, 50 mm from the top); who to ask and where to pay; the lines with
their VAT and the totals, the amount in words; the modalités de règlement and the voies de
recours; the signataire; and at the foot of the last page the **talon** to detach and send with
the payment, with the references and the two lines of the talon optique.

The optical lines are printed in Courier Bold: the OCR-B font of real talons is not one of the
PDF standard fonts (embedding one is left to a later version). A titre not numbered yet gives a
*PROJET* (grey across the page, no optical lines): never to be sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from corail.dates import format_date
from corail.formats.pes_facture import FactureAsap
from corail.money import format_eur
from corail.reports.montant_en_lettres import montant_en_lettres
from corail.reports.styles import (
    DROITE,
    GAUCHE,
    GRAS,
    GRIS_FOND,
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
    enregistrer,
    entete_tableau,
    ligne_tableau,
    nouveau_canvas,
    paragraphe,
    pied_de_page,
    tronquer,
)

__all__ = ["AvisImprime", "ecrire_avis_pdf", "mise_en_page_avis"]

MM = 72 / 25.4
OCR = "Courier-Bold"
TYPES = {"01": "ASAP édité et envoyé par la DGFiP", "02": "ASAP transmis par Chorus Pro",
         "04": "ASAP envoyé par la collectivité"}
COLONNES = (
    Colonne("Désignation", UTILE - 346), Colonne("Quantité", 46, "d"),
    Colonne("Prix unitaire HT", 66, "d"), Colonne("TVA %", 36, "d"), Colonne("Montant HT", 66, "d"),
    Colonne("TVA", 60, "d"), Colonne("Montant TTC", 72, "d"),
)
HAUTEUR_TALON = 64 * MM
X_FENETRE = 110 * MM
LARGEUR_FENETRE = DROITE - X_FENETRE


@dataclass(frozen=True)
class AvisImprime:
    facture: FactureAsap
    type_asap: str  # 01 | 02 | 04
    projet: bool  # titre not numbered: the references and the talon optique are not final
    collectivite_siret: str = ""
    tresorerie_email: str = ""
    lieu_date: str = ""  # "À Toulouse, le 15/10/2026"


def _adresse(a) -> list[str]:
    if a is None:
        return []
    lignes = [x for x in (a.adr1, a.adr2, a.adr3) if x]
    lignes.append(" ".join(x for x in (a.cp, a.ville) if x))
    return lignes


def _references(f: FactureAsap) -> str:
    if not (f.num_bordereau and f.num_titre):
        return f"Exercice {f.exercice_titre or f.annee} — titre non numéroté"
    return f"Exercice {f.exercice_titre} — Bordereau n° {f.num_bordereau} — Titre n° {f.num_titre}"


def _pied(a: AvisImprime) -> str:
    f = a.facture
    return f"Avis des sommes à payer — {f.emetteur.nom} — {_references(f)} — {f.debiteur.nom}"


def _quantite(q) -> str:
    texte = f"{q.normalize():f}"
    return texte.replace(".", ",")


def _taux(t) -> str:
    return f"{t:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _en_tete(p: Pages, a: AvisImprime) -> None:
    f, e = a.facture, a.facture.emetteur
    haut = p.y
    largeur = X_FENETRE - GAUCHE - 12
    for ligne in couper(e.nom, GRAS, 12, largeur):
        p.ligne(ligne, GAUCHE, GRAS, 12)
    for ligne in _adresse(e.adresse):
        p.ligne(ligne, GAUCHE, NORMAL, 9)
    if a.collectivite_siret:
        p.ligne(f"SIRET : {a.collectivite_siret}", GAUCHE, NORMAL, 8.5)
    bas_gauche = p.y
    # references, top right (above the envelope window)
    hauteur = 25 * MM
    cadre_titre(p, X_FENETRE, haut, LARGEUR_FENETRE, hauteur, "AVIS DES SOMMES À PAYER")
    p.y = haut - 12 - PADDING
    x = X_FENETRE + PADDING + 2
    for texte, police, taille in (
            (_references(f), GRAS, 8.5),
            (f"Date d'émission : {format_date(f.date_emission)}", NORMAL, 8.5),
            (f"Référence de la facture : {f.numero_facture}", NORMAL, 8.5),
            (TYPES.get(a.type_asap, ""), ITALIQUE, 8)):
        p.ligne(tronquer(texte, police, taille, LARGEUR_FENETRE - 2 * PADDING - 4), x, police, taille)
    if a.projet:
        p.ligne("PROJET : à ne pas envoyer au débiteur", x, GRAS, 8.5)
    p.y = min(bas_gauche, haut - hauteur) - 4


def _fenetre(p: Pages, a: AvisImprime) -> None:
    """The debtor's address, where a DL window envelope shows it; the contacts on its left."""
    haut = p.y
    d = a.facture.debiteur
    p.y = min(haut, p.y)
    y_fenetre = 50 * MM
    p.y = min(p.y, 841.89 - y_fenetre)
    depart = p.y
    for ligne in [x for x in (" ".join(x for x in (d.civilite, d.prenom, d.nom) if x), d.compl_nom) if x]:
        p.ligne(tronquer(ligne.upper(), GRAS, 10, LARGEUR_FENETRE), X_FENETRE, GRAS, 10)
    for ligne in _adresse(d.adresse):
        p.ligne(tronquer(ligne.upper(), NORMAL, 10, LARGEUR_FENETRE), X_FENETRE, NORMAL, 10)
    bas_fenetre = p.y
    # contacts on the left of the window
    p.y = depart
    largeur = X_FENETRE - GAUCHE - 14
    e, t = a.facture.emetteur, a.facture.tresorerie
    p.ligne("Une question sur cette somme ?", GAUCHE, GRAS, 8.5)
    for texte in (e.nom, f"Tél. : {e.telephone}" if e.telephone else "",
                  f"Accueil : {e.horaires}" if e.horaires else ""):
        for ligne in couper(texte, NORMAL, 8, largeur) if texte else ():
            p.ligne(ligne, GAUCHE, NORMAL, 8)
    p.y -= 3
    p.ligne("Votre comptable public (paiement) :", GAUCHE, GRAS, 8.5)
    for texte in [t.nom, *_adresse(t.adresse), f"Tél. : {t.telephone}" if t.telephone else "",
                  a.tresorerie_email]:
        for ligne in couper(texte, NORMAL, 8, largeur) if texte else ():
            p.ligne(ligne, GAUCHE, NORMAL, 8)
    p.y = min(p.y, bas_fenetre, 841.89 - 92 * MM) - 6


def _lignes(p: Pages, f: FactureAsap, dans_tableau: list[bool]) -> None:
    for etiquette, valeur in (("Objet", f.objet),):
        lignes = couper(valeur, NORMAL, 9, UTILE - 40)
        p.texte(GAUCHE, p.y - 8.55, f"{etiquette} :", GRAS, 8.5)
        for ligne in lignes:
            p.ligne(ligne, GAUCHE + 40, NORMAL, 9)
    p.y -= 4
    entete_tableau(p, COLONNES)
    dans_tableau[0] = True  # a continuation page repeats the header
    for l in sorted(f.lignes, key=lambda x: x.ordre):
        valeurs = (l.libelle, _quantite(l.quantite), format_eur(l.prix_unitaire_ht), _taux(l.taux_tva),
                   format_eur(l.montant_ht), format_eur(l.montant_tva), format_eur(l.montant_ttc))
        lignes, hauteur = cellules(COLONNES, valeurs)
        p.place(hauteur)
        ligne_tableau(p, COLONNES, lignes, hauteur)
    dans_tableau[0] = False
    largeur = sum(c.largeur for c in COLONNES[-3:])
    x = DROITE - largeur
    for libelle, montant, police, fond in (("Total HT", f.total_ht, NORMAL, None),
                                           ("Total TVA", f.total_tva, NORMAL, None),
                                           ("Net à payer", f.total_ttc, GRAS, GRIS_FOND)):
        p.place(14)
        p.cadre(x, p.y - 14, largeur, 14, fond)
        p.texte(x + PADDING, p.y - 10, libelle, police, 9)
        p.texte(DROITE - PADDING, p.y - 10, format_eur(f.total_ttc if montant is None else montant,
                                                       symbol=True), police, 9, "d")
        p.y -= 14
    p.y -= 8
    paragraphe(p, f"Arrêté le présent avis à la somme de : {montant_en_lettres(f.total_ttc)}.",
               GAUCHE, UTILE, GRAS, 9)


def _mentions(p: Pages, a: AvisImprime) -> None:
    f = a.facture
    p.y -= 6
    for titre, texte in (("Modalités de règlement", f.modalites_reglement),
                         ("Voies et délais de recours", f.modalites_contestation),
                         ("", f.conditions_generales)):
        if not texte:
            continue
        p.place(24)
        if titre:
            p.ligne(titre, GAUCHE, GRAS, 8.5)
        paragraphe(p, texte, GAUCHE, UTILE, ITALIQUE if not titre else NORMAL, 8)
        p.y -= 3
    p.place(40)
    x = GAUCHE + UTILE * 0.56
    p.y -= 4
    if a.lieu_date:
        p.ligne(a.lieu_date, x, NORMAL, 9)
    p.ligne(f"{f.signataire_role},", x, NORMAL, 9)
    p.ligne(f"{f.signataire_prenom} {f.signataire_nom}", x, GRAS, 9)


def _talon(p: Pages, a: AvisImprime) -> None:
    """The detachable stub at the foot of the page (its top at ``HAUTEUR_TALON`` above the footer)."""
    f = a.facture
    haut = p.bas + HAUTEUR_TALON
    x = GAUCHE
    while x < DROITE:  # the cut line, dashed
        p.trait(x, haut, min(x + 6, DROITE), haut, 0.6)
        x += 10
    p.texte(LARGEUR / 2, haut + 3, "Partie à détacher et à joindre à votre règlement", ITALIQUE, 7, "c")
    p.y = haut - 8
    p.ligne("TALON DE PAIEMENT", GAUCHE, GRAS, 10)
    gauche = [(f.emetteur.nom, GRAS), (_references(f), NORMAL),
              (f"Débiteur : {' '.join(x for x in (f.debiteur.nom, f.debiteur.compl_nom) if x)}", NORMAL),
              (f"Référence : {f.numero_facture}", NORMAL)]
    y0 = p.y
    for texte, police in gauche:
        p.ligne(tronquer(texte, police, 8.5, UTILE * 0.55), GAUCHE, police, 8.5)
    bas = p.y
    p.y = y0
    xd = GAUCHE + UTILE * 0.58
    cadre_titre(p, xd, y0 + 2, DROITE - xd, 34, "MONTANT À PAYER")
    p.texte(DROITE - PADDING - 4, y0 - 27, format_eur(f.total_ttc, symbol=True), GRAS, 13, "d")
    p.y = min(bas, y0 - 40) - 4
    ce = f.centre_encaissement
    y_envoi = p.y
    paragraphe(p, "Paiement par chèque à l'ordre du Trésor public : joignez ce talon, sans l'agrafer, "
               "et envoyez-les à l'adresse ci-contre.", GAUCHE, UTILE * 0.55, NORMAL, 8)
    for ligne in (" ".join(x for x in (ce.nom, ce.compl_nom) if x), *_adresse(ce.adresse)):
        p.texte(xd, y_envoi - 8, ligne, GRAS, 8)
        y_envoi -= 10
    p.y = min(p.y, y_envoi) - 6
    if a.projet:
        p.ligne("Projet : le talon optique sera calculé à la numérotation du titre.", GAUCHE, ITALIQUE, 8)
        return
    boite = 30.0
    p.cadre(GAUCHE, p.y - boite, UTILE, boite)
    p.y -= 5
    for ligne in f.talon:
        p.ligne(ligne, GAUCHE + 12, OCR, 11)


def mise_en_page_avis(a: AvisImprime) -> Pages:
    titre = "AVIS DES SOMMES À PAYER"
    dans_tableau = [False]

    def suite(p: Pages) -> None:
        if a.projet:
            p.filigrane("PROJET")
        p.ligne(tronquer(f"{a.facture.emetteur.nom} — {titre} (suite) — {_references(a.facture)}",
                         NORMAL, 8.5, UTILE), GAUCHE, NORMAL, 8.5)
        p.trait(GAUCHE, p.y, DROITE, p.y, 0.8)
        p.y -= 10
        if dans_tableau[0]:
            entete_tableau(p, COLONNES)

    p = Pages(suite=suite)
    if a.projet:
        p.filigrane("PROJET")
    _en_tete(p, a)
    _fenetre(p, a)
    _lignes(p, a.facture, dans_tableau)
    _mentions(p, a)
    if p.y - HAUTEUR_TALON - 14 < p.bas:
        p.nouvelle_page()
    _talon(p, a)
    return p


def ecrire_avis_pdf(avis: AvisImprime, out: BinaryIO) -> int:
    """Write the avis to ``out`` as a PDF; returns its number of pages."""
    f = avis.facture
    canvas = nouveau_canvas(out, f"Avis des sommes à payer — {f.emetteur.nom} — {_references(f)}",
                            "Avis des sommes à payer")
    pages = mise_en_page_avis(avis).rendre(canvas, pied_de_page(_pied(avis)))
    enregistrer(canvas)
    return pages
