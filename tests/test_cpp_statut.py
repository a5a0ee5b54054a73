"""CPPStatut files: written in the schema's order (valid against CPPStatutPivot_V1_19.xsd), read
back, the public samples read or refused as Pastell does; the export of the statuses to set in
Chorus Pro (mode portail) and ``corail statuts``."""
from datetime import date, datetime, timezone

import pytest
from lxml import etree
from sqlalchemy import select

from corail.cli.main import main
from corail.db.models import Collectivite, FactureDemat, StatutChorus
from corail.errors import ValidationError
from corail.formats.cpp_statut import (
    FluxStatut, StatutFacture, StatutRefuse, construire_cpp_statut, lire_cpp_statut,
)
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.pivot_import import importer_fichier
from corail.services.rejets import rejeter
from corail.services.statuts import ajouter_statut, lister_statuts
from corail.services.statuts_export import exporter_statuts
from tests.conftest import SHARED
from tests.pivot_fixtures import ecrire

SIRET = "21310555400017"


def _statut(**kw) -> StatutFacture:
    valeurs = dict(id_statut="05", horodatage=datetime(2026, 10, 15, 9, 30, tzinfo=timezone.utc),
                   id_facture="FAC-2026-17", fournisseur_identifiant="32682006500083",
                   fournisseur_raison_sociale="SARL Structure 1", debiteur_identifiant=SIRET,
                   commentaire="Autre motif : doublon", date_facture=date(2026, 10, 3),
                   debiteur_nom="Commune test", code_service="SERV1")
    valeurs.update(kw)
    return StatutFacture(**valeurs)


def _flux(*statuts) -> FluxStatut:
    return FluxStatut(id_flx="CORAIL20261015113000000001", date_production=date(2026, 10, 15),
                      statuts=statuts or (_statut(),), emetteur_libelle="Commune test")


def test_ecrit_dans_l_ordre_du_schema_et_se_relit():
    data = construire_cpp_statut(_flux(_statut(), _statut(id_statut="08", commentaire=None,
                                                          id_mandat_dp="42", id_facture="F-2")))
    racine = etree.fromstring(data)
    assert racine.find("CPPFactureStatuts").get("compteur") == "2"
    donnees = racine.find("CPPFactureStatuts/CPPFactureStatutUnitaire/DonneesStatut")
    assert [e.tag for e in donnees] == ["IdStatut", "ComplementStatut", "Commentaire", "Horodatage",
                                        "IdFacture", "DateFacture"]
    assert donnees.findtext("Horodatage") == "2026-10-15T11:30:00.000+02:00"  # Paris, with its offset
    assert donnees.findtext("IdStatut") == "05"
    relu = lire_cpp_statut(data, nom="x.xml")
    assert relu.id_flx == "CORAIL20261015113000000001"
    assert [(s.id_statut, s.id_facture, s.id_mandat_dp, s.commentaire) for s in relu.statuts] == [
        ("05", "FAC-2026-17", None, "Autre motif : doublon"), ("08", "F-2", "42", None)]
    assert relu.statuts[0].horodatage == datetime(2026, 10, 15, 9, 30, tzinfo=timezone.utc)


@pytest.mark.shared
def test_valide_contre_le_xsd(shared):
    schema = etree.XMLSchema(etree.parse(str(shared / "reference/chorus/CPPStatutPivot_V1_19.xsd")))
    for flux in (_flux(), _flux(_statut(id_statut="04", code_service=None, debiteur_nom=None,
                                        fournisseur_code_pays=None, date_facture=None),
                                _statut(id_statut="08", id_mandat_dp="2026-00017", commentaire=None))):
        doc = etree.fromstring(construire_cpp_statut(flux))
        assert schema.validate(doc), schema.error_log


def test_refus_a_l_ecriture():
    with pytest.raises(ValidationError, match="SIRET du destinataire « 123 » invalide"):
        construire_cpp_statut(_flux(_statut(debiteur_identifiant="123")))
    with pytest.raises(ValidationError, match="« 17 » inconnu"):
        construire_cpp_statut(_flux(_statut(id_statut="17")))


@pytest.mark.shared
def test_echantillons_lus_ou_refuses_comme_pastell(shared):
    dossier = shared / "samples/statut"
    ok = lire_cpp_statut(dossier / "Example01-FactureStatut-ok.xml")
    (s,) = ok.statuts
    assert (s.id_statut, s.id_facture, s.commentaire, s.date_facture) == (
        "07", "Example01", "Service fait", date(2018, 6, 13))
    refus = {
        "Example02-FactureStatut-ko.xml": "Example02-FactureStatut-ko.xml : statut « 17 » inconnu",
        "Example03-FactureStatut-ko.xml": "Horodatage « 2018-15-18T16:51:55.000\\+01:00 » invalide",
        "Example04-FactureStatut-ko.xml": "CPPFluxStatuts, IdStatut 92.*CPPFactureStatuts",
    }
    for nom, raison in refus.items():
        with pytest.raises(StatutRefuse, match=raison):
            lire_cpp_statut(dossier / nom)


def test_fichiers_casses_refuses_avec_la_raison(tmp_path):
    ok = construire_cpp_statut(_flux())
    cas = {
        b"<CPPStatut><Enveloppe>": "XML illisible",
        b"<CPPFacturePivot/>": "racine « CPPFacturePivot »",
        ok.replace(b"<Code>IdFlx</Code>", b"<Code>Autre</Code>"): "DtPrd et IdFlx",
        ok.replace(b"<IdFacture>FAC-2026-17</IdFacture>", b""): "IdFacture manquant",
        ok.replace(b"<DateFacture>2026-10-03", b"<DateFacture>2026-02-30"): "DateFacture « 2026-02-30 »",
        ok.split(b"<CPPFactureStatuts")[0] + b"<CPPFluxStatuts compteur='1'><CPPFluxStatutUnitaire>"
        b"<DonneesStatut><IdStatut>92</IdStatut><Horodatage>2018-02-22T16:06:38</Horodatage>"
        b"<IdFlux>1</IdFlux></DonneesStatut></CPPFluxStatutUnitaire></CPPFluxStatuts></CPPStatut>":
            "statuts de flux \\(CPPFluxStatuts, IdStatut 92\\)",
    }
    for data, raison in cas.items():
        with pytest.raises(StatutRefuse, match=raison):
            lire_cpp_statut(data, nom="casse.xml")


def _factures(session, ctx, tmp_path, *numeros):
    factures = [exemple_facture(n, siret_debiteur=SIRET, code_service=None, avec_pdf=False)
                for n in numeros]
    importer_fichier(session, ctx, ecrire(tmp_path, "flux.xml", build_pivot(exemple_flux(*factures))))
    return {fd.numero: fd for fd in session.scalars(select(FactureDemat))}


def test_export_des_statuts_a_saisir(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, "F-1", "F-2", "F-3")
    rejeter(session, ctx, fds["F-1"].id, motif="doublon de F-0", code="autre")
    rejeter(session, ctx, fds["F-2"].id, motif="", code="pieces")
    ajouter_statut(session, ctx, fds["F-3"], "08", numero_mandat="12")
    dossier = tmp_path / "transfert"
    dossier.mkdir()
    with pytest.raises(ValidationError, match="Répertoire de transfert non renseigné"):
        exporter_statuts(session, ctx)
    session.get(Collectivite, ctx.collectivite_id).repertoire_transfert = str(dossier)
    un = exporter_statuts(session, ctx, statut="06")
    assert un.nb_statuts == 1 and un.factures == ("F-2",) and un.chemin.parent == dossier
    res = exporter_statuts(session, ctx)  # the others, F-2's already being in a file
    assert res.factures == ("F-1", "F-3") and res.chemin != un.chemin
    assert sorted(p.name for p in dossier.iterdir()) == sorted([un.chemin.name, res.chemin.name])
    flux = lire_cpp_statut(res.chemin)
    assert [(s.id_statut, s.id_mandat_dp) for s in flux.statuts] == [("05", None), ("08", "12")]
    assert flux.statuts[0].commentaire == "Autre motif : doublon de F-0"
    if (SHARED / "reference").is_dir():  # the schema is beside the checkout (CI has it)
        schema = etree.XMLSchema(etree.parse(str(SHARED / "reference/chorus/CPPStatutPivot_V1_19.xsd")))
        assert schema.validate(etree.parse(str(res.chemin))), schema.error_log
    # still to set in Chorus Pro (mode portail), with the file they went into
    lignes = lister_statuts(session, ctx)
    assert {l.fichier for l in lignes} == {un.chemin.name, res.chemin.name}
    assert all(l.envoi == "a_transmettre" for l in lignes)
    with pytest.raises(ValidationError, match="Aucun statut à transférer"):
        exporter_statuts(session, ctx)
    assert exporter_statuts(session, ctx, facture_id=fds["F-1"].id, reexporter=True).nb_statuts == 1


def test_export_refuse_n_ecrit_rien(db, ctx, tmp_path, monkeypatch):
    with db.transaction() as s:
        fds = _factures(s, ctx, tmp_path, "F-1")
        rejeter(s, ctx, fds["F-1"].id, motif="x", code="autre")
    with pytest.raises(ValidationError, match="« .*absent » introuvable"):
        with db.transaction() as s:
            exporter_statuts(s, ctx, tmp_path / "absent")
    dossier = tmp_path / "transfert"
    dossier.mkdir()

    def disque_plein(*_a):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("corail.formats.cpp_statut.os.replace", disque_plein)
    with pytest.raises(ValidationError, match="Écriture impossible .*No space left"):
        with db.transaction() as s:
            exporter_statuts(s, ctx, dossier)
    assert list(dossier.iterdir()) == []  # not even the temporary file
    with db.lecture() as s:
        (statut,) = lister_statuts(s, ctx)
        assert statut.fichier == "" and statut.exporte_le is None


def test_cli_statuts(db, ctx, tmp_path, capsys):
    with db.transaction() as s:
        fds = _factures(s, ctx, tmp_path, "F-1", "F-2")
        rejeter(s, ctx, fds["F-1"].id, motif="doublon", code="autre")
    base = ["--database", db.url]
    assert main(base + ["statuts", "list"]) == 0
    assert "F-1" in capsys.readouterr().out
    assert main(base + ["statuts", "export", str(tmp_path / "absent")]) == 2
    assert "introuvable" in capsys.readouterr().err
    dossier = tmp_path / "transfert"
    dossier.mkdir()
    assert main(base + ["statuts", "export", str(dossier), "--statut", "6"]) == 2
    assert "Aucun statut à transférer au statut « Suspendue »" in capsys.readouterr().err
    assert main(base + ["--json", "statuts", "export", str(dossier), "--statut", "05"]) == 0
    assert '"nb_statuts": 1' in capsys.readouterr().out
    (fichier,) = dossier.iterdir()
    assert main(base + ["statuts", "lire", str(fichier)]) == 0
    assert "05 Rejetée par l'ordonnateur pour autre motif — facture F-1" in capsys.readouterr().out
    casse = tmp_path / "casse.xml"
    casse.write_bytes(fichier.read_bytes().replace(b"<IdStatut>05", b"<IdStatut>31"))
    assert main(base + ["statuts", "lire", str(casse)]) == 2
    assert "casse.xml : statut « 31 » inconnu" in capsys.readouterr().err
    with db.lecture() as s:
        (statut,) = s.scalars(select(StatutChorus)).all()
    assert main(base + ["statuts", "saisis", str(statut.id)]) == 0
    assert "saisi sur le portail" in capsys.readouterr().out
    assert main(base + ["statuts", "list"]) == 0
    assert "Aucun statut à saisir" in capsys.readouterr().out
    assert main(base + ["statuts", "definir", str(fds["F-2"].id), "--statut", "05", "--motif", "x"]) == 2
    assert "se rejette par Rejeter" in capsys.readouterr().err
    assert main(base + ["statuts", "historique", str(fds["F-1"].id)]) == 0
    assert "Transmis (saisi sur le portail)" in capsys.readouterr().out
