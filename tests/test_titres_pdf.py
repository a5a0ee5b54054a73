"""The printed titres de recettes and bordereau de titres (reportlab), read back with pypdf.

No database and no Qt: the printed data are built by hand, as services/edition.py would."""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from corail.money import format_eur
from corail.reports.bordereau_pdf import LigneBordereauTva, ecrire_bordereau_pdf
from corail.reports.donnees import BordereauImprime, LigneBordereau
from corail.reports.montant_en_lettres import montant_en_lettres
from corail.reports.titre_pdf import (
    ImputationTitreImprimee,
    TitreImprime,
    ecrire_titres_pdf,
)
from tests.test_reports_pdf import EN_TETE, textes


def ligne(ht: str, taux: str = "", tva: str = "0.00", article: str = "70323") -> ImputationTitreImprimee:
    ht_d, tva_d = Decimal(ht), Decimal(tva)
    return ImputationTitreImprimee(article, "Redevance d'occupation du domaine public", "Terrasse été 2026",
                                   "020", "", "ADM", "", ht_d, taux, tva_d, ht_d + tva_d)


def titre(numero: int | None = 7, *lignes: ImputationTitreImprimee, **champs) -> TitreImprime:
    lignes = lignes or (ligne("1500.00"), ligne("277.42"))
    t = TitreImprime(
        en_tete=EN_TETE, numero=numero, bordereau=2 if numero else None,
        date_emission=date(2026, 10, 15), debiteur="SARL Le Bistrot de la Place",
        debiteur_adresse=("4 place de l'Église", "31999 Saint-Aubin-sur-Corail"),
        debiteur_siret="55210055400013", objet="Occupation du domaine public : terrasse, saison 2026",
        pieces="Arrêté municipal n° 2026-118", type_piece="01 – Titre ordinaire",
        nature_piece="01 – Fonctionnement", imputations=lignes,
        montant=sum((l.montant for l in lignes), Decimal("0.00")),
        type_asap="01 – Avis des sommes à payer à éditer", code_produit="ODP",
        pj=("Arrêté 2026-118.pdf",), lieu_date="À Saint-Aubin-sur-Corail, le 15/10/2026",
        signataire="Le Maire, Jeanne Dupré")
    return replace(t, **champs)


def texte_pdf(data: bytes) -> list[str]:
    """Each page's text, spaces (no-break ones too) normalized."""
    return textes(data)


def pdf(*titres: TitreImprime) -> tuple[bytes, int]:
    out = io.BytesIO()
    pages = ecrire_titres_pdf(list(titres), out)
    return out.getvalue(), pages


def test_titre_numerote_montre_numero_debiteur_montants_et_mention_executoire():
    t = titre()
    data, pages = pdf(t)
    (page,) = texte_pdf(data)
    assert pages == 1
    assert "TITRE DE RECETTES N° 7" in page and "Bordereau de titres n° 2" in page
    assert "SARL Le Bistrot de la Place" in page and "552 100 554 00013" in page
    assert format_eur(t.montant) == "1\u00a0777,42" and "1 777,42" in page
    assert montant_en_lettres(t.montant) in page
    assert "01 – Avis des sommes à payer à éditer" in page and "exécutoire" in page
    assert ecrire_titres_pdf([t], io.BytesIO()) == 1 and pdf(t)[0] == data  # same input, same bytes


def test_titre_avec_tva_montre_ht_tva_ttc_et_leurs_totaux():
    t = titre(8, ligne("1000.00", "20 %", "200.00"), ligne("33.33", "5,5 %", "1.83", article="7067"),
              avec_tva=True)
    (page,) = texte_pdf(pdf(t)[0])
    for attendu in ("1 000,00", "200,00", "1 200,00", "33,33", "1,83", "35,16", "5,5 %",
                    "1 033,33", "201,83", "1 235,16"):
        assert attendu in page, attendu


def test_projet_annulation_et_pages_multiples():
    projet = texte_pdf(pdf(titre(None))[0])[0]
    assert "TITRE DE RECETTES — PROJET" in projet and "à ne pas transmettre" in projet
    annul = titre(9, ligne("-200.00"), origine="Titre n° 7 / 2026 du 15/10/2026 (1 777,42)", type_asap="")
    page = texte_pdf(pdf(annul)[0])[0]
    assert "TITRE D'ANNULATION / RÉDUCTION N° 9" in page and "Titre n° 7 / 2026" in page
    assert "Bordereau de titres n° 2 (annulation / réduction)" in page
    assert "-200,00" in page and "exécutoire" not in page and "Type ASAP" not in page
    assert "deux cents euros (200,00 €) en réduction du titre corrigé" in page
    long = titre(10, *(ligne(f"{n}.00") for n in range(1, 61)))
    data, pages = pdf(long)
    textes = texte_pdf(data)
    assert pages == len(textes) >= 2 and "(suite)" in textes[1] and f"Page 2/{pages}" in textes[1]


def test_titre_incoherent_refuse():
    with pytest.raises(ValueError, match="différent du total"):
        pdf(titre(montant=Decimal("1.00")))
    faux = replace(ligne("10.00", "20 %", "2.00"), montant=Decimal("12.01"))
    with pytest.raises(ValueError, match="HT \\+ TVA"):
        pdf(titre(1, faux, montant=Decimal("12.01")))
    with pytest.raises(ValueError, match="aucun titre"):
        ecrire_titres_pdf([], io.BytesIO())


def test_bordereau_de_titres():
    montants = [Decimal("1777.42"), Decimal("1235.16")]
    b = BordereauImprime(
        en_tete=EN_TETE, numero=2, type_bordereau="01 – Ordinaire", type_pieces="titres",
        date_emission=date(2026, 10, 15),
        lignes=tuple(LigneBordereau(7 + n, "SARL Le Bistrot de la Place", "Terrasse", "70323", m)
                     for n, m in enumerate(montants)),
        total=sum(montants, Decimal("0.00")), cumul_precedent=Decimal("500.00"),
        cumul_annuel=Decimal("500.00") + sum(montants, Decimal("0.00")),
        lieu_date="À Saint-Aubin-sur-Corail, le 15/10/2026", train="Normal")
    out = io.BytesIO()
    ecrire_bordereau_pdf(b, out)
    (page,) = texte_pdf(out.getvalue())
    assert "BORDEREAU DES TITRES ÉMIS N° 2" in page and "N° titre" in page and "Débiteur" in page
    assert "3 012,58" in page and "3 512,58" in page and "2 titres" in page


def test_colonne_article_montre_l_article_et_non_la_designation_repetee():
    libelle = "Redevance d'occupation du domaine public"
    repetee = replace(ligne("100.00"), designation=libelle)  # the default désignation: the libellé
    autre = replace(ligne("50.00", article="7067"), libelle_article="Redevances des services périscolaires")
    for avec_tva in (False, True):
        (page,) = texte_pdf(pdf(titre(7, repetee, autre, avec_tva=avec_tva))[0])
        assert page.count(libelle) == 1 and f"70323 {libelle}" in page
        assert "7067 Redevances des services périscolaires Terrasse été 2026" in page


def bordereau_tva(lignes: tuple[LigneBordereauTva, ...], **champs) -> BordereauImprime:
    somme = sum((l.montant for l in lignes), Decimal("0.00"))
    b = BordereauImprime(en_tete=EN_TETE, numero=3, type_bordereau="01 – Ordinaire", type_pieces="titres",
                         date_emission=date(2026, 10, 15), lignes=lignes, total=somme,
                         cumul_precedent=Decimal("500.00"), cumul_annuel=Decimal("500.00") + somme)
    return replace(b, **champs)


def ligne_tva(numero: int, ht: str, tva: str) -> LigneBordereauTva:
    return LigneBordereauTva(numero, "Quincaillerie Martin SARL", "Vente de bois de chauffage", "7088",
                             Decimal(ht) + Decimal(tva), Decimal(ht), Decimal(tva))


def pdf_bordereau(b: BordereauImprime) -> list[str]:
    out = io.BytesIO()
    ecrire_bordereau_pdf(b, out)
    return texte_pdf(out.getvalue())


def test_bordereau_de_titres_montre_ht_tva_ttc_par_titre_et_en_total():
    lignes = (ligne_tva(4, "1000.00", "200.00"), ligne_tva(5, "1000.00", "55.00"), ligne_tva(6, "86.40", "0.00"))
    (page,) = pdf_bordereau(bordereau_tva(lignes))
    assert "Montant HT" in page and "TVA" in page and "Montant TTC" in page
    for l in lignes:
        montants = " ".join(format_eur(m).replace("\u00a0", " ") for m in (l.montant_ht, l.montant_tva, l.montant))
        assert f"7088 {montants}" in page, montants
    assert "Total du bordereau 2 086,40 255,00 2 341,40" in page
    assert "Total HT du présent bordereau 2 086,40" in page and "Total TVA du présent bordereau 255,00" in page
    assert "Total TTC du présent bordereau 2 341,40" in page and "2 841,40" in page  # cumul annuel


def test_bordereau_de_titres_reporte_ht_tva_ttc_de_page_en_page():
    lignes = tuple(ligne_tva(n, f"{100 + n}.00", "0.20") for n in range(1, 61))
    pages = pdf_bordereau(bordereau_tva(lignes))
    assert len(pages) >= 2
    sur_la_page_1 = pages[0].count("Vente de bois")
    imprimees = lignes[:sur_la_page_1]
    report = " ".join(format_eur(sum((getattr(l, champ) for l in imprimees), Decimal("0.00"))).replace("\u00a0", " ")
                      for champ in ("montant_ht", "montant_tva", "montant"))
    assert f"À reporter {report}" in pages[0] and f"Report {report}" in pages[1]


def test_bordereau_de_titres_incoherent_refuse():
    bonne, mauvaise = ligne_tva(4, "1000.00", "200.00"), replace(ligne_tva(5, "10.00", "2.00"), montant_tva=Decimal("1.00"))
    with pytest.raises(ValueError, match="HT \\+ TVA"):
        pdf_bordereau(bordereau_tva((bonne, mauvaise)))
    sans = LigneBordereau(5, "Papeterie du Centre", "Cantine", "7067", Decimal("10.00"))
    with pytest.raises(ValueError, match="une partie des lignes"):
        pdf_bordereau(bordereau_tva((bonne, sans)))


def test_bordereau_de_titres_imprime_depuis_la_base_porte_ht_et_tva(session, ctx):
    """The service builds the bordereau de titres with each titre's HT and TVA (a titre without
    TVA: HT = TTC, TVA 0); the bordereau de mandats keeps its plain lines."""
    from corail.services.edition import bordereau_imprime
    from corail.services.tiers import TiersSaisie, creer_tiers
    from corail.services.titres import ImputationTitreSaisie, TitreSaisie, creer_titre, valider_titre
    from corail.services.titres_emission import numeroter_titres

    tiers = creer_tiers(session, ctx, TiersSaisie(
        nom="Centre social", type_identifiant="", adresse1="3 rue des Tilleuls", code_postal="31000",
        ville="Toulouse", cat_tiers="60")).id
    avec = creer_titre(session, ctx, TitreSaisie(tiers, (
        ImputationTitreSaisie("70323", Decimal("100.00"), Decimal("20")),
        ImputationTitreSaisie("7067", Decimal("10.05"), Decimal("5.5"))), avec_tva=True, saisie_ttc=False))
    sans = creer_titre(session, ctx, TitreSaisie(tiers, (ImputationTitreSaisie("70323", Decimal("50.00")),)))
    for t in (avec, sans):
        valider_titre(session, ctx, t.ligne.id)
    (bord,) = numeroter_titres(session, ctx).bordereaux
    lignes = bordereau_imprime(session, ctx, bord.id).lignes
    assert [(type(l), l.montant_ht, l.montant_tva, l.montant) for l in lignes] == [
        (LigneBordereauTva, Decimal("110.05"), Decimal("20.55"), Decimal("130.60")),
        (LigneBordereauTva, Decimal("50.00"), Decimal("0.00"), Decimal("50.00"))]
