"""The ASAP of a titre, as the ordonnateur lives it: entered or imported, attached to the titre
as its PES_Facture (PJ 006), totals equal to the titre's; refused with the reason — and nothing
written — when the paramétrage, the debtor, the totals or the file do not fit."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from corail.db.models import PJ, EtapeFacture, Piece, PiecePJ
from corail.db.models.asap import AsapFacture, AsapLigne
from corail.domain.etats import EtatPiece
from corail.errors import ValidationError
from corail.formats.pes_facture import anomalies, lire
from corail.services.asap import (
    LigneSaisie,
    asap_du_titre,
    calculer_lignes,
    lire_asap_titre,
    preparer_asap,
    saisir_asap,
    supprimer_asap,
)
from corail.services.asap_avis import imprimer_asap
from corail.services.asap_import import importer_asap
from corail.services.asap_regles import (
    ExigencesChorus,
    Signataire,
    enregistrer_exigences,
)
from corail.services.pj import lire_pj
from corail.services.reglages_demat import (
    LIMITES_ASAP,
    REQUIS_ASAP,
    SIGNATAIRE_ASAP,
)
from corail.services.titres_emission import numeroter_titres
from tests.asap_fixtures import (
    LIGNES,
    SIRET_DEBITEUR,
    TOTAL_TTC,
    debiteur_public,
    facture_externe,
    parametrer,
    titre_asap,
    xml_externe,
)


def _compte(session) -> tuple[int, int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(t))
                 for t in (AsapFacture, AsapLigne, PJ, PiecePJ))


def _refus(session, message, fn, *args, **kw):
    avant = _compte(session)
    with pytest.raises(ValidationError, match=message):
        fn(*args, **kw)
    assert _compte(session) == avant


def _xml(session, pj_id) -> bytes:
    return b"".join(lire_pj(session, pj_id))


@pytest.fixture
def titre(session, ctx):
    parametrer(session, ctx)
    return titre_asap(session, ctx, debiteur_public(session, ctx))


def test_calcul_exact_au_centime():
    t = calculer_lignes(LIGNES + [LigneSaisie("Frais", "3", "0,07", "5,5")])
    assert [(l.montant_ht, l.montant_tva, l.montant_ttc) for l in t.lignes] == [
        (Decimal("300.00"), Decimal("60.00"), Decimal("360.00")),
        (Decimal("50.00"), Decimal("10.00"), Decimal("60.00")),  # 1,5 × 33,33 = 49,995 → 50,00
        (Decimal("0.21"), Decimal("0.01"), Decimal("0.22"))]  # 0,21 × 5,5 % = 0,01155 → 0,01
    assert (t.ht, t.tva, t.ttc) == (Decimal("350.21"), Decimal("70.01"), Decimal("420.22"))
    for mauvaise, message in ((LigneSaisie("", 1, 1, 20), "libellé manquant"),
                              (LigneSaisie("x", "123456", 1, 20), "quantité"),
                              (LigneSaisie("x", "1", "1.001", 20), "prix unitaire"),
                              (LigneSaisie("x", "1", "1", "120"), "taux de TVA"),
                              (LigneSaisie("x", "deux", "1", "20"), "quantité illisible")):
        with pytest.raises(ValidationError, match=message):
            calculer_lignes([mauvaise])


def test_type_02_asap_saisie_pes_facture_jointe(session, ctx, titre):
    d = saisir_asap(session, ctx, titre, LIGNES, code_service="SERV-FIN", numero_engagement="EJ-42")
    piece = session.get(Piece, titre)
    assert d.montant_ttc == piece.montant == TOTAL_TTC and (d.montant_ht, d.montant_tva) == (
        Decimal("350.00"), Decimal("70.00"))
    pj = session.get(PJ, d.pj_id)
    assert (pj.origine, pj.type_pj_pes, pj.mime, pj.nom) == (
        "asap", "006", "application/xml", f"PES_Facture_ASAP_2026_T{piece.numero}.xml")
    assert session.get(PiecePJ, (titre, pj.id)) is not None
    f = lire(_xml(session, pj.id), pj.nom)
    assert anomalies(f) == [] and f.type_fact == "09"
    assert (f.total_ttc, f.total_ht, len(f.lignes)) == (TOTAL_TTC, Decimal("350.00"), 2)
    assert (f.exercice_titre, f.num_titre) == (2026, piece.numero) and f.num_bordereau
    assert (f.signataire_nom, f.signataire_role, f.ref_bdf) == ("DURAND", "Maire", "123456")
    assert f.talon == d.talon and f.debiteur.nom == "Communauté de communes du Val"
    info = asap_du_titre(session, titre)
    assert (info.type_asap, info.pj_id, info.type_pj_pes, info.code_service, info.numero_engagement) == (
        "02", pj.id, "006", "SERV-FIN", "EJ-42")
    assert lire_asap_titre(session, ctx, titre) == d
    etapes = session.scalars(select(EtapeFacture.etape).where(EtapeFacture.piece_id == titre)).all()
    assert "facture_asap" in etapes


def test_remplacement_tant_que_non_transmis(session, ctx, titre):
    premier = saisir_asap(session, ctx, titre, LIGNES)
    second = saisir_asap(session, ctx, titre, [LigneSaisie("Forfait", "1", "350", "20")])
    assert session.scalar(select(func.count()).select_from(AsapFacture)) == 1
    (seul,) = session.scalars(select(PJ).where(PJ.origine == "asap")).all()  # the first one is gone
    assert seul.id == second.pj_id and b"Forfait" in _xml(session, seul.id)
    assert premier.lignes != second.lignes
    assert [l.libelle for l in second.lignes] == ["Forfait"]
    session.get(Piece, titre).etat = EtatPiece.TRANSMIS
    _refus(session, "ne se saisit ni ne se remplace plus", saisir_asap, session, ctx, titre, LIGNES)
    _refus(session, "ne se saisit ni ne se remplace plus", supprimer_asap, session, ctx, titre)


def test_total_different_refuse_sans_rien_ecrire(session, ctx, titre):
    _refus(session, r"total TTC 360,00 différent du montant TTC du titre n° 1 \(420,00, écart -60,00\)",
           saisir_asap, session, ctx, titre, LIGNES[:1])


def test_titre_saisi_ht_compare_le_ht(session, ctx):
    parametrer(session, ctx)
    titre = titre_asap(session, ctx, debiteur_public(session, ctx), "350.00", avec_tva=True,
                       saisie_ttc=False, taux="20")
    assert session.get(Piece, titre).montant == Decimal("420.00")
    assert saisir_asap(session, ctx, titre, LIGNES).montant_ht == Decimal("350.00")
    _refus(session, "total HT 300,00 différent du montant HT", saisir_asap, session, ctx, titre, LIGNES[:1])


def test_parametrage_manquant_nomme_chaque_champ(session, ctx):
    titre = titre_asap(session, ctx, debiteur_public(session, ctx))
    with pytest.raises(ValidationError) as exc:
        saisir_asap(session, ctx, titre, LIGNES)
    message = str(exc.value)
    for champ in REQUIS_ASAP + SIGNATAIRE_ASAP:
        assert LIMITES_ASAP[champ][0] in message, champ
    assert session.scalar(select(func.count()).select_from(AsapFacture)) == 0
    parametrer(session, ctx, horaires_ouverture="", signataire_prenom="", ref_bdf="")
    with pytest.raises(ValidationError) as exc:
        saisir_asap(session, ctx, titre, LIGNES)
    assert exc.value.choix == ["Horaires d'ouverture", "Référence Banque de France (RefBdf)",
                               "Prénom du signataire"]
    # a signataire given for this ASAP stands in for the default one
    parametrer(session, ctx, signataire_prenom="")
    d = saisir_asap(session, ctx, titre, LIGNES, signataire=Signataire("MARTIN", "Paul", "Adjoint aux finances"))
    assert d.signataire == Signataire("MARTIN", "Paul", "Adjoint aux finances")


def test_regles_par_type_asap(session, ctx):
    parametrer(session, ctx)
    sans_siret = debiteur_public(session, ctx, nom="Association des Tilleuls", type_identifiant="",
                                 identifiant="", cat_tiers="60", nat_jur="06")
    sans_adresse = debiteur_public(session, ctx, nom="Syndicat des eaux", identifiant="21310555400025",
                                   adresse1="", code_postal="", ville="")
    _refus(session, "ASAP 02 impossible", saisir_asap, session, ctx,
           titre_asap(session, ctx, sans_siret, numeroter=False, type_asap="02"), LIGNES)
    with pytest.raises(ValidationError) as exc:
        saisir_asap(session, ctx, titre_asap(session, ctx, sans_adresse, numeroter=False, type_asap="01"), LIGNES)
    assert "adresse postale incomplète (adresse, code postal, ville)" in str(exc.value)
    assert "centre éditique" in str(exc.value)
    assert saisir_asap(session, ctx, titre_asap(session, ctx, sans_siret, numeroter=False, type_asap="04"),
                       LIGNES).type_asap == "04"
    _refus(session, "Type ASAP PES", saisir_asap, session, ctx,
           titre_asap(session, ctx, sans_siret, numeroter=False, type_asap=None), LIGNES)


def test_code_service_exige_par_le_debiteur(session, ctx):
    parametrer(session, ctx)
    tiers = debiteur_public(session, ctx)
    enregistrer_exigences(session, ctx, tiers, ExigencesChorus(code_service_obligatoire=True,
                                                               engagement_obligatoire=True))
    titre = titre_asap(session, ctx, tiers)
    with pytest.raises(ValidationError) as exc:
        saisir_asap(session, ctx, titre, LIGNES)
    assert len(exc.value.choix) == 2 and "code service" in exc.value.choix[0]
    enregistrer_exigences(session, ctx, tiers, ExigencesChorus(True, False, code_service="FIN01"))
    assert saisir_asap(session, ctx, titre, LIGNES).code_service == "FIN01"


def test_titre_non_numerote_fichier_produit_a_la_numerotation(session, ctx):
    parametrer(session, ctx)
    titre = titre_asap(session, ctx, debiteur_public(session, ctx), numeroter=False)
    d = saisir_asap(session, ctx, titre, LIGNES)
    assert d.pj_id is None and asap_du_titre(session, titre).pj_id is None
    with pytest.raises(ValidationError, match="numérotez le titre"):
        preparer_asap(session, ctx, titre)
    from corail.services.titres import valider_titre

    valider_titre(session, ctx, titre)
    numeroter_titres(session, ctx)
    info = preparer_asap(session, ctx, titre)
    assert info.pj_id is not None and asap_du_titre(session, titre) == info
    assert lire(_xml(session, info.pj_id), "x").num_titre == session.get(Piece, titre).numero
    assert preparer_asap(session, ctx, titre) == info  # already up to date: nothing rebuilt


# --------------------------------------------------------------------------- import

def _fichier(tmp_path, session, titre, nom="fluo.xml", **kw) -> tuple:
    piece = session.get(Piece, titre)
    from corail.db.models import Bordereau

    f = facture_externe(piece.annee, session.get(Bordereau, piece.bordereau_id).numero, piece.numero, **kw)
    chemin = tmp_path / nom
    chemin.write_bytes(xml_externe(f))
    return chemin, f


def test_import_d_une_pes_facture_du_logiciel_de_facturation(session, ctx, titre, tmp_path):
    chemin, f = _fichier(tmp_path, session, titre)
    d = importer_asap(session, ctx, titre, chemin)
    assert (d.origine, d.montant_ttc, d.numero_facture, d.talon) == ("import", TOTAL_TTC, "FLUO-2026-0042", f.talon)
    pj = session.get(PJ, d.pj_id)
    assert _xml(session, pj.id) == chemin.read_bytes()  # the file as received
    assert (pj.type_pj_pes, pj.nom_origine, pj.origine) == ("006", "fluo.xml", "asap")
    assert asap_du_titre(session, titre).origine == "import"
    assert preparer_asap(session, ctx, titre).pj_id == pj.id
    (page,) = _texte_pdf(imprimer_asap(session, ctx, titre, tmp_path / "importee.pdf"))
    assert "FLUO-2026-0042" in page and "Occupation du domaine public, octobre" in page
    # the same debtor by its SIRET, whatever the name says
    chemin, _ = _fichier(tmp_path, session, titre, nom="siret.xml", debiteur_nom="CC VAL", id_tiers=SIRET_DEBITEUR)
    assert importer_asap(session, ctx, titre, chemin).origine == "import"


def test_imports_refuses_avec_la_raison(session, ctx, titre, tmp_path):
    piece = session.get(Piece, titre)
    bon, f = _fichier(tmp_path, session, titre)
    cas = {
        "total.xml": (xml_externe(facture_externe(piece.annee, f.num_bordereau, piece.numero,
                                                  total=Decimal("400.00"))), "total TTC 400,00 différent"),
        "typefact.xml": (xml_externe(f, TypeFact="01"), "TypeFact « 01 »"),
        "debiteur.xml": (xml_externe(facture_externe(piece.annee, f.num_bordereau, piece.numero,
                                                     debiteur_nom="COMMUNE DE BLAGNAC")),
                         "débiteur du fichier « COMMUNE DE BLAGNAC » différent"),
        "siret.xml": (xml_externe(facture_externe(piece.annee, f.num_bordereau, piece.numero,
                                                  id_tiers="21310555400025")), "identifiant 21310555400025"),
        "reftitre.xml": (xml_externe(f, **{"FactureIndiv/RefTitre/NumTitre": "99"}), "RefTitre"),
        "pas_xml.xml": (b"%PDF-1.7\n", "pas un fichier XML lisible"),
        "dtd.xml": (b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://exemple.invalid/x.dtd"><r/>',
                    "DTD interdite"),
        "incoherent.xml": (xml_externe(f, **{"FactureIndiv/TotalAPayer/MtTotalHT": "1.00"}),
                           "pas une PES Facture ASAP valide"),
    }
    for nom, (contenu, message) in cas.items():
        (tmp_path / nom).write_bytes(contenu)
        _refus(session, message, importer_asap, session, ctx, titre, tmp_path / nom)
        try:
            importer_asap(session, ctx, titre, tmp_path / nom)
        except ValidationError as exc:
            assert nom in str(exc) or "titre" in str(exc)
    _refus(session, "introuvable", importer_asap, session, ctx, titre, tmp_path / "absent.xml")


def test_import_sur_titre_non_numerote_refuse(session, ctx, tmp_path):
    parametrer(session, ctx)
    titre = titre_asap(session, ctx, debiteur_public(session, ctx), numeroter=False)
    chemin = tmp_path / "f.xml"
    chemin.write_bytes(xml_externe(facture_externe(2026, 1, 1)))
    _refus(session, "numérotez d'abord le titre", importer_asap, session, ctx, titre, chemin)


# --------------------------------------------------------------------------- the printed avis

def _texte_pdf(chemin) -> list[str]:
    return [p.extract_text() for p in PdfReader(BytesIO(chemin.read_bytes())).pages]


def test_avis_des_sommes_a_payer_pdf(session, ctx, titre, tmp_path):
    d = saisir_asap(session, ctx, titre, LIGNES)
    (page,) = _texte_pdf(imprimer_asap(session, ctx, titre, tmp_path / "avis.pdf"))
    for attendu in ("AVIS DES SOMMES À PAYER", "COMMUNAUTÉ DE COMMUNES DU VAL", "33000 BORDEAUX",
                    "420,00", "quatre cent vingt euros", "TALON DE PAIEMENT", d.talon[0], d.talon[1],
                    "CENTRE D'ENCAISSEMENT", "SGC de Toulouse", "tribunal", "Claire DURAND"):
        assert attendu in page, attendu
    assert not (tmp_path / ".avis.pdf.partiel").exists()


def test_avis_sur_plusieurs_pages_talon_en_fin(session, ctx, tmp_path):
    parametrer(session, ctx)
    titre = titre_asap(session, ctx, debiteur_public(session, ctx), "1200.00", numeroter=False)
    lignes = [LigneSaisie(f"Repas du {j:02d}/10 — restauration scolaire", "4", "12.50", "0") for j in range(1, 25)]
    saisir_asap(session, ctx, titre, lignes)
    pages = _texte_pdf(imprimer_asap(session, ctx, titre, tmp_path / "long.pdf"))
    assert len(pages) >= 2
    assert ["TALON DE PAIEMENT" in p for p in pages] == [False] * (len(pages) - 1) + [True]
    assert "Repas du 24/10" in "".join(pages) and "PROJET" in pages[0]
    assert all("Désignation" in p for p in pages[:-1])  # the table header is repeated


def test_titre_supprime_emporte_son_asap_et_pj_asap_non_retirable(session, ctx):
    from corail.services.titres import supprimer_titre
    from corail.services.titres_emission import retirer_pj_titre

    parametrer(session, ctx)
    debiteur = debiteur_public(session, ctx)
    brouillon = titre_asap(session, ctx, debiteur, numeroter=False)
    saisir_asap(session, ctx, brouillon, LIGNES)
    avant_pj = session.scalar(select(func.count()).select_from(PJ))
    supprimer_titre(session, ctx, brouillon)
    assert session.scalar(select(func.count()).select_from(AsapFacture)) == 0
    assert session.scalar(select(func.count()).select_from(PJ)) == avant_pj

    numerote = titre_asap(session, ctx, debiteur)
    pj_id = saisir_asap(session, ctx, numerote, LIGNES).pj_id
    assert pj_id is not None
    with pytest.raises(ValidationError):
        retirer_pj_titre(session, ctx, numerote, pj_id)
    assert session.get(PiecePJ, (numerote, pj_id)) is not None


def test_asap_saisie_avant_numerotation_produite_a_la_numerotation(session, ctx):
    from corail.services.titres import valider_titre

    parametrer(session, ctx)
    titre_id = titre_asap(session, ctx, debiteur_public(session, ctx), numeroter=False)
    assert saisir_asap(session, ctx, titre_id, LIGNES).pj_id is None  # no number yet
    valider_titre(session, ctx, titre_id)
    res = numeroter_titres(session, ctx)
    assert not [a for a in res.avertissements if "ASAP" in a]
    info = asap_du_titre(session, titre_id)
    assert info is not None and info.pj_id is not None and info.type_pj_pes == "006"
    numero = session.get(Piece, titre_id).numero
    assert f"T{numero}" in info.nom_pj
