"""The PES_Facture ASAP file: built in schema order with every value in V, ISO-8859-1; read back
safely; refused with the file and the element named.

What is checked against which schema text (the DGFiP fragments in ../shared/reference/pes):

* the root's children, order and mandatory ones: **parsed from** Class_PESFacture.xsd (v4.91,
  TPESFacture) — the fragment does not load as a schema (its includes are missing);
* TypeFact: **validated by lxml XMLSchema** against CommunsFacture.xsd (v4.91, loads alone);
* leaf values: **validated by lxml XMLSchema** against the 2011 common types (xemelios
  Simple_Type.xsd / CommunPES.xsd: Base_Montant, Base_Date, Base_Num7, TCatTiers…);
* the order of FactureIndiv and LigneFacture children: checked against the sequences **parsed
  from** the PES_Facture 1.0 schema (xemelios Class_FacturePESIndiv.xsd) for the elements both
  versions share;
* explicitly, transcribed from the PES 5.3 schema (libriciel/s2low "xsd/Schemas_PES 5.3/PES_V2/
  NS_Facture/r0/", not saved here): the ASAP-only blocks and their order (InfoSuppl, Signataire,
  RefTitre, TalonOptique2Lignes, ModalitesContestation, ModeRecouvrement), TypTiers 25/26, RefBdf
  (Alphanum13), the talon lines (60 digits/spaces/capitals).
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from corail.errors import ValidationError
from corail.formats.pes_facture import (
    NS,
    PESFactureRefusee,
    anomalies,
    construire,
    lire,
    talon_optique,
    texte_latin1,
)
from corail.formats.pes_facture_types import LigneAsap, cle97
from tests.asap_fixtures import facture_externe, xml_externe

XS = "{http://www.w3.org/2001/XMLSchema}"
REF = Path("reference/pes")
#: child order of the blocks Corail writes (PES 5.3, NS_Facture/r0; mandatory ones with "!")
ORDRE = {
    "Emetteur": ["InfoTiers!", "Adresse", "CptBancaire", "InfoTVAEmetteur", "InfoSuppl", "Signataire"],
    "InfoTiers": ["IdTiers", "NatIdTiers", "DteIdTiers", "RefTiers", "CatTiers!", "NatJur!",
                  "TypTiers!", "Civilite", "Nom!", "ComplNom", "Prenom"],
    "Adresse": ["TypAdr!", "Adr1", "Adr2", "Adr3", "CP!", "Ville!", "CodRes!", "CodPays"],
    "InfoSuppl": ["NumTel", "HorairesOuv", "CodeTipi", "AdrTipi", "RefBdf", "InfoCode2D"],
    "Signataire": ["Personne!", "Role!"],
    "Personne": ["Nom!", "Prenom!"],
    "Tiers": ["InfoTiers!", "InfoSupplTiers", "Adresse", "CpteBancaire"],
    "Debiteur": ["InfoTiers!", "InfoSupplTiers", "Adresse", "CpteBancaire"],
    "FactureIndiv": ["DateEmission!", "DateReglement", "NumeroFacture!", "Debiteur!", "Objet!",
                     "LigneFacture!", "DetailTVA", "TotalAPayer!", "RefTitre", "TalonOptique2Lignes",
                     "ModalitesReglement!", "ModalitesContestation", "ModeRecouvrement",
                     "TexteGenerateur", "ConditionsGen!", "RepartitionBudget"],
    "LigneFacture": ["Date!", "CodeProduit", "CodeNature", "Libelle!", "Unite", "Quantite",
                     "Unite1", "Quantite2", "Unite2", "MtUnitaire", "Taux", "MtHT!", "TauxTVA!",
                     "MtTVA!", "MtTTC!", "Ordre!", "OrdreEdition", "Commentaire"],
    "TotalAPayer": ["MtTotalHT!", "MtTotalTVA!", "MtTotalTTC!"],
    "RefTitre": ["Exercice!", "NumBordereau!", "NumTitre!", "NumLigne!"],
    "TalonOptique2Lignes": ["Ligne1!", "Ligne2!"],
}
#: leaf → 2011 common type (xemelios Simple_Type.xsd / CommunPES.xsd)
TYPES_2011 = {
    "IdVer": "Base_Num2", "Annee": "Base_Annee", "Date": "Base_Date", "CatTiers": "TCatTiers",
    "NatJur": "TNatJur", "Nom": "Base_Texte38", "ComplNom": "Base_Texte38", "Prenom": "Base_Texte38",
    "Adr1": "Base_Texte38", "Adr2": "Base_Texte38", "Adr3": "Base_Texte38", "CP": "Base_Texte5",
    "Ville": "Base_Texte38", "CodRes": "Base_Booleen", "NumTel": "Base_Texte20",
    "HorairesOuv": "Base_Texte38", "NumTel2": "Base_Texte20", "Role": "Base_Texte50",
    "DateEmission": "Base_Date", "NumeroFacture": "Base_Texte50", "Objet": "Base_Texte160",
    "Libelle": "Base_Texte200", "Quantite": "Base_Montant", "MtUnitaire": "Base_Montant",
    "MtHT": "Base_Montant", "TauxTVA": "Base_Taux", "MtTVA": "Base_Montant", "MtTTC": "Base_Montant",
    "Ordre": "Base_Num3", "MtTotalHT": "Base_Montant", "MtTotalTVA": "Base_Montant",
    "MtTotalTTC": "Base_Montant", "Exercice": "Base_Annee", "NumBordereau": "Base_Num7",
    "NumTitre": "Base_Num13", "NumLigne": "Base_Num6", "ModalitesReglement": "Base_Texte250",
    "ModeRecouvrement": "Base_Booleen", "ConditionsGen": "Base_Texte250",
}
#: leaves without a 2011 type, checked here (PES 5.3 / 4.91 definitions)
EXPLICITES = {
    "TypTiers": lambda v: v in {"01", "20", "25", "26"},
    "TypAdr": lambda v: v in {"0", "1", "2"},
    "RefBdf": lambda v: v.isalnum() and len(v) <= 13,
    "ModalitesContestation": lambda v: 0 < len(v) <= 420,
    "Ligne1": lambda v: len(v) <= 60 and all(c.isdigit() or c == " " for c in v),
    "Ligne2": lambda v: len(v) <= 60 and all(c.isdigit() or c == " " for c in v),
    "TypeFact": lambda v: v == "09",
}


@pytest.fixture
def facture():
    return facture_externe(2026, 3, 17)


def _sequence(xsd: Path, type_name: str) -> list[tuple[str, bool]]:
    """(name, mandatory) of the elements of a complexType's sequence, choices flattened."""
    arbre = etree.parse(str(xsd))
    (ct,) = arbre.findall(f".//{XS}complexType[@name='{type_name}']")
    return [(e.get("name"), e.get("minOccurs", "1") != "0") for e in ct.iter(f"{XS}element")]


def _noms(el) -> list[str]:
    return [c.tag if isinstance(c.tag, str) else "" for c in el]


def test_aller_retour_et_iso_8859_1(facture):
    xml = construire(facture)
    assert xml.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert "É".encode("iso-8859-1") in construire(replace(facture, objet="Élagage"))
    racine = etree.fromstring(xml)
    assert racine.tag == f"{{{NS}}}PES_Facture" and racine.prefix == "n"
    assert all(c.tag == etree.QName(c).localname for c in racine.iter() if c is not racine)  # unqualified
    feuilles = [e for e in racine.iter() if len(e) == 0 and e.tag != "Nomenclatures"]
    assert feuilles and all(set(e.attrib) == {"V"} and not (e.text or "").strip() for e in feuilles)
    relu = lire(xml, "asap.xml")
    assert relu == facture and anomalies(relu) == []


def test_ordre_des_elements_selon_le_schema_v491(shared, facture):
    xsd = shared / REF / "s2low_partial/xsd/Schemas_PES_v491_18042016/PES_V2/NS_Facture/r0/Class_PESFacture.xsd"
    attendu = _sequence(xsd, "TPESFacture")
    assert [n for n, _ in attendu][:5] == ["IdVer", "Annee", "NumSequence", "TypeFact", "Date"]
    racine = etree.fromstring(construire(facture))
    ecrits = _noms(racine)
    ordre = [n for n, _ in attendu]
    assert [ordre.index(n) for n in ecrits] == sorted(ordre.index(n) for n in ecrits)
    assert {n for n, requis in attendu if requis} <= set(ecrits)
    assert ecrits.count("Tiers") == 2 and ecrits.count("FactureIndiv") == 1


def test_ordre_des_blocs_et_elements_obligatoires(facture):
    racine = etree.fromstring(construire(facture))
    for el in racine.iter():
        if el.tag not in ORDRE:
            continue
        ordre = [n.rstrip("!") for n in ORDRE[el.tag]]
        noms = _noms(el)
        assert set(noms) <= set(ordre), (el.tag, noms)
        positions = [ordre.index(n) for n in noms]
        assert positions == sorted(positions), (el.tag, noms)
        manquants = {n.rstrip("!") for n in ORDRE[el.tag] if n.endswith("!")} - set(noms)
        assert not manquants, (el.tag, manquants)
    # the ASAP-only parts are there (formats-pes-v2.md §2.3)
    for chemin in ("Emetteur/InfoSuppl/RefBdf", "Emetteur/Signataire/Personne/Prenom",
                   "FactureIndiv/RefTitre/NumLigne", "FactureIndiv/TalonOptique2Lignes/Ligne2",
                   "FactureIndiv/ModeRecouvrement", "FactureIndiv/Debiteur/Adresse/Adr2"):
        assert racine.find(chemin) is not None, chemin
    assert sorted(t.find("InfoTiers/TypTiers").get("V") for t in racine.findall("Tiers")) == ["25", "26"]
    centre, tresorerie = racine.findall("Tiers")
    assert centre.find("Adresse/Adr2") is None and tresorerie.find("Adresse/Adr2") is not None


def test_ordre_commun_avec_le_schema_pes_facture_1_0(shared, facture):
    xsd = shared / REF / "xemelios_schema-pes-facture-1.0/Class_FacturePESIndiv.xsd"
    racine = etree.fromstring(construire(facture))
    for bloc, type_name in (("FactureIndiv", "TFacturePESIndiv"), ("FactureIndiv/LigneFacture", "TLigneFacture")):
        ancien = [n for n, _ in _sequence(xsd, type_name)]
        communs = [n for n in _noms(racine.find(bloc)) if n in ancien]
        assert len(communs) >= 6
        assert [ancien.index(n) for n in communs] == sorted(ancien.index(n) for n in communs)


def _schema_types_2011(shared, tmp_path) -> etree.XMLSchema:
    communs = (shared / REF / "xemelios_schema-pes_2.1.a/Schemas_PES/PES_V2/Class_SchemasCommuns.xsd")
    elements = "".join(f'<xs:element name="{n}" type="cm:{t}"/>' for n, t in TYPES_2011.items())
    enveloppe = (f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:cm='
                 f'"http://www.minefi.gouv.fr/cp/helios/pes_v2/commun" targetNamespace="urn:t" '
                 f'elementFormDefault="qualified"><xs:import namespace="http://www.minefi.gouv.fr/'
                 f'cp/helios/pes_v2/commun" schemaLocation="{communs.as_uri()}"/>{elements}</xs:schema>')
    (tmp_path / "t.xsd").write_text(enveloppe, encoding="utf-8")
    return etree.XMLSchema(etree.parse(str(tmp_path / "t.xsd")))


def test_valeurs_conformes_aux_types_du_schema(shared, tmp_path, facture):
    schema = _schema_types_2011(shared, tmp_path)
    assert not schema.validate(etree.Element("{urn:t}MtTTC", V="12.345"))  # the check can fail
    assert not schema.validate(etree.Element("{urn:t}NumBordereau", V="12345678"))
    racine = etree.fromstring(construire(replace(facture, num_titre=1234567890123)))
    vus = set()
    for el in racine.iter():
        if el.get("V") is None:
            continue
        if el.tag in TYPES_2011:
            copie = etree.Element(f"{{urn:t}}{el.tag}", V=el.get("V"))
            assert schema.validate(copie), (el.tag, el.get("V"), schema.error_log.last_error)
        else:
            assert el.tag in EXPLICITES and EXPLICITES[el.tag](el.get("V")), (el.tag, el.get("V"))
        vus.add(el.tag)
    assert {"MtTotalTTC", "NumTitre", "Ligne1", "ModeRecouvrement", "CatTiers"} <= vus


def test_typefact_valide_par_communs_facture(shared, tmp_path, facture):
    communs = shared / REF / "s2low_partial/xsd/Schemas_PES_v491_18042016/PES_V2/NS_Facture/r0/CommunsFacture.xsd"
    (tmp_path / "tf.xsd").write_text(
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="{NS}" targetNamespace="{NS}">'
        f'<xs:include schemaLocation="{communs.as_uri()}"/><xs:element name="TypeFact" type="TTypeFacture"/>'
        f'</xs:schema>', encoding="utf-8")
    schema = etree.XMLSchema(etree.parse(str(tmp_path / "tf.xsd")))
    ecrit = etree.fromstring(construire(facture)).find("TypeFact")
    assert schema.validate(etree.Element(f"{{{NS}}}TypeFact", V=ecrit.get("V")))
    assert not schema.validate(etree.Element(f"{{{NS}}}TypeFact", V="10"))


def test_talon_optique_chiffres_et_cles():
    l1, l2 = talon_optique("AB123456", 2026, 3, 17, Decimal("420.00"), facture_externe(2026, 3, 17).date)
    assert len(l1) <= 60 and len(l2) <= 60 and set(l1 + l2) <= set("0123456789 ")
    for ligne in (l1, l2):
        corps, cle = ligne.rsplit(" ", 1)
        assert (int(corps.replace(" ", "")) * 100 + int(cle)) % 97 == 0
    assert "000000042000" in l2 and "0000000123456" in l1 and "20260000003" in l1
    autre = talon_optique("AB123456", 2026, 3, 17, Decimal("420.01"), facture_externe(2026, 3, 17).date)
    assert autre[0] == l1 and autre[1] != l2
    assert cle97("0") == "97"


def test_texte_latin1():
    assert texte_latin1("Coût : 10 € “TTC” — œuvre\u202fici") == 'Coût : 10 EUR "TTC" - oeuvre ici'
    assert texte_latin1("Łódź") == "Lódz"  # ó is Latin-1, ź and Ł are not


@pytest.mark.parametrize("changement, message", [
    (dict(lignes=()), "au moins une ligne"),
    (dict(total_ttc=Decimal("999.00")), "MtTotalTTC 999.00 ≠ somme des lignes"),
    (dict(ref_bdf=""), "RefBdf"),
    (dict(signataire_prenom=""), "Signataire/Personne/Prenom manquant"),
    (dict(num_titre=None), "RefTitre"),
    (dict(mode_recouvrement="tip", total_ttc=Decimal("150000.01")), "150 000,00"),
    (dict(objet="x" * 161), "Objet"),
])
def test_anomalies(facture, changement, message):
    assert any(message in p for p in anomalies(replace(facture, **changement)))
    with pytest.raises(ValidationError):
        construire(replace(facture, **changement))


def test_quantite_de_cinq_chiffres_au_plus(facture):
    (ligne,) = facture.lignes
    ok = replace(ligne, quantite=Decimal("999.99"), prix_unitaire_ht=Decimal("1"), montant_ht=Decimal("999.99"))
    trop = replace(ok, quantite=Decimal("1000.25"))  # 6 digits
    assert not any("quantité" in p for p in anomalies(replace(facture, lignes=(ok,))))
    assert any("quantité" in p for p in anomalies(replace(facture, lignes=(trop,))))


@pytest.mark.parametrize("donnees, message", [
    (b"", "fichier vide"),
    (b"%PDF-1.4 pas du XML", "pas un fichier XML lisible"),
    (b"<a><b></a>", "pas un fichier XML lisible"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "ha">]><n:PES_Facture xmlns:n="' + NS.encode()
     + b'">&e;</n:PES_Facture>', "DTD interdite"),
    (b"<CPPFacturePivot/>", "élément racine « CPPFacturePivot »"),
    (b'<PES_Facture xmlns="urn:autre"/>', "espace de noms"),
    (b"x" * (5 * 1024 * 1024 + 1), "trop volumineux"),
])
def test_fichiers_refuses(donnees, message):
    with pytest.raises(PESFactureRefusee, match=message) as exc:
        lire(donnees, "fluo.xml")
    assert str(exc.value).startswith("fluo.xml : ")


def test_elements_refuses_nommes(facture):
    xml = xml_externe(facture, **{"FactureIndiv/TotalAPayer/MtTotalTTC": "abc"})
    with pytest.raises(PESFactureRefusee, match=r"fluo.xml : FactureIndiv/TotalAPayer/MtTotalTTC : nombre « abc »"):
        lire(xml, "fluo.xml")
    racine = etree.fromstring(construire(facture))
    racine.remove(racine.findall("Tiers")[1])
    with pytest.raises(PESFactureRefusee, match="0 TypTiers 26"):
        lire(etree.tostring(racine), "fluo.xml")
    racine = etree.fromstring(construire(facture))
    del racine.find("FactureIndiv/Objet").attrib["V"]
    with pytest.raises(PESFactureRefusee, match="FactureIndiv/Objet sans attribut V"):
        lire(etree.tostring(racine), "fluo.xml")
    racine = etree.fromstring(construire(facture))
    racine.find("FactureIndiv").remove(racine.find("FactureIndiv/RefTitre"))
    with pytest.raises(PESFactureRefusee, match="RefTitre manquant"):
        lire(etree.tostring(racine), "fluo.xml")


def test_typefact_autre_que_09_signale(facture):
    relu = lire(xml_externe(facture, TypeFact="01"), "fluo.xml")
    assert relu.type_fact == "01" and any("TypeFact 01" in p for p in anomalies(relu))


def test_enfants_qualifies_acceptes(facture):
    """A producer that qualifies every element with the namespace is read all the same."""
    racine = etree.fromstring(construire(facture))
    for el in racine.iter():
        if el is not racine:
            el.tag = f"{{{NS}}}{el.tag}"
    assert lire(etree.tostring(racine), "q.xml").total_ttc == facture.total_ttc


def test_ligne_sans_quantite_refusee(facture):
    racine = etree.fromstring(construire(facture))
    ligne = racine.find("FactureIndiv/LigneFacture")
    ligne.remove(ligne.find("Quantite"))
    with pytest.raises(PESFactureRefusee, match="LigneFacture n° 1 : Quantite et MtUnitaire"):
        lire(etree.tostring(racine), "fluo.xml")
    assert isinstance(facture.lignes[0], LigneAsap)
