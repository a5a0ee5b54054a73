"""The byte-level switch of the pivot reader (``pivot_contenu``): PJ ``Contenu`` to the base64
decoder, the rest to lxml, whatever the block boundaries, with every form XML allows."""
import base64
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from corail.errors import ValidationError
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.formats.pivot_contenu import Aiguilleur, Base64
from corail.formats.pivot_reader import LecteurPivot
from corail.services.pivot_import import importer_fichier
from tests.pivot_fixtures import compter, ecrire, flux_simple

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
B64 = base64.b64encode(PDF)


def _lignes(b64: bytes, largeur: int, fin: bytes = b"\n") -> bytes:
    return fin.join(b64[i:i + largeur] for i in range(0, len(b64), largeur))


# Contenu forms XML allows, and what the decoder must give for each
FORMES = {
    "une_ligne": (b"<Contenu>" + B64 + b"</Contenu>", PDF),
    "lignes_lf": (b"<Contenu>\n" + _lignes(B64, 76) + b"\n</Contenu>", PDF),
    "lignes_crlf_indentees": (b"<Contenu>\r\n    " + _lignes(B64, 64, b"\r\n    ") + b"\r\n</Contenu>", PDF),
    "references": (b"<Contenu>" + _lignes(B64, 76, b"&#13;&#10;") + b"&#xA;</Contenu>", PDF),
    "cdata": (b"<Contenu><![CDATA[" + B64[:400] + b"]]>" + B64[400:] + b"</Contenu >", PDF),
    "commentaire": (b"<Contenu>" + B64[:400] + b"<!-- <Contenu>x</Contenu> -->" + B64[400:]
                    + b"</Contenu>", PDF),
    "prefixe": (b'<p:Contenu xmlns:p="urn:p" a="x>y">' + B64 + b"</p:Contenu>", PDF),
    "vide": (b"<Contenu/>", b""),
    "vide_attribut": (b"<Contenu a='1' />", b""),
}


def _document(contenu: bytes) -> bytes:
    return (b'<?xml version="1.0"?>\n<!-- <Contenu>pas une PJ</Contenu> -->\n<R>\n<PJ>' + contenu
            + b"</PJ><?pi <Contenu>?><X><![CDATA[<Contenu>]]></X>\n<PJ>" + contenu + b"</PJ>\n</R>\n")


def _aiguiller(data: bytes, coupes, tmp_path) -> tuple[bytes, list]:
    xml, decodeurs = bytearray(), []

    def nouveau():
        decodeurs.append(Base64(10**9, tmp_path))
        return decodeurs[-1]

    def refuser(nom):
        raise ValidationError(f"DTD {nom}")

    aiguilleur = Aiguilleur(xml.extend, nouveau, refuser)
    debut = 0
    for coupe in sorted(set(coupes)) + [len(data)]:
        aiguilleur.feed(data[debut:coupe])
        debut = coupe
    aiguilleur.feed(b"", fin=True)
    resultats = []
    for d in decodeurs:
        resultats.append((d.ferme, d.erreur, d.sortie.read()))
        d.abandonner()
    return bytes(xml), resultats


@pytest.mark.parametrize("forme", sorted(FORMES))
def test_contenu_decode_et_xml_sans_le_base64(tmp_path, forme):
    contenu, attendu = FORMES[forme]
    data = _document(contenu)
    xml, decodes = _aiguiller(data, [], tmp_path)
    assert decodes == [(True, None, attendu)] * 2
    assert B64[:40] not in xml  # lxml never sees the base64
    assert xml.count(b"\n") == data.count(b"\n")  # its line numbers stay those of the file
    racine = etree.fromstring(xml)
    assert [(e.text or "").strip() for e in racine.iter("{*}Contenu")] == ["", ""]


@settings(max_examples=60, deadline=None)
@given(forme=st.sampled_from(sorted(FORMES)), coupes=st.lists(st.integers(0, 12_000), max_size=12),
       petit=st.integers(1, 9))
def test_memes_resultats_quelles_que_soient_les_limites_de_blocs(tmp_path_factory, forme, coupes, petit):
    data = _document(FORMES[forme][0])
    tmp = tmp_path_factory.mktemp("a")
    attendu = _aiguiller(data, [], tmp)
    coupes = [c % (len(data) + 1) for c in coupes]
    assert _aiguiller(data, coupes, tmp) == attendu
    assert _aiguiller(data, range(0, len(data), petit), tmp) == attendu  # tiny blocks


@pytest.mark.parametrize("contenu, erreur", [
    (b"<Contenu>" + B64[:-4] + b"!!!!</Contenu>", "base64\\) invalide"),
    (b"<Contenu>QUJD=" + b"QUJD</Contenu>", "base64\\) invalide"),  # data after padding
    (b"<Contenu>QUJDRA</Contenu>", "invalide ou tronqué"),
    (b"<Contenu>QUJD&foo;QUJD</Contenu>", "entité inconnue"),
    (b"<Contenu>QUJD<b>QUJD</b></Contenu>", "balise dans le contenu"),
])
def test_contenu_refuse(tmp_path, contenu, erreur):
    _, decodes = _aiguiller(_document(contenu), [], tmp_path)
    assert all(e is not None for _, e, _ in decodes)
    import re
    assert re.search(erreur, decodes[0][1])


def test_dtd_refusee_meme_apres_un_commentaire(tmp_path):
    with pytest.raises(ValidationError, match="DTD html"):
        _aiguiller(b"<?xml version='1.0'?><!-- x --><!DOCTYPE html><html/>", [30], tmp_path)


# -- through the reader and the import


def _pj_zip(contenu: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("facture.pdf", contenu)
    return buf.getvalue()


def _flux_avec_contenu(contenu: bytes) -> bytes:
    data = flux_simple("F-700")
    debut = data.index(b"<Contenu>")
    fin = data.index(b"</Contenu>") + len(b"</Contenu>")
    return data[:debut] + contenu + data[fin:]


@pytest.mark.parametrize("forme", ["lignes_crlf_indentees", "references", "cdata", "prefixe"])
def test_import_des_formes_de_contenu(db, ctx, tmp_path, forme):
    from corail.services.pj import lire_pj

    zippe = base64.b64encode(_pj_zip(PDF))
    contenu = FORMES[forme][0].replace(B64[:400], zippe[:400]).replace(B64[400:], zippe[400:])
    contenu = contenu.replace(_lignes(B64, 76, b"&#13;&#10;"), _lignes(zippe, 76, b"&#13;&#10;"))
    contenu = contenu.replace(_lignes(B64, 64, b"\r\n    "), _lignes(zippe, 64, b"\r\n    "))
    contenu = contenu.replace(B64, zippe)
    with db.transaction() as s:
        res = importer_fichier(s, ctx, ecrire(tmp_path, "f.xml", _flux_avec_contenu(contenu)))
    assert res.nb_factures == 1
    from sqlalchemy import select

    from corail.db.models import PJ
    with db.lecture() as s:
        pj_id = s.scalars(select(PJ.id)).one()
        assert b"".join(lire_pj(s, pj_id)) == PDF


def test_utf16_avec_bom(db, ctx, tmp_path):
    facture = exemple_facture("F-701", siret_debiteur="21310555400017", code_service=None,
                              fournisseur=("32682006500083", "Société Générale d'Équipement"),
                              avec_pdf=False)
    texte = build_pivot(exemple_flux(facture)).decode("utf-8").replace("UTF-8", "UTF-16", 1)
    with db.transaction() as s:
        res = importer_fichier(s, ctx, ecrire(tmp_path, "u16.xml", texte.encode("utf-16")))
    assert res.nb_factures == 1 and res.anomalies == 0
    from sqlalchemy import select

    from corail.db.models import FactureDemat
    with db.lecture() as s:
        assert s.scalars(select(FactureDemat.fournisseur_raison_sociale)).one() == \
            "Société Générale d'Équipement"


def test_ligne_de_l_erreur_apres_un_contenu_sur_plusieurs_lignes(db, ctx, tmp_path):
    data = build_pivot(exemple_flux(exemple_facture(
        "F-702", siret_debiteur="21310555400017", code_service=None, avec_pdf=False)), b64_width=20)
    ligne = data[:data.index(b"<NomPJ>")].count(b"\n") + 1
    casse = data.replace(b"<NomPJ>", b"<NomPJ><", 1)
    avant = compter(db)
    with pytest.raises(ValidationError, match=f"XML invalide ou tronqué \\(ligne {ligne}\\)"):
        with db.transaction() as s:
            importer_fichier(s, ctx, ecrire(tmp_path, "l.xml", casse))
    assert compter(db) == avant


def test_balise_dans_le_contenu_refusee(db, ctx, tmp_path):
    data = _flux_avec_contenu(b"<Contenu>QUJD<x/>QUJD</Contenu>")
    with pytest.raises(ValidationError, match="F-700, PJ .* balise dans le contenu"):
        with db.transaction() as s:
            importer_fichier(s, ctx, ecrire(tmp_path, "b.xml", data))


@pytest.mark.parametrize("zip_pj", [True, False])
def test_pj_en_memoire_ou_dans_un_fichier_temporaire(tmp_path, zip_pj):
    import random
    from dataclasses import replace

    from corail.formats.pivot_types import PivotPJ

    petit, gros = b"%PDF-1.4 petit", b"%PDF-1.4" + random.Random(1).randbytes(3 * 2**20)
    facture = exemple_facture("F-703", siret_debiteur="21310555400017", code_service=None,
                              avec_pdf=False)
    facture = replace(facture, pjs=(PivotPJ(1, "a.pdf", "01", "application/pdf", petit),
                                    PivotPJ(2, "b.pdf", "02", "application/pdf", gros)))
    data = build_pivot(exemple_flux(facture), zip_pj=zip_pj, b64_width=76)
    (lue,) = LecteurPivot(io.BytesIO(data), "x.xml", tmp_path)
    assert [(pj.zippee, pj.taille, pj.donnees.read()) for pj in lue.pjs] == [
        (zip_pj, len(petit), petit), (zip_pj, len(gros), gros)]
    import hashlib
    assert lue.pjs[1].sha256 == hashlib.sha256(gros).hexdigest()
    for pj in lue.pjs:
        pj.donnees.close()


def test_empreinte_du_flux_calculee_pendant_la_lecture(db, ctx, tmp_path):
    """The flux is hashed while parsed; one of the same size as an earlier one is hashed first."""
    import hashlib

    from sqlalchemy import select

    from corail.db.models import Flux
    a, b = flux_simple("F-801"), flux_simple("F-802")
    assert len(a) == len(b) and a != b
    for nom, data in (("a.xml", a), ("b.xml", b)):
        with db.transaction() as s:
            assert importer_fichier(s, ctx, ecrire(tmp_path, nom, data)).nb_factures == 1
    with db.lecture() as s:
        lus = s.execute(select(Flux.nom_fichier, Flux.sha256, Flux.taille).order_by(Flux.id)).all()
    assert lus == [("a.xml", hashlib.sha256(a).hexdigest(), len(a)),
                   ("b.xml", hashlib.sha256(b).hexdigest(), len(b))]
    avant = compter(db)
    with pytest.raises(ValidationError, match="« b2.xml » déjà lu le 15/10/2026 \\(sous le nom « b.xml »\\)"):
        with db.transaction() as s:
            importer_fichier(s, ctx, ecrire(tmp_path, "b2.xml", b))
    assert compter(db) == avant


def test_flux_deja_lu_vu_en_fin_de_lecture(db, ctx, tmp_path):
    """The check after reading (the size told nothing: e.g. a flux recorded meanwhile by another
    workstation) refuses too, and leaves nothing."""
    import hashlib

    from corail.services.flux import creer_flux
    data = flux_simple("F-803")
    with db.transaction() as s:
        creer_flux(s, ctx, nom_fichier="ailleurs.xml", sha256=hashlib.sha256(data).hexdigest(),
                   taille=len(data) + 1)
    avant = compter(db)
    with pytest.raises(ValidationError, match="déjà lu le 15/10/2026 \\(sous le nom « ailleurs.xml »\\)"):
        with db.transaction() as s:
            importer_fichier(s, ctx, ecrire(tmp_path, "c.xml", data))
    assert compter(db) == avant


def test_facture_a_nombreuses_pj(tmp_path):
    """Past ``SPOOLS_EN_MEMOIRE`` files in memory, the PJ of an invoice wait on disk: same bytes."""
    from dataclasses import replace

    from corail.formats.pivot_reader import SPOOLS_EN_MEMOIRE
    from corail.formats.pivot_types import PivotPJ

    contenus = [b"%PDF-1.4 " + bytes([n]) * (1000 + n) for n in range(2 * SPOOLS_EN_MEMOIRE + 3)]
    facture = replace(exemple_facture("F-705", siret_debiteur="21310555400017", code_service=None,
                                      avec_pdf=False),
                      pjs=tuple(PivotPJ(n + 1, f"p{n}.pdf", "02", "application/pdf", c)
                                for n, c in enumerate(contenus)))
    (lue,) = LecteurPivot(io.BytesIO(build_pivot(exemple_flux(facture))), "x.xml", tmp_path)
    assert [pj.donnees.read() for pj in lue.pjs] == contenus
    for pj in lue.pjs:
        pj.donnees.close()
