"""Titres de recettes, as an ordonnateur would check them: saisie with TVA exact to the cent,
refusals that name the field, gapless numbering on bordereaux de titres (apart from the
mandats'), annulation/réduction on a bordereau 02, and *Emettre titre* from a pivot avoir."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from corail.db.models import Bordereau, FactureDemat, Flux, Piece
from corail.errors import InvalidTransition, NotFound, ValidationError
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.etapes import etapes_facture
from corail.services.mandatement import mandater
from corail.services.mandats import valider_mandat
from corail.services.numerotation import lister_bordereaux, numeroter
from corail.services.pivot_import import importer_fichier
from corail.services.tiers import TiersSaisie, creer_tiers
from corail.services.titres import (
    ImputationTitreSaisie, TitreSaisie, calculer_ligne, creer_titre, detail_titre, devalider_titre,
    dupliquer_titre, lister_titres, modifier_titre, supprimer_titre, valider_titre,
)
from corail.services.titres_emission import (
    ajouter_pj_titre, annuler_titre, article_recette_defaut, emettre_titre,
    fixer_article_recette_defaut, numeroter_titres, retirer_pj_titre,
)
from tests.pivot_fixtures import ecrire

SIRET_FOURNISSEUR = "32682006500083"


def _debiteur(session, ctx, nom="Centre social des Tilleuls", **kw):
    champs = dict(type_identifiant="", adresse1="3 rue des Tilleuls", code_postal="31000",
                  ville="Toulouse", cat_tiers="60")
    champs.update(kw)
    return creer_tiers(session, ctx, TiersSaisie(nom=nom, **champs)).id


def _saisie(tiers_id, *montants, article="70323", **kw):
    lignes = tuple(ImputationTitreSaisie(article, Decimal(m)) for m in montants or ("120.00",))
    return TitreSaisie(tiers_id=tiers_id, imputations=lignes, objet="Occupation du domaine public", **kw)


def _titre(session, ctx, tiers_id, *montants, valider=True, **kw):
    t = creer_titre(session, ctx, _saisie(tiers_id, *montants, **kw))
    if valider:
        valider_titre(session, ctx, t.ligne.id)
    return t.ligne.id


def test_tva_saisie_ht_et_saisie_ttc_au_centime(session, ctx):
    tiers = _debiteur(session, ctx)
    lignes = (ImputationTitreSaisie("70323", Decimal("100.00"), Decimal("20")),
              ImputationTitreSaisie("7067", Decimal("0.10"), Decimal("5.5")),
              ImputationTitreSaisie("70878", Decimal("10.05"), Decimal("5.5")))
    ht = creer_titre(session, ctx, TitreSaisie(tiers, lignes, avec_tva=True, saisie_ttc=False))
    # 100 × 20 % = 20 ; 0,10 × 5,5 % = 0,0055 → 0,01 ; 10,05 × 5,5 % = 0,55275 → 0,55
    assert [(i.montant_ht, i.montant_tva, i.montant) for i in ht.imputations] == [
        (Decimal("100.00"), Decimal("20.00"), Decimal("120.00")),
        (Decimal("0.10"), Decimal("0.01"), Decimal("0.11")),
        (Decimal("10.05"), Decimal("0.55"), Decimal("10.60"))]
    assert (ht.montant_ht, ht.montant_tva, ht.ligne.montant) == (
        Decimal("110.15"), Decimal("20.56"), Decimal("130.71"))
    ttc = creer_titre(session, ctx, TitreSaisie(tiers, (
        ImputationTitreSaisie("70323", Decimal("10.00"), Decimal("20")),
        ImputationTitreSaisie("7067", Decimal("1.00"), Decimal("5.5"))), avec_tva=True, saisie_ttc=True))
    # 10 / 1,2 = 8,333… → 8,33 (TVA 1,67) ; 1 / 1,055 = 0,9478… → 0,95 (TVA 0,05)
    assert [(i.montant_ht, i.montant_tva) for i in ttc.imputations] == [
        (Decimal("8.33"), Decimal("1.67")), (Decimal("0.95"), Decimal("0.05"))]
    assert ttc.ligne.montant == Decimal("11.00") and ttc.montant_ht == Decimal("9.28")
    # the saisie reads back as typed: modifying it without change keeps every cent
    again = modifier_titre(session, ctx, ttc.ligne.id, ttc.saisie)
    assert again.imputations == ttc.imputations
    sans = creer_titre(session, ctx, _saisie(tiers, "45.50"))
    assert (sans.montant_ht, sans.montant_tva, sans.ligne.montant) == (
        Decimal("45.50"), Decimal("0.00"), Decimal("45.50"))


@given(montant=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
       taux=st.sampled_from(["20", "10", "8.5", "5.5", "2.1", "0"]), ttc=st.booleans())
def test_ht_plus_tva_egale_ttc(montant, taux, ttc):
    m = calculer_ligne(montant, taux, avec_tva=True, saisie_ttc=ttc)
    assert m.ht + m.tva == m.ttc
    assert (m.ttc if ttc else m.ht) == montant
    # the rounded part is within half a cent of the exact value
    exact = m.ttc * 100 / (100 + Decimal(taux)) if ttc else m.ht * Decimal(taux) / 100
    assert abs((m.ht if ttc else m.tva) - exact) <= Decimal("0.005")


def test_saisie_refusee_avec_le_champ(session, ctx):
    tiers = _debiteur(session, ctx)
    for saisie, message in (
        (_saisie(tiers, article="60632"), "Imputation 1 : Article 60632 .* pas un compte de recette"),
        (_saisie(tiers, article="703"), "compte de regroupement"),
        (_saisie(tiers, type_pce="15"), "type de pièce PES « 15 » non admis"),
        (_saisie(tiers, nat_pce="06"), "réservée aux annulations"),
        (_saisie(tiers, type_asap="03"), "type ASAP PES « 03 » inconnu"),
        (_saisie(tiers, train="attente"), "train d'attente"),
        (_saisie(tiers, code_produit="X" * 11), "Code produit trop long"),
        (_saisie(999999), "Tiers : choisissez un débiteur"),
        (TitreSaisie(tiers, (ImputationTitreSaisie("70323", Decimal("10"), None),), avec_tva=True),
         "Imputation 1 : Taux de TVA manquant"),
        (TitreSaisie(tiers, (ImputationTitreSaisie("70323", Decimal("10"), Decimal("120")),),
                     avec_tva=True), "Taux de TVA invalide"),
    ):
        with pytest.raises(ValidationError, match=message):
            creer_titre(session, ctx, saisie)
    assert lister_titres(session, ctx) == []


def test_validation_refusee_et_regles_asap(session, ctx):
    sans_adresse = _debiteur(session, ctx, "Association Les Amis", adresse1="", code_postal="", ville="")
    nul = creer_titre(session, ctx, _saisie(sans_adresse, "0.00")).ligne.id
    with pytest.raises(ValidationError, match="montant nul") as exc:
        valider_titre(session, ctx, nul)
    assert "Titre" in str(exc.value) and "ne peut pas être validé" in str(exc.value)
    asap01 = creer_titre(session, ctx, _saisie(sans_adresse, "80.00", type_asap="01")).ligne.id
    with pytest.raises(ValidationError, match="adresse postale du débiteur « Association Les Amis »"):
        valider_titre(session, ctx, asap01)
    asap02 = creer_titre(session, ctx, _saisie(sans_adresse, "80.00", type_asap="02")).ligne.id
    with pytest.raises(ValidationError, match="doit avoir un SIRET valide"):
        valider_titre(session, ctx, asap02)
    public = _debiteur(session, ctx, "Communauté de communes du Val", identifiant="24450056700007",
                       type_identifiant="01", cat_tiers="24", nat_jur="02")
    ok = creer_titre(session, ctx, _saisie(public, "80.00", type_asap="02")).ligne.id
    assert valider_titre(session, ctx, ok).ligne.etat == "valide"
    assert detail_titre(session, ctx, asap02).avertissements  # the draft shows what to correct


def test_numerotation_sans_trou_et_bordereau_de_titres(session, ctx, tmp_path):
    tiers = _debiteur(session, ctx)
    a, b = _titre(session, ctx, tiers, "100.00"), _titre(session, ctx, tiers, "50.25", "10.00")
    brouillon = _titre(session, ctx, tiers, "7.00", valider=False)
    res = numeroter_titres(session, ctx, train="Normal")
    (bord,) = res.bordereaux
    assert (bord.numero, bord.type_bord, bord.nb_pieces, bord.montant, bord.type_piece) == (
        1, "01", 2, Decimal("160.25"), "titre")
    assert [session.get(Piece, i).numero for i in (a, b)] == [1, 2]
    assert res.ignores == ((brouillon, "brouillon non validé"),)
    valider_titre(session, ctx, brouillon)
    (bord2,) = numeroter_titres(session, ctx).bordereaux
    assert (bord2.numero, session.get(Piece, brouillon).numero) == (2, 3)
    with pytest.raises(ValidationError, match="Aucun titre validé"):
        numeroter_titres(session, ctx)
    # the mandats keep their own numbers and bordereaux
    flux = exemple_flux(exemple_facture("F-1", siret_debiteur="21310555400017", code_service=None,
                                        avec_pdf=False))
    importer_fichier(session, ctx, ecrire(tmp_path, "f.xml", build_pivot(flux)))
    (traitee,) = mandater(session, ctx, None).traitees
    valider_mandat(session, ctx, traitee.piece_id)
    (bm,) = numeroter(session, ctx, train="Normal").bordereaux
    assert (bm.numero, session.get(Piece, traitee.piece_id).numero) == (1, 1)
    lignes = lister_bordereaux(session, ctx)
    assert sorted((l.type, l.numero) for l in lignes) == [("mandat", 1), ("titre", 1), ("titre", 2)]
    # numbered: read-only, never deleted
    numerote = detail_titre(session, ctx, a)
    assert (numerote.ligne.etat, numerote.bordereau) == ("numerote", 1)
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        modifier_titre(session, ctx, a, numerote.saisie)
    with pytest.raises(ValidationError, match="seul un brouillon se supprime"):
        supprimer_titre(session, ctx, a)
    assert [t.numero for t in lister_titres(session, ctx, numero=2)] == [2]
    assert {t.id for t in lister_titres(session, ctx, tiers="tilleuls")} == {a, b, brouillon}
    assert lister_titres(session, ctx, etat="brouillon") == []


def test_annulation_et_reduction_sur_bordereau_02(session, ctx):
    tiers = _debiteur(session, ctx)
    saisie = TitreSaisie(tiers, (ImputationTitreSaisie("70323", Decimal("100.00"), Decimal("20")),
                                 ImputationTitreSaisie("7067", Decimal("33.33"), Decimal("5.5"))),
                         avec_tva=True, saisie_ttc=False)
    tid = creer_titre(session, ctx, saisie).ligne.id
    valider_titre(session, ctx, tid)
    with pytest.raises(ValidationError, match="seul un titre numéroté"):
        annuler_titre(session, ctx, tid, motif="x")
    numeroter_titres(session, ctx)
    total = session.get(Piece, tid).montant  # 120,00 + 35,16
    reduction = annuler_titre(session, ctx, tid, motif="Erreur de surface", montant=Decimal("15.16"))
    red = detail_titre(session, ctx, reduction)
    assert red.ligne.montant == Decimal("-15.16") and red.ligne.piece_origine_id == tid
    assert red.saisie.nat_pce == "06" and "Réduction du titre n° 1/2026" in red.ligne.objet
    assert sum(i.montant for i in red.imputations) == Decimal("-15.16")
    assert all(i.montant_ht + i.montant_tva == i.montant for i in red.imputations)
    with pytest.raises(ValidationError, match="reste 140,00"):
        annuler_titre(session, ctx, tid, motif="trop", montant=Decimal("140.01"))
    annulation = annuler_titre(session, ctx, tid, motif="Titre émis à tort")
    assert session.get(Piece, annulation).montant == -(total - Decimal("15.16"))
    (b,) = numeroter_titres(session, ctx).bordereaux
    assert (b.type_bord, b.numero, b.montant) == ("02", 1, -total)
    assert session.get(Bordereau, b.id).type_piece == "titre"
    assert session.get(Piece, tid).etat == "annule"
    with pytest.raises(ValidationError, match="déjà une annulation"):
        annuler_titre(session, ctx, reduction, motif="x")


def test_dupliquer_et_supprimer(session, ctx):
    tiers = _debiteur(session, ctx)
    tid = _titre(session, ctx, tiers, "12.00", "3.00", valider=False, code_produit="LOC",
                 type_asap="04", references_rattachement="CONV-2026-7")
    copie = dupliquer_titre(session, ctx, tid)
    assert copie.ligne.id != tid and copie.ligne.etat == "brouillon"
    assert copie.saisie == detail_titre(session, ctx, tid).saisie
    supprimer_titre(session, ctx, tid)
    with pytest.raises(NotFound):
        detail_titre(session, ctx, tid)
    assert [t.id for t in lister_titres(session, ctx)] == [copie.ligne.id]


def _avoir(session, ctx, tmp_path, **kw):
    factures = [exemple_facture("AV-77", avoir=True, montant_ht="260.00", siret_debiteur="21310555400017",
                                code_service=None, facture_origine="F-12", avec_pj_complementaire=True,
                                **kw),
                exemple_facture("F-78", siret_debiteur="21310555400017", code_service=None, avec_pdf=False)]
    importer_fichier(session, ctx, ecrire(tmp_path, "avoir.xml", build_pivot(exemple_flux(*factures))))
    return {fd.numero: fd for fd in session.scalars(select(FactureDemat))}


def test_emettre_titre_depuis_un_avoir(session, ctx, tmp_path):
    fds = _avoir(session, ctx, tmp_path)
    avoir, facture = fds["AV-77"], fds["F-78"]
    with pytest.raises(ValidationError, match="ce n'est pas un avoir"):
        emettre_titre(session, ctx, facture.id)
    with pytest.raises(ValidationError, match="pas un compte de recette"):
        emettre_titre(session, ctx, avoir.id, article="60632")
    assert avoir.etat == "a_traiter"
    res = emettre_titre(session, ctx, avoir.id)
    t = res.titre
    assert (t.ligne.etat, t.ligne.montant, t.ligne.facture_demat_id) == ("brouillon", avoir.montant_net, avoir.id)
    assert t.ligne.tiers == "SARL Structure 1 SIRET"
    assert t.ligne.objet == "Avoir N° AV-77 du 03/10/2026 sur la facture F-12 reçu le 05/10/2026"
    assert [i.article for i in t.imputations] == ["758"] and t.montant_du == avoir.montant_net
    assert [n for _, n, _ in t.pj] == [p.nom for p in avoir_pjs(session, avoir)] and len(t.pj) == 2
    assert avoir.etat == "titree" and etapes(session, avoir)[-1] == "emission_titre"
    assert session.get(Flux, avoir.flux_id).etat == "partiel"
    with pytest.raises(ValidationError, match="un titre a déjà été émis"):
        emettre_titre(session, ctx, avoir.id)
    valider_titre(session, ctx, t.ligne.id)
    numeroter_titres(session, ctx)
    assert etapes(session, avoir)[-2:] == ["numerotation", "bordereau"]
    assert etapes_facture(session, avoir.id)[-2].complement == "Titre n° 1"


def etapes(session, avoir):
    return [e.etape for e in etapes_facture(session, avoir.id)]


def avoir_pjs(session, avoir):
    from corail.db.models import PJ
    return session.scalars(select(PJ).where(PJ.facture_demat_id == avoir.id).order_by(PJ.numordre)).all()


def test_avoir_titre_supprime_revient_a_traiter_et_article_par_defaut(session, ctx, tmp_path):
    fds = _avoir(session, ctx, tmp_path)
    avoir = fds["AV-77"]
    assert article_recette_defaut(session, ctx) is None
    with pytest.raises(ValidationError, match="pas un compte de recette"):
        fixer_article_recette_defaut(session, ctx, "60632")
    assert fixer_article_recette_defaut(session, ctx, "70878") == "70878"
    t = emettre_titre(session, ctx, avoir.id).titre
    assert [i.article for i in t.imputations] == ["70878"]
    # an avoir's titre must give back the avoir's amount
    moins = TitreSaisie(**{**t.saisie.__dict__, "imputations": (
        ImputationTitreSaisie("70878", avoir.montant_net - Decimal("0.01")),)})
    modifier_titre(session, ctx, t.ligne.id, moins)
    with pytest.raises(ValidationError, match="écart -0,01"):
        valider_titre(session, ctx, t.ligne.id)
    supprimer_titre(session, ctx, t.ligne.id)
    assert avoir.etat == "a_traiter" and etapes(session, avoir)[-2:] == ["emission_titre"] * 2
    assert emettre_titre(session, ctx, avoir.id).titre.ligne.etat == "brouillon"


def test_pieces_jointes_et_devalidation(session, ctx, tmp_path):
    fds = _avoir(session, ctx, tmp_path)
    tid = emettre_titre(session, ctx, fds["AV-77"].id).titre.ligne.id
    convention = tmp_path / "convention.pdf"
    convention.write_bytes(b"%PDF-1.4\n% convention\n%%EOF\n")
    pj = ajouter_pj_titre(session, ctx, tid, convention)
    noms = [n for _, n, _ in detail_titre(session, ctx, tid).pj]
    assert len(noms) == 3 and noms[-1] == "convention.pdf"
    with pytest.raises(ValidationError, match="vient de Chorus Pro"):
        retirer_pj_titre(session, ctx, tid, detail_titre(session, ctx, tid).pj[0][0])
    with pytest.raises(ValidationError, match="introuvable"):
        ajouter_pj_titre(session, ctx, tid, tmp_path / "absent.pdf")
    retirer_pj_titre(session, ctx, tid, pj)
    assert len(detail_titre(session, ctx, tid).pj) == 2
    valider_titre(session, ctx, tid)
    with pytest.raises(ValidationError, match="validé, seul un brouillon"):
        valider_titre(session, ctx, tid)
    assert devalider_titre(session, ctx, tid).ligne.etat == "brouillon"
    valider_titre(session, ctx, tid)
    numeroter_titres(session, ctx)
    with pytest.raises(ValidationError, match="ses pièces jointes ne changent plus"):
        ajouter_pj_titre(session, ctx, tid, convention)
    with pytest.raises(InvalidTransition, match="« Numéroté » à « Brouillon » impossible"):
        devalider_titre(session, ctx, tid)
