"""Refused pivot files: a French message naming file, invoice and element; nothing written."""
import base64
import io
import zipfile

import pytest

from corail.errors import ValidationError
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux, zip_pivots
from corail.formats.pivot_reader import Limites
from corail.services.pivot_import import importer_fichier
from tests.pivot_fixtures import compter, ecrire, flux_simple

BON = flux_simple("F-100")


def _importer(db, ctx, chemin, **kw):
    with db.transaction() as s:
        return importer_fichier(s, ctx, chemin, **kw)


def _remplacer(data: bytes, avant: str, apres: str) -> bytes:
    assert avant.encode() in data, avant
    return data.replace(avant.encode(), apres.encode(), 1)


def _pj_zip(contenu: bytes, n: int = 1, nom="facture.pdf") -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr(f"{i}{nom}", contenu)
    return base64.b64encode(buf.getvalue()).decode()


def _contenu(data: bytes) -> str:
    debut = data.index(b"<Contenu>") + len(b"<Contenu>")
    return data[debut:data.index(b"</Contenu>")].decode()


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                  b"<CPPFacturePivot>&lol2;</CPPFacturePivot>")
EXTERNE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<CPPFacturePivot>&x;</CPPFacturePivot>")

CAS = {
    "vide": (b"", "n'est pas un fichier XML lisible|fichier vide"),
    "pas_du_xml": (b"%PDF-1.4 ceci est un PDF", "n'est pas un fichier XML lisible"),
    "html": (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "élément racine « html »"),
    "pes": (b'<?xml version="1.0"?><PES_Aller><Enveloppe/></PES_Aller>', "élément racine « PES_Aller »"),
    "statut": (b"<CPPStatut><Enveloppe/></CPPStatut>", "élément racine « CPPStatut »"),
    "tronque": (BON[: len(BON) // 2], "XML invalide ou tronqué"),
    "dtd_entites": (BILLION_LAUGHS, "DTD interdite"),
    "entite_externe": (EXTERNE, "DTD interdite"),
    "sans_facture": (b"<CPPFacturePivot><Enveloppe/><CPPFactures Compteur='0'/></CPPFacturePivot>",
                     "aucune facture"),
    "date_invalide": (_remplacer(BON, "<DateReception>2026-10-05", "<DateReception>2026-13-45"),
                      "facture F-100.*DonneesFacture/DateReception.*date invalide « 2026-13-45 »"),
    "montant_invalide": (_remplacer(BON, "<MontantTTC>1200.000000", "<MontantTTC>12OO,00"),
                         "facture F-100.*Montants/MontantTTC.*nombre invalide"),
    "montant_absurde": (_remplacer(BON, "<MontantTTC>1200.000000", "<MontantTTC>1e400"),
                        "facture F-100.*nombre invalide"),
    "sans_numero": (_remplacer(BON, "<Id>F-100</Id>", ""),
                    "facture n° 1 du flux : élément DonneesFacture/Id manquant"),
    "sans_fournisseur": (_remplacer(BON, "<RaisonSociale>SARL Structure 1 SIRET</RaisonSociale>", ""),
                         "facture F-100 : élément Fournisseur/RaisonSociale manquant"),
    "type_inconnu": (_remplacer(BON, "<Type>380</Type>", "<Type>999</Type>"),
                     "DonneesFacture/Type « 999 » inconnu"),
    "base64_invalide": (_remplacer(BON, _contenu(BON)[:8], "!!!!$$$$"), "Contenu \\(base64\\) invalide"),
    "type_pj_inconnu": (_remplacer(BON, "<TypePJ>01</TypePJ>", "<TypePJ>07</TypePJ>"),
                        "PJ n° 1 : élément TypePJ « 07 » inconnu"),
    "zip_deux_fichiers": (_remplacer(BON, _contenu(BON), _pj_zip(b"%PDF-1.4", n=2)),
                          "archive ZIP de 2 fichiers"),
    "zip_bombe": (_remplacer(BON, _contenu(BON), _pj_zip(b"\0" * (30 * 2**20))),
                  "archive ZIP suspecte"),
}


@pytest.mark.parametrize("cas", sorted(CAS))
def test_fichier_refuse_rien_ecrit(db, ctx, tmp_path, cas):
    data, motif = CAS[cas]
    chemin = ecrire(tmp_path, f"{cas}.xml", data)
    avant = compter(db)
    with pytest.raises(ValidationError, match=motif) as exc:
        _importer(db, ctx, chemin)
    assert f"{cas}.xml" in str(exc.value)
    assert compter(db) == avant


def test_pj_trop_grosse(db, ctx, tmp_path):
    data = flux_simple("F-200")
    avant = compter(db)
    with pytest.raises(ValidationError, match="PJ trop volumineuse"):
        _importer(db, ctx, ecrire(tmp_path, "gros.xml", data), limites=Limites(taille_pj_max=10))
    assert compter(db) == avant


def test_meme_flux_deux_fois(db, ctx, tmp_path):
    chemin = ecrire(tmp_path, "a.xml", BON)
    _importer(db, ctx, chemin)
    avant = compter(db)
    with pytest.raises(ValidationError, match="déjà lu le 15/10/2026"):
        _importer(db, ctx, ecrire(tmp_path, "copie.xml", BON))
    assert compter(db) == avant


def test_fichier_absent(db, ctx, tmp_path):
    with pytest.raises(ValidationError, match="introuvable"):
        _importer(db, ctx, tmp_path / "absent.xml")


def test_zip_de_chorus_pro_plusieurs_xml(db, ctx, tmp_path):
    chemin = zip_pivots(tmp_path / "telechargement.zip",
                        {"a.xml": flux_simple("F-301", "F-302"), "b.xml": flux_simple("F-303")})
    res = _importer(db, ctx, chemin)
    assert [f.nb_factures for f in res.flux] == [2, 1]
    assert res.flux[0].nom == "telechargement.zip › a.xml"
    avant = compter(db)
    with pytest.raises(ValidationError, match="déjà lu"):
        _importer(db, ctx, chemin)
    assert compter(db) == avant


def test_zip_sans_xml(db, ctx, tmp_path):
    chemin = zip_pivots(tmp_path / "x.zip", {"lisezmoi.txt": b"rien"})
    with pytest.raises(ValidationError, match="aucun fichier XML"):
        _importer(db, ctx, chemin)


@pytest.mark.parametrize("options", [
    dict(version="V2_02"), dict(encoding="ISO-8859-1"), dict(zip_pj=False),
])
def test_variantes_acceptees(db, ctx, tmp_path, options):
    facture = exemple_facture("F-400", siret_debiteur="21310555400017", code_service=None,
                              fournisseur=("32682006500083", "Société Générale d'Équipement"),
                              avec_pdf=False, id_cpro=4242)
    data = build_pivot(exemple_flux(facture), **options)
    res = _importer(db, ctx, ecrire(tmp_path, "v.xml", data))
    assert res.nb_factures == 1 and res.anomalies == 0
    from sqlalchemy import select

    from corail.db.models import FactureDemat
    with db.lecture() as s:
        fd = s.scalars(select(FactureDemat)).one()
    assert fd.fournisseur_raison_sociale == "Société Générale d'Équipement"
    assert fd.id_cpro == (4242 if options.get("version") == "V2_02" else None)


def test_bom_utf8(db, ctx, tmp_path):
    data = BON.split(b"?>", 1)[1].lstrip()
    res = _importer(db, ctx, ecrire(tmp_path, "bom.xml", b"\xef\xbb\xbf" + data))
    assert res.nb_factures == 1


def test_espace_de_noms_ignore(db, ctx, tmp_path):
    data = BON.replace(b"<CPPFacturePivot ", b'<CPPFacturePivot xmlns="urn:exemple" ', 1)
    assert _importer(db, ctx, ecrire(tmp_path, "ns.xml", data)).nb_factures == 1


def test_montants_incoherents_en_anomalie(db, ctx, tmp_path):
    data = _remplacer(flux_simple("F-500"), "<MontantTTC>1200.000000", "<MontantTTC>1210.000000")
    res = _importer(db, ctx, ecrire(tmp_path, "m.xml", data))
    assert res.anomalies == 1
    from sqlalchemy import select

    from corail.db.models import FactureDemat
    with db.lecture() as s:
        assert "Montants incohérents" in s.scalars(select(FactureDemat.anomalie)).one()


def test_renvoi_lie_a_la_premiere_livraison(db, ctx, tmp_path):
    from dataclasses import replace

    from sqlalchemy import select

    from corail.db.models import FactureDemat
    f = exemple_facture("F-600", siret_debiteur="21310555400017", code_service=None, avec_pdf=False,
                        id_cpro=77)
    _importer(db, ctx, ecrire(tmp_path, "1.xml", build_pivot(exemple_flux(f), version="V2_02")))
    renvoi = replace(f, renvoi="Complétée")
    res = _importer(db, ctx, ecrire(tmp_path, "2.xml", build_pivot(exemple_flux(renvoi), version="V2_02")))
    assert res.anomalies == 0
    with db.lecture() as s:
        premiere, seconde = s.scalars(select(FactureDemat).order_by(FactureDemat.id)).all()
    assert seconde.facture_precedente_id == premiere.id
