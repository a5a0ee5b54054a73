"""PES Aller, as the trésorerie will receive it: valid against the DGFiP schemas, PJ gzipped then
base64 and given back byte for byte, IdUnique never reused, amounts adding up; every problem
listed before anything is written; a cancelled or failing export leaves no file."""
import copy
import hashlib
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import func, select

from corail.db.models import (
    PJ, Bordereau, Compteur, EtapeFacture, PesAller, PesAllerPJ, Piece, Tiers,
)
from corail.errors import Cancelled, ValidationError
from corail.formats import pes_aller as w
from corail.jobs import JobControl
from corail.services.numerotation import annuler_mandat, numeroter
from corail.services.pes import exporter_pes, verifier_bordereaux
from corail.services.pj import lire_pj
from tests.pes_fixtures import (
    XSD_2011, bordereau_construit, bordereau_de_factures, lire_pes, pieces_du_bordereau, pj_du_fichier,
)

#: newer than the 2011 schema set: checked one by one, then removed before validating the rest
NOUVEAUX = ("Edition", "NumeroEngagement", "CodeService")


def _schema(shared):
    return etree.XMLSchema(etree.parse(str(shared / XSD_2011)))


def _valider_2011(schema, arbre) -> None:
    assert schema.validate(arbre), "\n".join(str(e) for e in schema.error_log)


def test_mandats_et_annulation_valident_le_schema_dgfip_2011(session, ctx, tmp_path, shared):
    b1 = bordereau_de_factures(session, ctx, tmp_path / "flux", "1000.00", "250.00")
    premier = pieces_du_bordereau(session, b1)[0]
    annuler_mandat(session, ctx, premier.id, motif="Erreur de quantité", montant=Decimal("100.00"))
    (b2,) = numeroter(session, ctx, train="Normal").bordereaux
    assert b2.type_bord == "02"
    info = exporter_pes(session, ctx, [b1, b2.id], tmp_path / "transfert")
    arbre = lire_pes(tmp_path / "transfert" / info.nom_fichier)
    _valider_2011(_schema(shared), arbre)
    bordereaux = arbre.findall("PES_DepenseAller/Bordereau")
    assert [b.find("BlocBordereau/TypBord").get("V") for b in bordereaux] == ["01", "02"]
    # the réduction: a positive amount on a 02 bordereau, pointing at the mandat it reduces
    (ligne,) = bordereaux[1].findall("Piece/LigneDePiece")
    assert ligne.find("BlocLignePiece/InfoLignePce/MtHT").get("V") == "100.00"
    assert bordereaux[1].find("Piece/BlocPiece/InfoPce/NatPce").get("V") == "06"
    ratt = ligne.find("BlocLignePiece/RattachPiece")
    assert (ratt.find("NatPceOrig").get("V"), ratt.find("IdPceOrig").get("V")) == ("01", str(premier.numero))
    # DGP from the invoice's reception date and the budget's 30 days
    dgp = bordereaux[0].find("Piece/BlocPiece/DGP")
    assert (dgp.find("DteDebDgp").get("V"), dgp.find("DteFinDgp").get("V"), dgp.find("DureeDgp").get("V")) \
        == ("2026-10-05", "2026-11-04", "30")


def test_le_fichier_rend_les_pj_et_les_montants(session, ctx, tmp_path):
    bid = bordereau_de_factures(session, ctx, tmp_path / "flux", "1000.00", "250.00", "99.99")
    info = exporter_pes(session, ctx, [bid], tmp_path / "transfert")
    chemin = tmp_path / "transfert" / info.nom_fichier
    brut = chemin.read_bytes()
    assert brut.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert (info.taille, info.sha256) == (len(brut), hashlib.sha256(brut).hexdigest())
    assert list((tmp_path / "transfert").iterdir()) == [chemin]  # no temporary file left
    arbre = lire_pes(chemin)
    assert arbre.find("Enveloppe/Parametres/NomFic").get("V") == info.nom_fic
    entete = {e.tag: e.get("V") for e in arbre.find("EnTetePES")}
    assert (entete["IdColl"], entete["CodCol"], entete["CodBud"], entete["IdPost"]) == (
        "21310555400017", "123", "01", "031000")
    bloc = arbre.find("PES_DepenseAller/Bordereau/BlocBordereau")
    bordereau = session.get(Bordereau, bid)
    montants = [Decimal(m.get("V")) for m in arbre.iterfind(".//InfoLignePce/MtHT")]
    assert Decimal(bloc.find("MtBordHT").get("V")) == sum(montants) == bordereau.montant == info.montant
    assert int(bloc.find("NbrPce").get("V")) == bordereau.nb_pieces == 3
    # each mandat's PJ travels once, gzipped then base64, referenced by its IdUnique
    envoyees = pj_du_fichier(arbre)
    refs = [r.get("V") for r in arbre.iterfind(".//InfoPce/PJRef/IdUnique")]
    assert sorted(refs) == sorted(envoyees) and len(set(refs)) == 3
    for row in session.scalars(select(PesAllerPJ)):
        type_pj, contenu = envoyees[row.id_unique]
        assert type_pj == "003" and contenu == b"".join(lire_pj(session, row.pj_id))
        assert row.id_unique.isalnum() and len(row.id_unique) <= 50
    # états and étapes
    assert bordereau.etat == "transmis"
    assert {p.etat for p in pieces_du_bordereau(session, bid)} == {"transmis"}
    etapes = session.scalars(select(EtapeFacture).where(EtapeFacture.etape == "pes_aller")).all()
    assert len(etapes) == 3 and all(info.nom_fichier in e.complement for e in etapes)
    # sent once: a second export is refused and writes nothing
    with pytest.raises(ValidationError) as exc:
        exporter_pes(session, ctx, [bid], tmp_path / "transfert")
    assert f"déjà transmis (état « Transmis ») dans le PES Aller « {info.nom_fichier} »" in str(exc.value)
    assert len(list((tmp_path / "transfert").iterdir())) == 1


def test_id_unique_jamais_reutilise(session, ctx, tmp_path):
    b1 = bordereau_construit(session, ctx, [["10.00"], ["20.00"]])
    premier = exporter_pes(session, ctx, [b1], tmp_path)
    b2 = bordereau_construit(session, ctx, [["30.00"]])
    second = exporter_pes(session, ctx, [b2], tmp_path)
    assert premier.nom_fic != second.nom_fic
    ids = session.scalars(select(PesAllerPJ.id_unique).order_by(PesAllerPJ.id)).all()
    assert len(ids) == len(set(ids)) == 3
    assert [i[-10:] for i in ids] == ["0000000001", "0000000002", "0000000003"]
    compteur = session.get(Compteur, (ctx.budget_id, ctx.exercice, "pj_pes"))
    assert compteur.prochain == 4


def test_tous_les_problemes_avant_d_ecrire_et_rien_d_ecrit(session, ctx, tmp_path):
    ok = bordereau_construit(session, ctx, [["10.00"]])
    sans_compte = bordereau_construit(session, ctx, [["10.00"]], iban=None)
    faux_iban = bordereau_construit(session, ctx, [["10.00"]], iban="FR7630006000011234567890188")
    etranger = bordereau_construit(session, ctx, [["10.00"]], iban="DE89370400440532013000")
    negatif = bordereau_construit(session, ctx, [["10.00", "-2.00"]])
    triplet = bordereau_construit(session, ctx, [["10.00"]], nat_pce="06")
    sans_natjur = bordereau_construit(session, ctx, [["10.00"]], nat_jur=None)
    sans_ext = bordereau_construit(session, ctx, [["10.00"]], pj=("facture", b"%PDF"))
    long = bordereau_construit(session, ctx, [["10.00"]], numero=12_345_678)
    faux_total = bordereau_construit(session, ctx, [["10.00"]])
    session.get(Bordereau, faux_total).montant = Decimal("11.00")
    n = {b: session.get(Bordereau, b).numero for b in (sans_compte, negatif, long, faux_total)}
    mandat = {b: pieces_du_bordereau(session, b)[0].numero
              for b in (sans_compte, faux_iban, etranger, negatif, triplet, sans_natjur, sans_ext)}
    tous = [ok, sans_compte, faux_iban, etranger, negatif, triplet, sans_natjur, sans_ext, long, faux_total]
    problemes = verifier_bordereaux(session, ctx, tous)
    attendus = [
        f"Mandat n° {mandat[sans_compte]} : mode de règlement 03 (virement) sans compte bancaire",
        f"Mandat n° {mandat[faux_iban]} : IBAN invalide : « FR7630006000011234567890188 »",
        f"Mandat n° {mandat[etranger]} : BIC manquant : obligatoire avec un IBAN hors de France (DE)",
        f"Mandat n° {mandat[negatif]}, ligne 2 : montant -2.00 : un montant positif est attendu",
        f"Mandat n° {mandat[triplet]} : nature 06 (annulation) sur un bordereau 01",
        f"Mandat n° {mandat[sans_natjur]} : tiers « Fournitures du Midi » : nature juridique (NatJur) manquante",
        f"Mandat n° {mandat[sans_ext]}, PJ « facture » : nom de fichier sans extension",
        f"Bordereau n° {n[long]} (mandats 2026, type 01) : numéro (IdBord) hors de 1 à 9 999 999",
        f"Bordereau n° {n[faux_total]} (mandats 2026, type 01) : 1 pièce(s) pour 11.00 annoncées, "
        f"1 pour 10.00 trouvées",
    ]
    for attendu in attendus:
        assert any(p.startswith(attendu) for p in problemes), (attendu, problemes)
    assert len(problemes) == len(attendus)
    with pytest.raises(ValidationError) as exc:
        exporter_pes(session, ctx, tous, tmp_path / "transfert")
    assert "rien n'a été écrit : 9 problème(s)" in str(exc.value)
    assert not (tmp_path / "transfert").exists()
    assert session.scalar(select(func.count()).select_from(PesAller)) == 0
    assert verifier_bordereaux(session, ctx, [ok]) == []


def test_refus_sans_collectivite_complete_ni_bordereau(session, ctx, tmp_path):
    from corail.db.models import Budget
    session.get(Budget, ctx.budget_id).siret = "21310555400018"
    problemes = verifier_bordereaux(session, ctx, [999_999])
    assert "Budget 123-01 : SIRET du budget (IdColl) invalide : « 21310555400018 »" in problemes
    assert "Bordereau 999999 introuvable" in problemes


def _ecriture(session, ctx, tmp_path, n=4):
    """n mandats, each with a PJ of 100 KB that gzip cannot shrink (like a PDF)."""
    import random
    octets = random.Random(7).randbytes(100_000)
    return bordereau_construit(session, ctx, [["10.00"]] * n, pj=("f.pdf", octets))


def test_export_annule_ou_en_panne_ne_laisse_aucun_fichier(session, ctx, tmp_path, monkeypatch):
    bid = _ecriture(session, ctx, tmp_path)
    sortie = tmp_path / "transfert"
    vus = []
    control = JobControl(on_progress=lambda fait, total: (vus.append(fait), fait == 6 and control.cancel()))
    with pytest.raises(Cancelled):
        exporter_pes(session, ctx, [bid], sortie, control=control)
    assert 6 in vus and list(sortie.iterdir()) == []
    session.rollback()

    original = w.gzip_base64

    def casse(blocs):  # a failure in the middle of the PJ
        yield from original(blocs)
        raise OSError(28, "No space left on device")
    bid = _ecriture(session, ctx, tmp_path)
    monkeypatch.setattr(w, "gzip_base64", casse)
    with pytest.raises(OSError):
        exporter_pes(session, ctx, [bid], sortie)
    assert list(sortie.iterdir()) == []


def test_texte_iso_8859_1():
    assert w.texte_pes("Œuvre – l’été\t€ 5\u202f000", 100) == "OEuvre - l'été EUR 5 000"
    assert w.texte_pes("Łódź\x07", 3) == "Lód"
    assert w.montant_pes(Decimal("1234.5")) == "1234.50"


def test_titres_avec_asap(session, ctx, tmp_path, shared):
    from tests.asap_fixtures import LIGNES, debiteur_public, parametrer, titre_asap
    from corail.services.asap import saisir_asap

    parametrer(session, ctx)
    titre = titre_asap(session, ctx, debiteur_public(session, ctx), type_asap="02")
    saisir_asap(session, ctx, titre, LIGNES, code_service="SERVICE-FIN", numero_engagement="EJ2026-0042")
    piece = session.get(Piece, titre)
    info = exporter_pes(session, ctx, [piece.bordereau_id], tmp_path)
    arbre = lire_pes(tmp_path / info.nom_fichier)
    bloc = arbre.find("PES_RecetteAller/Bordereau/Piece/BlocPiece")
    noms = [e.tag for e in bloc]
    # Edition (schema 5.3): after NatPce (IdRol, DteAsp absent), before ObjPce
    assert noms[noms.index("NatPce") + 1] == "Edition" and noms[noms.index("Edition") + 1] == "ObjPce"
    assert bloc.find("Edition").get("V") == "02"
    # ASAP 02 (Chorus Pro): its references after the PJRef, as schema 5.3 orders them
    apres = noms[noms.index("PJRef") + 1:]
    assert apres == ["NumeroEngagement", "CodeService"]
    assert (bloc.find("NumeroEngagement").get("V"), bloc.find("CodeService").get("V")) == (
        "EJ2026-0042", "SERVICE-FIN")
    (ref,) = bloc.findall("PJRef")
    type_pj, contenu = pj_du_fichier(arbre)[ref.find("IdUnique").get("V")]
    facture = etree.fromstring(contenu)
    assert type_pj == "006" and etree.QName(facture).localname == "PES_Facture"
    ref_titre = facture.find(".//RefTitre")
    assert (ref_titre.find("NumTitre").get("V"), ref_titre.find("NumBordereau").get("V")) == (
        str(piece.numero), str(session.get(Bordereau, piece.bordereau_id).numero))
    # the rest against the 2011 set: the newer elements removed, TypePJ 006 too
    ancien = copy.deepcopy(arbre)
    for e in ancien.iter(*NOUVEAUX):
        e.getparent().remove(e)
    for e in ancien.iterfind("PES_PJ/PJ/TypePJ[@V='006']"):
        e.getparent().remove(e)
    _valider_2011(_schema(shared), ancien)
    assert session.get(Piece, titre).etat == "transmis"
    assert session.scalar(select(PJ.type_pj_pes).join(PesAllerPJ, PesAllerPJ.pj_id == PJ.id)) == "006"


def test_tiers_sans_nature_juridique_nomme(session, ctx, tmp_path):
    bid = bordereau_construit(session, ctx, [["10.00"]])
    tiers = session.scalars(select(Tiers)).first()
    tiers.cat_tiers = "99"
    (p,) = verifier_bordereaux(session, ctx, [bid])
    assert p.endswith("tiers « Fournitures du Midi » : catégorie (CatTiers) inconnue")


_EXPORT_TUE = r"""
import sys, time
from pathlib import Path
from corail.context import Context, FixedClock
from corail.db.engine import Database
from corail.jobs import JobControl
from corail.services.pes import exporter_pes

url, bid, sortie, marque, coll, budget = sys.argv[1:7]

def progres(fait, total):
    if fait == 6:  # 4 mandats and 2 PJ written: the temporary file is well under way
        Path(marque).write_text("en cours")
        time.sleep(120)

db = Database(url)
with db.transaction() as s:
    exporter_pes(s, Context(int(coll), int(budget), 2026, "agent.test", FixedClock()), [int(bid)],
                 Path(sortie), control=JobControl(on_progress=progres))
"""


def test_export_tue_ne_laisse_aucun_fichier_pes(db, ctx, tmp_path):
    """The real proof: a process killed (SIGKILL) in the middle of writing."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    with db.transaction() as s:
        bid = _ecriture(s, ctx, tmp_path)
    sortie, marque = tmp_path / "transfert", tmp_path / "marque"
    racine = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", _EXPORT_TUE, db.url, str(bid), str(sortie), str(marque),
         str(ctx.collectivite_id), str(ctx.budget_id)],
        cwd=racine, env={**os.environ, "PYTHONPATH": str(racine)}, stderr=subprocess.PIPE)
    try:
        debut = time.monotonic()
        while not marque.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() - debut < 120, "l'export n'a pas démarré"
            time.sleep(0.05)
        (temp,) = sortie.iterdir()
        assert temp.name.startswith(".PES") and temp.name.endswith(".xml.partiel")
        assert temp.stat().st_size > 100_000  # two PJ already written
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert list(sortie.glob("*.xml")) == []  # nothing the transfer software would pick up
    with db.lecture() as s:
        assert s.scalar(select(func.count()).select_from(PesAller)) == 0
        assert s.get(Bordereau, bid).etat == "cree"
    # the next export removes what the killed one left (once old enough) and writes its file
    os.utime(temp, (time.time() - 7200, time.time() - 7200))
    with db.transaction() as s:
        info = exporter_pes(s, ctx, [bid], sortie)
    assert [f.name for f in sortie.iterdir()] == [info.nom_fichier]
