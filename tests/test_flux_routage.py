"""Recording a flux: routing by SIRET and Chorus Pro service code, anomalies, PJ, étapes,
a flux read twice refused. Fixtures built with the pivot builder (no ../shared needed)."""
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from corail.db.models import PJ, EtapeFacture, FactureDemat, Flux
from corail.errors import ValidationError
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.collectivites import ajouter_budget
from corail.services.flux import enregistrer_flux, router
from corail.services.pj import lire_pj

SIRET = "21310555400017"


def _enregistrer(session, ctx, *factures, nom="flux.xml"):
    flux = exemple_flux(*factures)
    data = build_pivot(flux)
    return enregistrer_flux(session, ctx, flux, nom_fichier=nom,
                            sha256=hashlib.sha256(data).hexdigest(), taille=len(data))


def test_routage_par_siret_puis_code_service(session, ctx):
    # a single budget without service codes takes every invoice of its SIRET
    assert router(session, SIRET, None).budget_id == ctx.budget_id
    assert router(session, SIRET, "N_IMPORTE").budget_id == ctx.budget_id
    annexe = ajouter_budget(session, ctx, libelle="Eau", code_bud="02", services_chorus=("EAU",))
    assert router(session, SIRET, "EAU").budget_id == annexe.id
    r = router(session, SIRET, "VOIRIE")
    assert r.budget_id is None and "Cette facture ne nous est pas destinée" in r.anomalie
    assert "123-01" in r.anomalie and "123-02" in r.anomalie
    r = router(session, SIRET, None)
    assert r.budget_id is None and "ne porte pas de code service" in r.anomalie
    r = router(session, "21930053000017", "GN5CAFZ069")
    assert r.budget_id is None and "aucun budget n'a le SIRET 21930053000017" in r.anomalie


def test_enregistrement_montants_pj_etapes(session, ctx):
    f1 = exemple_facture("F-001", siret_debiteur=SIRET, code_service=None, montant_ht="3245.00",
                         taux_tva="0.021", avec_pj_complementaire=True)
    f2 = exemple_facture("F-002", siret_debiteur="21930053000017", avec_pdf=False)
    res = _enregistrer(session, ctx, f1, f2)
    assert (res.nb_factures, res.a_traiter, res.anomalies) == (2, 1, 1)
    fd = session.scalars(select(FactureDemat).where(FactureDemat.numero == "F-001")).one()
    assert fd.etat == "a_traiter" and fd.budget_id == ctx.budget_id
    assert fd.montant_ht == Decimal("3245.00") and fd.montant_ttc == Decimal("3245.68")
    pjs = session.scalars(select(PJ).where(PJ.facture_demat_id == fd.id).order_by(PJ.numordre)).all()
    assert [p.type_pj for p in pjs] == ["01", "02"]
    assert b"".join(lire_pj(session, pjs[0].id)).startswith(b"%PDF")
    etapes = session.scalars(select(EtapeFacture.etape).where(EtapeFacture.facture_demat_id == fd.id)).all()
    assert etapes == ["lecture_flux"]
    autre = session.scalars(select(FactureDemat).where(FactureDemat.numero == "F-002")).one()
    assert autre.etat == "anomalie" and autre.budget_id is None
    assert session.scalar(select(func.count()).select_from(EtapeFacture)
                          .where(EtapeFacture.facture_demat_id == autre.id)) == 2


def test_meme_flux_deux_fois_refuse(session, ctx):
    f = exemple_facture("F-010", siret_debiteur=SIRET, code_service=None, avec_pdf=False)
    _enregistrer(session, ctx, f, nom="a.xml")
    with pytest.raises(ValidationError, match="déjà lu le 15/10/2026"):
        _enregistrer(session, ctx, f, nom="b.xml")
    assert session.scalar(select(func.count()).select_from(Flux)) == 1


def test_facture_deja_recue_dans_un_autre_flux(session, ctx):
    f = exemple_facture("F-020", siret_debiteur=SIRET, code_service=None, avec_pdf=False)
    g = exemple_facture("F-021", siret_debiteur=SIRET, code_service=None, avec_pdf=False)
    _enregistrer(session, ctx, f, nom="a.xml")
    res = _enregistrer(session, ctx, g, f, nom="b.xml")
    assert res.anomalies == 1
    doublon = session.scalars(select(FactureDemat).where(FactureDemat.numero == "F-020")
                              .order_by(FactureDemat.id.desc())).first()
    assert doublon.etat == "anomalie" and "Facture déjà reçue" in doublon.anomalie
