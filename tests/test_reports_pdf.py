"""The printed mandats and bordereaux (reportlab), read back with pypdf.

No database and no Qt: the printed data are built by hand, as the edition
service would build them.
"""
from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from corail.jobs import Cancelled, JobControl
from corail.money import format_eur
from corail.reports.bordereau_pdf import ecrire_bordereau_pdf
from corail.reports.donnees import (
    BordereauImprime,
    EnTeteImpression,
    ImputationImprimee,
    LigneBordereau,
    MandatImprime,
)
from corail.reports.mandat_pdf import ecrire_mandats_pdf
from corail.reports.montant_en_lettres import montant_en_lettres

EN_TETE = EnTeteImpression(
    collectivite="Commune de Saint-Aubin-sur-Corail",
    adresse=("Hôtel de ville", "1 place de la Mairie", "31999 Saint-Aubin-sur-Corail"),
    siret="21310555400017", budget="Budget principal", code_budget="045-01", exercice=2026,
    poste_comptable="031000 — Trésorerie de Muret-Saint-Aubin et collectivités associées",
)


def imputation(montant: str, article: str = "60632", designation: str = "Fournitures") -> ImputationImprimee:
    return ImputationImprimee(article=article, libelle_article="Fournitures de petit équipement",
                              designation=designation, fonction="020", operation="",
                              service="TECH", engagement="E2026-14", montant=Decimal(montant))


def mandat(numero: int | None = 12, *, imputations: tuple[str, ...] = ("2000.00", "1277.42"),
           pj: tuple[str, ...] = ("FAC-2026-0042.pdf", "Bon de livraison n° 881.pdf"),
           **champs) -> MandatImprime:
    lignes = tuple(imputation(m) for m in imputations)
    m = MandatImprime(
        en_tete=EN_TETE, numero=numero, bordereau=3 if numero else None,
        date_emission=date(2026, 10, 15) if numero else None,
        tiers="Société Méridionale d'Équipements Électriques et de Fournitures Générales",
        tiers_adresse=("12 avenue de l'Écluse", "ZA du Canal", "31000 Toulouse"),
        tiers_siret="55210055400013", iban="FR76 3000 1007 9412 3456 7890 185", bic="BDFEFRPPCCT",
        mode_reglement="03 – Virement", objet="Facture N° FAC-2026-0042 du 01/10/2026 reçue le 02/10/2026",
        pieces="Facture et 1 pièce(s) complémentaire(s)",
        facture="Facture N° FAC-2026-0042 du 01/10/2026 reçue le 02/10/2026", marche="M2025-007 lot 2",
        type_piece="01 – Ordinaire", imputations=lignes,
        montant=sum((l.montant for l in lignes), Decimal("0.00")), pj=pj,
        lieu_date="À Saint-Aubin-sur-Corail, le 15/10/2026", signataire="Le Maire, Jeanne Dupré",
    )
    return replace(m, **champs)


def bordereau(lignes: int = 3, *, type_bordereau: str = "01 – Ordinaire", signe: int = 1) -> BordereauImprime:
    montants = [Decimal("3277.42") if n == 0 else Decimal(f"{100 + n}.{n % 100:02d}") for n in range(lignes)]
    montants = [signe * m for m in montants]
    somme = sum(montants, Decimal("0.00"))
    return BordereauImprime(
        en_tete=EN_TETE, numero=3, type_bordereau=type_bordereau, type_pieces="mandats",
        date_emission=date(2026, 10, 15),
        lignes=tuple(LigneBordereau(numero=12 + n, tiers=f"Société Méridionale n° {n}",
                                    objet=f"Facture N° FAC-{n:04d} du 01/10/2026 — fournitures diverses",
                                    articles="60632, 6064", montant=m)
                     for n, m in enumerate(montants)),
        total=somme, cumul_precedent=Decimal("120000.00"), cumul_annuel=Decimal("120000.00") + somme,
        lieu_date="À Saint-Aubin-sur-Corail, le 15/10/2026", train="Normal",
    )


def pdf_mandats(*mandats: MandatImprime, **kw) -> tuple[bytes, int]:
    out = io.BytesIO()
    pages = ecrire_mandats_pdf(mandats, out, **kw)
    return out.getvalue(), pages


def pdf_bordereau(b: BordereauImprime, **kw) -> tuple[bytes, int]:
    out = io.BytesIO()
    pages = ecrire_bordereau_pdf(b, out, **kw)
    return out.getvalue(), pages


def textes(pdf: bytes) -> list[str]:
    """The text of each page, no-break spaces as plain spaces, line breaks as spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").replace("\u00a0", " ").split()) for page in reader.pages]


def eur(montant: Decimal) -> str:
    return format_eur(montant).replace("\u00a0", " ")


# --- montant en lettres ----------------------------------------------------------------------

@pytest.mark.parametrize("montant, attendu", [
    ("0", "zéro euro"),
    ("1", "un euro"),
    ("0.01", "un centime"),
    ("1.01", "un euro et un centime"),
    ("2.50", "deux euros et cinquante centimes"),
    ("21", "vingt et un euros"),
    ("80", "quatre-vingts euros"),
    ("81", "quatre-vingt-un euros"),
    ("200", "deux cents euros"),
    ("201", "deux cent un euros"),
    ("80000", "quatre-vingt mille euros"),
    ("1000000", "un million d'euros"),
    ("2000000.50", "deux millions d'euros et cinquante centimes"),
    ("1200000", "un million deux cent mille euros"),
    ("3277.42", "trois mille deux cent soixante-dix-sept euros et quarante-deux centimes"),
    ("-3277.42", "moins trois mille deux cent soixante-dix-sept euros et quarante-deux centimes"),
])
def test_montant_en_lettres(montant, attendu):
    assert montant_en_lettres(Decimal(montant)) == attendu


def test_montant_en_lettres_refuse_un_float():
    with pytest.raises(TypeError):
        montant_en_lettres(3277.42)


# --- mandats ---------------------------------------------------------------------------------

def test_un_mandat_tient_sur_une_page_et_porte_ses_montants():
    pdf, pages = pdf_mandats(mandat())
    assert pdf.startswith(b"%PDF") and pages == 1
    (texte,) = textes(pdf)
    for attendu in ("MANDAT DE PAIEMENT N° 12", "Bordereau n° 3", "Émis le 15/10/2026",
                    "Commune de Saint-Aubin-sur-Corail", "Budget principal", "045-01", "2026",
                    "SIRET : 213 105 554 00017", "031000", "Société Méridionale d'Équipements",
                    "FR76 3000 1007 9412 3456 7890 185", "BDFEFRPPCCT", "03 – Virement",
                    "M2025-007 lot 2", "01 – Ordinaire", "60632", "E2026-14", "2 000,00", "1 277,42",
                    "3 277,42", "Arrêté le présent mandat à la somme de",
                    "trois mille deux cent soixante-dix-sept euros et quarante-deux centimes",
                    "FAC-2026-0042.pdf", "Bon de livraison n° 881.pdf", "Le Maire, Jeanne Dupré",
                    "Page 1/1"):
        assert attendu in texte, attendu
    assert "PROJET" not in texte


def test_un_projet_non_numerote_est_marque_projet():
    (texte,) = textes(pdf_mandats(mandat(None))[0])
    assert "PROJET" in texte and "non numéroté" in texte and "N° " not in texte.split("PROJET")[0][-5:]


def test_sommes_admises_et_annulation():
    (texte,) = textes(pdf_mandats(mandat(sommes_admises="Quantité livrée inférieure à la commande"))[0])
    assert "sommes admises" in texte and "Quantité livrée inférieure" in texte
    (texte,) = textes(pdf_mandats(mandat(imputations=("-100.00",)))[0])
    assert "MANDAT D'ANNULATION / RÉDUCTION N° 12" in texte and "moins cent euros" in texte
    assert "Bordereau n° 3 (annulation / réduction)" in texte  # a negative mandat is on a bordereau 02


def test_la_designation_egale_au_libelle_de_l_article_n_est_pas_repetee():
    libelle = "Fournitures de petit équipement"
    m = mandat(imputations=("10.00", "20.00"))
    m = replace(m, imputations=(replace(m.imputations[0], designation=libelle),
                                replace(m.imputations[1], designation="Cartouches d'encre")))
    (texte,) = textes(pdf_mandats(m)[0])
    assert texte.count(libelle) == 2  # the article of each line, not the first line's désignation
    assert "60632 Fournitures de petit équipement Cartouches d'encre" in texte


def test_un_mandat_a_nombreuses_imputations_continue_page_suivante():
    m = mandat(imputations=tuple(f"{10 + n}.00" for n in range(60)), pj=tuple(f"PJ {n}.pdf" for n in range(30)))
    pdf, pages = pdf_mandats(m)
    pages_texte = textes(pdf)
    assert pages == len(pages_texte) >= 2
    assert "(suite)" in pages_texte[1] and "Désignation" in pages_texte[1]
    assert f"Page {pages}/{pages}" in pages_texte[-1]
    assert "Le Maire, Jeanne Dupré" in pages_texte[-1] and "PJ 29.pdf" in "".join(pages_texte)


def test_plusieurs_mandats_depuis_un_generateur_une_page_chacun():
    pdf, pages = pdf_mandats(*(mandat(n) for n in range(1, 6)))
    assert pages == 5
    assert [t.count("MANDAT DE PAIEMENT N° ") for t in textes(pdf)] == [1] * 5
    out = io.BytesIO()
    assert ecrire_mandats_pdf((mandat(n) for n in range(1, 4)), out) == 3


def test_caracteres_hors_winansi_restent_lisibles():
    (texte,) = textes(pdf_mandats(mandat(tiers="Łódź Şahin Ő\u202fSARL"))[0])
    assert "Lódz Sahin O SARL" in texte


def test_meme_entree_memes_octets():
    assert pdf_mandats(mandat(), mandat(None))[0] == pdf_mandats(mandat(), mandat(None))[0]
    assert pdf_bordereau(bordereau(40))[0] == pdf_bordereau(bordereau(40))[0]


def test_mandat_incoherent_ou_vide_refuse():
    with pytest.raises(ValueError, match="total des imputations"):
        pdf_mandats(replace(mandat(), montant=Decimal("1.00")))
    with pytest.raises(ValueError, match="aucun mandat"):
        pdf_mandats()


def test_annulation_du_lot_de_mandats():
    control = JobControl()
    vus = []

    def progression(fait, total):
        vus.append(fait)
        if fait == 2:
            control.cancel()

    control.on_progress = progression
    out = io.BytesIO()
    with pytest.raises(Cancelled):
        ecrire_mandats_pdf([mandat(n) for n in range(1, 10)], out, control=control)
    assert vus == [0, 1, 2] and out.getvalue() == b""  # nothing written


# --- bordereaux ------------------------------------------------------------------------------

def test_bordereau_court_sur_une_page():
    pdf, pages = pdf_bordereau(bordereau(3))
    assert pages == 1
    (texte,) = textes(pdf)
    total = Decimal("3277.42") + Decimal("101.01") + Decimal("102.02")
    assert total == Decimal("3480.45")
    for attendu in ("BORDEREAU DES MANDATS ÉMIS N° 3", "Émis le 15/10/2026", "Train : Normal",
                    "Société Méridionale n° 0", "3 277,42", "Total du bordereau", "3 480,45",
                    "Cumul des bordereaux précédents", "120 000,00", "Cumul annuel", "123 480,45",
                    "Arrêté le présent bordereau à la somme de",
                    "trois mille quatre cent quatre-vingts euros et quarante-cinq centimes",
                    "Nombre de pièces : 3 mandats", "Page 1/1"):
        assert attendu in texte, attendu
    assert "reporter" not in texte


def test_bordereau_de_120_lignes_reporte_de_page_en_page():
    b = bordereau(120)
    pdf, pages = pdf_bordereau(b)
    pages_texte = textes(pdf)
    assert pages == len(pages_texte) >= 3
    for n, texte in enumerate(pages_texte, 1):
        assert f"Page {n}/{pages}" in texte
        assert "N° mandat" in texte  # the table header on every page
        if n < pages:
            assert "À reporter" in texte
        if n > 1:
            assert "Report" in texte and "(suite)" in texte
    # the amount carried from page 1 is the sum of the lines printed on page 1
    sur_la_page_1 = len(re.findall(r"FAC-\d{4}", pages_texte[0]))
    assert 20 < sur_la_page_1 < 120
    report = eur(sum((l.montant for l in b.lignes[:sur_la_page_1]), Decimal("0.00")))
    assert f"À reporter {report}" in pages_texte[0]
    assert f"Report {report}" in pages_texte[1]
    assert f"Total du bordereau {eur(b.total)}" in pages_texte[-1]
    assert "Nombre de pièces : 120 mandats" in pages_texte[-1]


def test_bordereau_d_annulation():
    (texte,) = textes(pdf_bordereau(bordereau(2, type_bordereau="02 – Annulation / réduction", signe=-1))[0])
    assert "BORDEREAU D'ANNULATION / RÉDUCTION N° 3" in texte and "Mandats annulés ou réduits" in texte
    assert "-3 378,43" in texte and "moins trois mille trois cent soixante-dix-huit euros" in texte


def test_bordereau_incoherent_refuse_et_annulation():
    with pytest.raises(ValueError, match="somme des lignes"):
        pdf_bordereau(replace(bordereau(3), total=Decimal("1.00")))
    control = JobControl()
    control.cancel()
    out = io.BytesIO()
    with pytest.raises(Cancelled):
        ecrire_bordereau_pdf(bordereau(3), out, control=control)
    assert out.getvalue() == b""


def test_un_montant_ne_se_coupe_pas_en_fin_de_ligne():
    from corail.reports.styles import GRAS, couper

    texte = f"{montant_en_lettres(Decimal('-1234567.89'))} ({format_eur(Decimal('-1234567.89'))} €)"
    lignes = couper(texte, GRAS, 9.5, 498)
    assert len(lignes) == 2 and lignes[1] == "(-1\u00a0234\u00a0567,89 €)"
    assert couper("X" * 200, GRAS, 9, 100)[0] == "X" * len(couper("X" * 200, GRAS, 9, 100)[0])


def test_des_textes_demesures_ne_debordent_pas():
    geant = "Désignation interminable " * 400
    m = mandat(imputations=("10.00",), tiers="T" * 300, lieu_date="À " + "Saint-Aubin " * 30)
    m = replace(m, en_tete=replace(EN_TETE, collectivite="Communauté de communes " * 8),
                imputations=(replace(m.imputations[0], designation=geant),))
    pdf, pages = pdf_mandats(m)
    assert pages <= 2 and "[…]" in "".join(textes(pdf))
