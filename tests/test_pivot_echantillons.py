"""The public samples of ../shared/samples/pivot, read in place: amounts to the cent, number of
invoices and PJ, PJ byte-identical to the file inside the sample's ZIP, duplicates flagged."""
import base64
import io
import zipfile
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select

from corail.db.models import PJ, FactureDemat, FactureDematLigne, FactureDematTva
from corail.services.pivot_import import importer_fichier
from corail.services.pj import lire_pj
from tests.pivot_fixtures import budgets_des_echantillons

pytestmark = pytest.mark.shared

ATTENDU = {  # file: [(invoice, TTC, net, number of PJ)]
    "facture_1221.xml": [("AVA20150923", "3245.68", "3245.68", 2)],
    "facture_1222.xml": [("AVA20150924", "3245.68", "3245.68", 1)],
    "facture_1223.xml": [("AVA20150925", "3245.68", "3245.68", 1)],
    "facture_1224.xml": [("AVA20150926", "3245.68", "3245.68", 2)],
    "facture-pivot.xml": [("FAC19-2512", "873.99", "873.99", 1)],
}


def _pj_attendues(chemin):
    """Independently of Corail: every PJ's inner file, by (invoice, NomPJ)."""
    out = {}
    for unit in etree.parse(str(chemin)).iter("CPPFacturePivotUnitaire"):
        numero = unit.findtext("DonneesFacture/Id")
        for pj in unit.findall("PJ"):
            brut = base64.b64decode(pj.findtext("Contenu"))
            with zipfile.ZipFile(io.BytesIO(brut)) as z:
                (entree,) = z.namelist()
                out[(numero, pj.findtext("NomPJ").strip())] = z.read(entree)  # 1224: "….pdf "
    return out


@pytest.fixture
def base(db):
    return db, budgets_des_echantillons(db)


@pytest.mark.parametrize("nom", sorted(ATTENDU))
def test_echantillon_lu_au_centime_pj_identiques(base, shared, nom):
    db, ctx = base
    chemin = shared / "samples" / "pivot" / nom
    with db.transaction() as s:
        res = importer_fichier(s, ctx, chemin)
    assert res.nb_factures == len(ATTENDU[nom]) and res.anomalies == 0
    attendues = _pj_attendues(chemin)
    with db.lecture() as s:
        for numero, ttc, net, nb_pj in ATTENDU[nom]:
            fd = s.scalars(select(FactureDemat).where(FactureDemat.numero == numero)).one()
            assert (fd.montant_ttc, fd.montant_net) == (Decimal(ttc), Decimal(net))
            pjs = s.scalars(select(PJ).where(PJ.facture_demat_id == fd.id).order_by(PJ.numordre)).all()
            assert len(pjs) == nb_pj
            for pj in pjs:
                assert b"".join(lire_pj(s, pj.id)) == attendues[(numero, pj.nom)]
        assert res.flux[0].nb_pj == sum(a[3] for a in ATTENDU[nom])


def test_details_facture_1221(base, shared):
    db, ctx = base
    with db.transaction() as s:
        importer_fichier(s, ctx, shared / "samples" / "pivot" / "facture_1221.xml")
    with db.lecture() as s:
        fd = s.scalars(select(FactureDemat)).one()
        assert fd.budget_id == ctx.budget_id and fd.etat == "a_traiter"
        assert fd.fournisseur_identifiant == "32682006500083"
        assert fd.reference_bancaire_compte == "FR2420020202260600024M02606"
        assert fd.numero_engagement == "2412345673" and fd.numero_marche is None
        assert fd.mode_paiement_code == "42" and fd.montant_ht == Decimal("3245.00")
        assert [l.prix_unitaire for l in s.scalars(select(FactureDematLigne))] == ["1789.000000", "1456.000000"]
        tva = s.scalars(select(FactureDematTva)).one()
        assert tva.taux == "0.021" and tva.montant_tva == Decimal("0.68")
        types = s.scalars(select(PJ.type_pj).order_by(PJ.numordre)).all()
        assert types == ["01", "02"]
        assert s.scalars(select(PJ.mime)).all() == ["application/pdf", "application/pdf"]


def test_quatre_doublons_du_fichier_groupe(base, shared):
    db, ctx = base
    dossier = shared / "samples" / "pivot"
    with db.transaction() as s:
        for nom in ("facture_1221.xml", "facture_1222.xml", "facture_1223.xml", "facture_1224.xml"):
            importer_fichier(s, ctx, dossier / nom)
        res = importer_fichier(s, ctx, dossier / "CPPFichierFormatPivot.xml")
    assert res.nb_factures == 4 and res.anomalies == 4
    with db.lecture() as s:
        anomalies = s.scalars(select(FactureDemat.anomalie).where(FactureDemat.etat == "anomalie")).all()
    assert len(anomalies) == 4 and all(a.startswith("Facture déjà reçue") for a in anomalies)


def test_fichier_groupe_seul_quatre_factures(base, shared):
    db, ctx = base
    with db.transaction() as s:
        res = importer_fichier(s, ctx, shared / "samples" / "pivot" / "CPPFichierFormatPivot.xml")
    assert (res.nb_factures, res.anomalies, res.flux[0].nb_pj) == (4, 0, 6)


def test_destinataire_inconnu_en_anomalie(db, ctx, shared):
    with db.transaction() as s:
        res = importer_fichier(s, ctx, shared / "samples" / "pivot" / "facture-pivot.xml")
    assert res.anomalies == 1
    with db.lecture() as s:
        fd = s.scalars(select(FactureDemat)).one()
    assert fd.anomalie.startswith("Cette facture ne nous est pas destinée")
