"""Acquittements: the public samples read; a rejected bordereau marks exactly its pièces (editable
again, sent again once corrected); errors kept and linked; the old PES_Acquit / PES_NonAcquit;
anything that does not match the file sent is refused and writes nothing."""
import pytest
from sqlalchemy import func, select

from corail.db.models import (
    Bordereau, EtapeFacture, PesAcquittement, PesAcquittementErreur, PesAller, PesAllerPJ, Piece,
)
from corail.errors import NotFound, ValidationError
from corail.formats.pes_acquit import ACQUIT_2011, ACQUIT_V2, NON_ACQUIT, lire_acquittement
from corail.services.mandats import EDITABLES
from corail.services.pes import exporter_pes
from corail.services.pes_acquit import importer_acquittement, lister_acquittements
from tests.pes_fixtures import (
    acquit_v2, bordereau_construit, bordereau_de_factures, element_bordereau, element_pj, erreur,
    pieces_du_bordereau,
)


def test_echantillons_publics(shared):
    acq = lire_acquittement(shared / "samples/pes/pes_acquit.xml")
    assert (acq.format, acq.nom_fic, acq.cod_col, acq.cod_bud) == (
        ACQUIT_V2, "pescg291201703030412001", "400", "01")
    bordereau, *pjs = acq.elements
    assert (bordereau.domaine, bordereau.accepte, bordereau.num_bord, bordereau.exercice) == ("5", True, 1847, 2015)
    assert [(p.domaine, p.accepte) for p in pjs] == [("4", True)] * 4
    assert pjs[0].id_unique == "200049104000252015DEPENSE0000087458"
    with pytest.raises(ValidationError, match="accusé de réception de PES Retour"):
        lire_acquittement(shared / "samples/pes/PES_ACQUIT_RETOUR.xml")
    with pytest.raises(ValidationError, match="racine « PES_Aller »"):
        lire_acquittement(shared / "samples/pes/pes_aller.xml")


@pytest.mark.parametrize("contenu, message", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boum">]><PES_Acquit><Acquit><NomFic V="&e;"/>'
     b'</Acquit></PES_Acquit>', "DOCTYPE refusée"),
    (b"<PES_ACQUIT><Enveloppe>", "n'est pas un fichier XML lisible"),
    (b"%PDF-1.4", "n'est pas un fichier XML lisible"),
    ("<PES_Acquit><Acquit><NomFic V='é'/></Acquit></PES_Acquit>".encode("latin-1"),
     "n'est pas un fichier XML lisible"),
    (b'<PES_ACQUIT><Enveloppe><Parametres><NomFic V="X"/></Parametres></Enveloppe><ACQUIT>'
     b'<ElementACQUIT><DomaineAck V="5"/><EtatAck V="peut-etre"/></ElementACQUIT></ACQUIT></PES_ACQUIT>',
     "EtatAck « peut-etre » illisible"),
    (b'<PES_ACQUIT><Enveloppe><Parametres/></Enveloppe></PES_ACQUIT>', "NomFic absent"),
])
def test_fichiers_casses_refuses_en_francais(tmp_path, contenu, message):
    f = tmp_path / "acquit.xml"
    f.write_bytes(contenu)
    with pytest.raises(ValidationError, match=message):
        lire_acquittement(f)


def _deux_bordereaux(session, ctx, tmp_path):
    b1 = bordereau_de_factures(session, ctx, tmp_path / "flux1", "100.00", "200.00", prefixe="A")
    b2 = bordereau_de_factures(session, ctx, tmp_path / "flux2", "300.00", "400.00", prefixe="B")
    autre = bordereau_construit(session, ctx, [["50.00"]])  # not sent: must stay untouched
    info = exporter_pes(session, ctx, [b1, b2], tmp_path / "transfert")
    return b1, b2, autre, info


def _ecrire(tmp_path, nom, contenu: bytes):
    f = tmp_path / nom
    f.write_bytes(contenu)
    return f


def test_un_bordereau_rejete_marque_exactement_ses_pieces(session, ctx, tmp_path):
    b1, b2, autre, info = _deux_bordereaux(session, ctx, tmp_path)
    n1, n2 = session.get(Bordereau, b1).numero, session.get(Bordereau, b2).numero
    fautive = pieces_du_bordereau(session, b2)[1]
    pjs = session.scalars(select(PesAllerPJ).order_by(PesAllerPJ.id)).all()
    detail = (f'<DetailPiece><NumPiece V="{fautive.numero}"/>{erreur("ERREUR_CODIFICATION", "Nature inconnue")}'
              f'<DetailLigne><NumLigne V="1"/>{erreur("ERREUR_AUTRE", "Ligne 1 incorrecte")}</DetailLigne>'
              f'</DetailPiece>')
    fichier = _ecrire(tmp_path, "ACK.xml", acquit_v2(info.nom_fic, [
        element_bordereau(n1, True),
        element_bordereau(n2, False, erreurs=erreur("ERREUR_CUMUL_MONTANTS", "Cumul incohérent") + detail),
        *[element_pj(p.id_unique, True) for p in pjs[:-1]],
        element_pj(pjs[-1].id_unique, False, erreur("ERREUR_PJ", "PJ illisible")),
    ]))
    res = importer_acquittement(session, ctx, fichier)
    assert (res.etat, res.nb_acceptes, res.nb_rejetes) == ("accepte_partiel", 4, 2)
    assert [p.etat for p in pieces_du_bordereau(session, b1)] == ["accepte", "accepte"]
    rejetees = pieces_du_bordereau(session, b2)
    assert [p.etat for p in rejetees] == ["rejete", "rejete"] and all(p.etat in EDITABLES for p in rejetees)
    assert [p.etat for p in pieces_du_bordereau(session, autre)] == ["numerote"]
    assert (session.get(Bordereau, b1).etat, session.get(Bordereau, b2).etat) == ("accepte", "rejete")
    assert session.get(PesAller, info.id).etat == "accepte_partiel"
    assert [p.etat for p in session.scalars(select(PesAllerPJ).order_by(PesAllerPJ.id))] == \
        ["accepte"] * 3 + ["rejete"]
    # the errors, linked to what they are about
    erreurs = {(e.objet, e.code) for e in res.erreurs}
    assert (f"Bordereau n° {n2} (mandats 2026, type 01)", "ERREUR_CUMUL_MONTANTS") in erreurs
    assert (f"Mandat n° {fautive.numero}", "ERREUR_CODIFICATION") in erreurs
    assert (f"Mandat n° {fautive.numero}, ligne 1", "ERREUR_AUTRE") in erreurs
    assert (f"PJ « {pjs[-1].nom_pj} »", "ERREUR_PJ") in erreurs
    ligne = session.scalars(select(PesAcquittementErreur).where(PesAcquittementErreur.code == "ERREUR_AUTRE")).one()
    assert (ligne.piece_id, ligne.bordereau_id, ligne.numero_ligne) == (fautive.id, b2, "1")
    # the invoices' étapes
    etape = session.scalars(select(EtapeFacture).where(EtapeFacture.piece_id == fautive.id,
                                                      EtapeFacture.etape == "acquittement")).one()
    assert etape.complement == f"Bordereau n° {n2} rejeté par Hélios : ERREUR_CODIFICATION Nature inconnue"
    assert session.scalar(select(func.count()).select_from(EtapeFacture)
                          .where(EtapeFacture.etape == "acquittement")) == 4
    # the same file again, or another acquittement of the same PES Aller: refused
    with pytest.raises(ValidationError, match="a déjà été lu le 15/10/2026"):
        importer_acquittement(session, ctx, fichier)
    autre_ack = _ecrire(tmp_path, "ACK2.xml", acquit_v2(info.nom_fic, [element_bordereau(n1, True)]))
    with pytest.raises(ValidationError, match="est déjà acquitté"):
        importer_acquittement(session, ctx, autre_ack)
    # corrected, the rejected bordereau goes again; the accepted one does not
    nouveau = exporter_pes(session, ctx, [b2], tmp_path / "transfert")
    assert nouveau.nb_pieces == 2 and session.get(Bordereau, b2).etat == "transmis"
    assert [p.etat for p in pieces_du_bordereau(session, b2)] == ["transmis", "transmis"]
    with pytest.raises(ValidationError, match="déjà transmis"):
        exporter_pes(session, ctx, [b1], tmp_path / "transfert")
    assert [a.nom_fichier for a in lister_acquittements(session, ctx)] == ["ACK.xml"]


def test_rejet_du_fichier_entier_et_anciens_formats(session, ctx, tmp_path):
    b1 = bordereau_construit(session, ctx, [["10.00"], ["20.00"]])
    info = exporter_pes(session, ctx, [b1], tmp_path / "t1")
    ack = _ecrire(tmp_path, "nack.xml", (
        f'<PES_NonAcquit><Enveloppe><Parametres><Version V="1"/><TypFic V="PESALR2"/>'
        f'<NomFic V="{info.nom_fic}"/></Parametres></Enveloppe><NonAcquit><NomFic V="{info.nom_fic}"/>'
        f'<Motif V="Signature absente"/></NonAcquit></PES_NonAcquit>').encode())
    res = importer_acquittement(session, ctx, ack)
    assert (res.format, res.etat, res.motif) == (NON_ACQUIT, "rejete", "Signature absente")
    assert [(e.objet, e.code, e.libelle) for e in res.erreurs] == [("Fichier", "NON_ACQUIT", "Signature absente")]
    assert [p.etat for p in pieces_du_bordereau(session, b1)] == ["rejete", "rejete"]
    assert session.scalars(select(PesAllerPJ.etat)).all() == ["rejete", "rejete"]

    b2 = bordereau_construit(session, ctx, [["30.00"]])
    info = exporter_pes(session, ctx, [b2], tmp_path / "t2")
    ack = _ecrire(tmp_path, "ack.xml", f'<PES_Acquit><Enveloppe><Parametres><NomFic V="{info.nom_fic}"/>'
                  f'</Parametres></Enveloppe><Acquit><NomFic V="{info.nom_fic}"/></Acquit></PES_Acquit>'.encode())
    assert importer_acquittement(session, ctx, ack).etat == "accepte"
    assert [p.etat for p in pieces_du_bordereau(session, b2)] == ["accepte"]

    # PES_ACQUIT of 2011 (…/Rev0/retour): the pièce in the element itself; a technical rejection
    b3 = bordereau_construit(session, ctx, [["40.00"], ["50.00"]])
    info = exporter_pes(session, ctx, [b3], tmp_path / "t3")
    numero = session.get(Bordereau, b3).numero
    piece = pieces_du_bordereau(session, b3)[0]
    ack = _ecrire(tmp_path, "ack2011.xml", (
        f'<?xml version="1.0" encoding="ISO-8859-1"?><n:PES_ACQUIT xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour"><Enveloppe>'
        f'<Parametres><NomFic V="{info.nom_fic}"/></Parametres></Enveloppe><EnTetePES><DteStr V="2026-10-16"/>'
        f'</EnTetePES><ACQUIT><EnTeteAcquit><IdVer V="1"/></EnTeteAcquit><ElementACQUIT><DomaineAck V="5"/>'
        f'<EtatAck V="0"/><NumBord V="{numero}"/><NumPiece V="{piece.numero}"/>'
        f'<NumAnoAck V="ERREUR_DOUBLON_PIECE"/><LibelleAnoAck V="Pièce déjà reçue"/></ElementACQUIT>'
        f'</ACQUIT></n:PES_ACQUIT>').encode("iso-8859-1"))
    res = importer_acquittement(session, ctx, ack)
    assert res.format == ACQUIT_2011 and res.etat == "rejete"
    assert [(e.objet, e.libelle) for e in res.erreurs] == [(f"Mandat n° {piece.numero}", "Pièce déjà reçue")]
    assert [p.etat for p in pieces_du_bordereau(session, b3)] == ["rejete", "rejete"]


def test_acquittement_d_un_autre_fichier_refuse_sans_rien_ecrire(session, ctx, tmp_path):
    b1 = bordereau_construit(session, ctx, [["10.00"]])
    info = exporter_pes(session, ctx, [b1], tmp_path / "t")
    numero = session.get(Bordereau, b1).numero
    for contenu, exc, message in (
        (acquit_v2("PES_INCONNU", [element_bordereau(numero, True)]), NotFound, "qu'aucun PES Aller"),
        (acquit_v2(info.nom_fic, [element_bordereau(numero + 1, False)]), ValidationError,
         f"bordereau n° {numero + 1}/2026 \\(dépense\\) absent du PES Aller"),
        (acquit_v2(info.nom_fic, [element_pj("AUTRE0001", True)]), ValidationError, "PJ « AUTRE0001 » absente"),
        (acquit_v2(info.nom_fic, [element_bordereau(numero, True)], cod_bud="02"), ValidationError,
         "CodBud « 02 » au lieu de « 01 »"),
    ):
        with pytest.raises(exc, match=message):
            importer_acquittement(session, ctx, _ecrire(tmp_path, "x.xml", contenu))
    assert session.scalar(select(func.count()).select_from(PesAcquittement)) == 0
    assert session.get(Bordereau, b1).etat == "transmis"
    assert session.get(Piece, pieces_du_bordereau(session, b1)[0].id).etat == "transmis"
