"""The pivot builder: XSD-valid CPPFacturePivot files, PJ encoding, PDF, example invoices."""
from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from corail.formats.pivot_builder import (
    VERSIONS, build_pivot, exemple_facture, exemple_flux, facture_pdf, montant, write_pivot,
    zip_pivots,
)
from corail.formats.pivot_types import (
    TYPE_AVOIR, TYPE_PJ_COMPLEMENTAIRE, TYPE_PJ_FACTURE, PivotFlux, PivotPJ,
)
from corail.money import NBSP, to_money

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
XSD_DIR = SHARED / "reference" / "chorus"
V2_TAGS = ("IdCPRO", "Renvoi", "DateLivraison", "NomPJOrigine", "CategoriePJ")
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _schema(version: str) -> etree.XMLSchema:
    path = XSD_DIR / f"CPPFacturePivot_{version}.xsd"
    if not path.is_file():
        pytest.skip(f"XSD absente : {path}")
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="module")
def flux_complet() -> PivotFlux:
    """Several invoices covering every optional block, V2 fields filled."""
    f1 = exemple_facture("F2026-0001", lignes=3, avec_pj_complementaire=True,
                         numero_engagement="EJ2026-0042", numero_marche="M2025-07",
                         montant_ht="3277.42", taux_tva="5.5", id_cpro=123456789,
                         date_livraison=date(2026, 9, 30))
    f1 = replace(f1, renvoi="Non", pjs=tuple(replace(pj, id_original=f"12A{pj.numordre}")
                                             for pj in f1.pjs))
    f2 = exemple_facture("AV2026-0002", avoir=True, facture_origine="F2026-0001",
                         montant_ht="120.00", iban=None, code_service=None, mode_paiement="42")
    f3 = replace(exemple_facture("F2026-0003", taux_tva="0", numero_engagement="EJ9"),
                 numero_marche="")  # empty <NumeroMarche/> as in Pastell samples
    return exemple_flux(f1, f2, f3, id_flx="CPP0020036000000000000042",
                        date_production=date(2026, 10, 6))


def _root(data: bytes) -> etree._Element:
    return etree.fromstring(data)


# ------------------------------------------------------------------------ XSD

@pytest.mark.parametrize("version", VERSIONS)
def test_built_file_validates_against_its_xsd(flux_complet, version):
    schema = _schema(version)
    data = build_pivot(flux_complet, version=version)
    assert schema.validate(_root(data)), schema.error_log
    # not pretty, ISO-8859-1 and raw PJ stay valid
    for kw in ({"pretty": False}, {"encoding": "ISO-8859-1"}, {"zip_pj": False, "b64_width": 76}):
        assert schema.validate(_root(build_pivot(flux_complet, version=version, **kw))), schema.error_log


def test_v1_file_also_validates_against_v2_xsd(flux_complet):
    schema = _schema("V2_02")
    assert schema.validate(_root(build_pivot(flux_complet, version="V1_22"))), schema.error_log


def test_v2_fields_only_in_v2(flux_complet):
    v1 = _root(build_pivot(flux_complet, version="V1_22"))
    v2 = _root(build_pivot(flux_complet, version="V2_02"))
    for tag in V2_TAGS:
        assert v1.find(f".//{tag}") is None, tag
        assert v2.find(f".//{tag}") is not None, tag
    assert v2.findtext(".//IdCPRO") == "123456789"
    assert v2.findtext(".//DateLivraison") == "2026-09-30"
    # the V2 file is *not* a V1_22 file (V2 fields are not allowed there)
    schema_v1 = _schema("V1_22")
    assert not schema_v1.validate(v2)


def test_v2_donnees_facture_order(flux_complet):
    d = _root(build_pivot(flux_complet, version="V2_02")).find(".//DonneesFacture")
    assert [c.tag for c in d][:10] == [
        "Id", "IdCPRO", "Renvoi", "Type", "Cadre", "DateEmissionFacture", "DateLivraison",
        "ModePaiement", "DateReception", "Devise"]
    pj = _root(build_pivot(flux_complet, version="V2_02")).findall(".//PJ")[1]
    assert [c.tag for c in pj] == ["IdOriginal", "Contenu", "NomPJ", "NomPJOrigine",
                                   "CategoriePJ", "TypePJ", "MimeTypePJ"]


def test_unknown_version_is_refused(flux_complet):
    with pytest.raises(ValueError):
        build_pivot(flux_complet, version="V3_00")


# ------------------------------------------------------------------ envelope

def test_envelope_and_no_namespace(flux_complet):
    root = _root(build_pivot(flux_complet, version="V2_02"))
    assert root.tag == "CPPFacturePivot" and root.nsmap == {"xsi": XSI}
    assert root.get(f"{{{XSI}}}noNamespaceSchemaLocation") == "CPPFacturePivot_V2_02.xsd"
    params = {p.findtext("Code"): p.findtext("Valeurparametre") for p in root.iter("ParametreIndiv")}
    assert params == {"DtPrd": "2026-10-06", "IdFlx": "CPP0020036000000000000042"}
    assert [p.get("NumOrdre") for p in root.iter("ParametreIndiv")] == ["0001", "0002"]
    assert root.findtext(".//Recepteur/Id") == "COR001"
    assert root.findtext(".//Emetteur/Id") == "CPP001"
    unitaires = root.findall("CPPFactures/CPPFacturePivotUnitaire")
    assert [u.get("NumOrdre") for u in unitaires] == ["1", "2", "3"]
    assert root.find("CPPFactures").get("Compteur") == "3"
    assert root.findall(".//NumeroMarche")[-1].text is None  # empty element kept


def test_compteur_override(flux_complet):
    root = _root(build_pivot(flux_complet, compteur=5))
    assert root.find("CPPFactures").get("Compteur") == "5"
    assert len(root.findall(".//CPPFacturePivotUnitaire")) == 3


def test_build_is_deterministic(flux_complet):
    assert build_pivot(flux_complet, version="V2_02") == build_pivot(flux_complet, version="V2_02")


# ------------------------------------------------------------ amounts, dates

def test_amount_format():
    assert montant(Decimal("3245.68145")) == "3245.681450"
    assert montant(Decimal("1000")) == "1000.000000"
    assert montant("0.0000005") == "0.000001"  # half up
    assert montant(Decimal("-12.5")) == "-12.500000"
    with pytest.raises(TypeError):
        montant(1.5)


def test_amounts_and_dates_in_xml(flux_complet):
    u = _root(build_pivot(flux_complet)).find(".//CPPFacturePivotUnitaire")
    assert u.findtext(".//Montants/MontantHT") == "3277.420000"
    assert u.findtext(".//Montants/MontantTTC") == "3457.680000"
    assert u.findtext(".//Montants/MontantNetAPayer") == "3457.680000"
    assert u.findtext(".//TVA/Taux") == "5.5"
    assert u.findtext(".//TVA/MontantTVA") == "180.260000"
    assert u.findtext(".//DateEmissionFacture") == "2026-10-03"
    assert u.findtext(".//DateReception") == "2026-10-05"
    assert all(len(e.text.split(".")[1]) == 6 for e in u.iter("MontantHT", "PrixUnitaire", "BaseHt"))


# ------------------------------------------------------------------ encoding

def test_iso_8859_1_round_trip():
    nom = "Société Générale d'Équipement"
    f = exemple_facture("F-ISO-1", fournisseur=("32682006500083", nom), avec_pdf=False,
                        debiteur_nom="Commune de Châteauneuf-sur-Loire")
    f = replace(f, nom_service="Régie € œuvres")  # € and œ are not Latin-1: char refs
    data = build_pivot(exemple_flux(f), encoding="ISO-8859-1")
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert "Société Générale d'Équipement".encode("latin-1") in data
    assert "Société".encode("utf-8") not in data
    root = _root(data)
    assert root.findtext(".//Fournisseur/RaisonSociale") == nom
    assert root.findtext(".//Debiteur/Nom") == "Commune de Châteauneuf-sur-Loire"
    assert root.findtext(".//Debiteur/NomService") == "Régie € œuvres"


def test_utf8_default_declaration():
    data = build_pivot(exemple_flux(exemple_facture("F-U", avec_pdf=False,
                                                    fournisseur=("32682006500083", "Société"))))
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Société".encode("utf-8") in data


# ------------------------------------------------------------------------ PJ

def _pjs(data: bytes):
    return _root(data).findall(".//PJ")


def test_pj_is_base64_of_a_zip_of_the_file(flux_complet):
    facture = flux_complet.factures[0]
    for pj_el, pj in zip(_pjs(build_pivot(flux_complet))[:2], facture.pjs):
        raw = base64.b64decode(pj_el.findtext("Contenu"), validate=True)
        assert raw.startswith(b"PK\x03\x04")
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            assert zf.namelist() == [pj.nom] == [pj_el.findtext("NomPJ")]
            assert zf.read(pj.nom) == pj.contenu
        assert pj_el.findtext("MimeTypePJ") == "application/pdf"
    types = [el.findtext("TypePJ") for el in _pjs(build_pivot(flux_complet))[:2]]
    assert types == [TYPE_PJ_FACTURE, TYPE_PJ_COMPLEMENTAIRE]


def test_pj_raw_when_not_zipped(flux_complet):
    pj = flux_complet.factures[0].pjs[0]
    contenu = _pjs(build_pivot(flux_complet, zip_pj=False))[0].findtext("Contenu")
    assert base64.b64decode(contenu, validate=True) == pj.contenu


def test_pj_wrapping():
    pj = PivotPJ(1, "note.xml", mime="application/xml", contenu=b"<a>" + b"x" * 500 + b"</a>")
    f = replace(exemple_facture("F-W", avec_pdf=False), pjs=(pj,))
    one_line = _pjs(build_pivot(exemple_flux(f), zip_pj=False))[0].findtext("Contenu")
    assert "\n" not in one_line  # as in every public sample
    wrapped = _pjs(build_pivot(exemple_flux(f), zip_pj=False, b64_width=76))[0].findtext("Contenu")
    lines = wrapped.split("\n")
    assert len(lines) > 1 and all(len(x) <= 76 for x in lines) and len(lines[0]) == 76
    assert base64.b64decode(wrapped) == pj.contenu


# ----------------------------------------------------------------------- PDF

def test_facture_pdf_readable_and_deterministic():
    pypdf = pytest.importorskip("pypdf")
    f = exemple_facture("F2026-0815", montant_ht="2731.18", taux_tva="20", avec_pdf=False,
                        numero_engagement="EJ-77", lignes=2)
    pdf = facture_pdf(f)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert facture_pdf(f) == pdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace(NBSP, " ")
    for expected in ("F2026-0815", "FACTURE", "SARL Structure 1 SIRET", "21930053000017",
                     "3 277,42", "546,24", "EJ-77"):
        assert expected in text, expected


def test_avoir_pdf_and_type():
    pypdf = pytest.importorskip("pypdf")
    f = exemple_facture("AV-1", avoir=True, facture_origine="F-9")
    assert f.type_facture == TYPE_AVOIR and f.est_avoir and f.id_facture_origine == "F-9"
    assert f.pjs[0].nom.startswith("AVO")
    text = pypdf.PdfReader(io.BytesIO(f.pjs[0].contenu)).pages[0].extract_text()
    assert "AVOIR" in text and "AV-1" in text and "F-9" in text


def test_pj01_is_the_invoice_pdf():
    f = exemple_facture("F-PDF")
    assert len(f.pjs) == 1 and f.pjs[0].type_pj == TYPE_PJ_FACTURE
    assert f.pjs[0].contenu == facture_pdf(replace(f, pjs=()))
    assert len(f.pjs[0].nom) <= 50


# ----------------------------------------------------------- exemple_facture

@pytest.mark.parametrize("ht,taux", [("1000.00", "20"), ("3277.42", "5.5"), ("0.05", "10"),
                                     ("999999.99", "2.1"), ("123.45", "0"), ("17", "8.5")])
@pytest.mark.parametrize("lignes", [0, 1, 4, 7])
def test_exemple_facture_amounts_consistent(ht, taux, lignes):
    f = exemple_facture("F-C", montant_ht=ht, taux_tva=taux, lignes=lignes, avec_pdf=False)
    (tva,) = f.tvas
    assert f.montant_ht == to_money(ht)
    assert tva.base_ht == f.montant_ht and tva.taux == Decimal(taux)
    assert tva.montant_tva == to_money(f.montant_ht * Decimal(taux) / 100)
    assert f.montant_ht + tva.montant_tva == f.montant_ttc == f.montant_net
    assert len(f.lignes) == lignes
    if lignes:
        assert sum(li.montant_ht for li in f.lignes) == f.montant_ht
        assert [li.numordre for li in f.lignes] == list(range(1, lignes + 1))
        for li in f.lignes:
            assert li.prix_unitaire * li.quantite == li.montant_ht


def test_exemple_facture_options():
    f = exemple_facture("F-O", avec_pj_complementaire=True, mode_paiement="42", iban=None,
                        code_service=None, numero_engagement="EJ1", avec_pdf=False)
    assert [pj.type_pj for pj in f.pjs] == [TYPE_PJ_FACTURE, TYPE_PJ_COMPLEMENTAIRE]
    assert f.pjs[1].contenu.startswith(b"%PDF")
    assert f.reference_bancaire_compte is None and f.reference_bancaire_type is None
    assert f.code_service is None and f.nom_service is None
    assert f.mode_paiement_code == "42" and f.numero_engagement == "EJ1"
    g = exemple_facture("F-I")
    assert (g.reference_bancaire_type, g.reference_bancaire_compte) == (
        "IBAN", "FR7630006000011234567890189")


# --------------------------------------------------------------- write / zip

def test_write_pivot_and_zip_pivots(tmp_path, flux_complet):
    p = write_pivot(tmp_path / "sub" / "flux.xml", flux_complet, version="V2_02")
    assert p.read_bytes() == build_pivot(flux_complet, version="V2_02")
    files = {"flux1.xml": p.read_bytes(), "flux2.xml": build_pivot(flux_complet)}
    z = zip_pivots(tmp_path / "chorus.zip", files)
    with zipfile.ZipFile(z) as zf:
        assert zf.namelist() == ["flux1.xml", "flux2.xml"]
        assert {n: zf.read(n) for n in zf.namelist()} == files
    first = z.read_bytes()
    assert zip_pivots(tmp_path / "again.zip", files).read_bytes() == first  # deterministic
