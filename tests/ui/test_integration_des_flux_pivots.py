"""Téléprocédures › Intégration des flux pivots (pytest-qt, SQLite): read a flux through the file
dialog and the job runner, Mandater (the mandat has every PJ), Rejeter through the dialog,
Annul. rejet, the 2025 rule for an amount error, refused files and *Annuler* write nothing."""
from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from sqlalchemy import select

from corail.db.models import Collectivite, Piece, PiecePJ
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.collectivites import ajouter_budget
from corail.services.factures_demat import detail_facture, lister_factures
from corail.services.pivot_import import importer_fichier
from tests.pivot_fixtures import compter
from ui.common import ALIGN_MONTANT
from ui.integration_des_flux_pivots import IntegrationDesFluxPivotsScreen
from ui.integration_des_flux_pivots_detail import DetailDialog
from ui.integration_des_flux_pivots_modeles import (
    modele_etapes, modele_factures, modele_lignes, modele_pjs, modele_statuts, modele_tvas, nombre_fr,
)
from ui.integration_des_flux_pivots_rejet import RejetDialog, SommesAdmisesDialog

pytestmark = pytest.mark.gui

SIRET = "21310555400017"
IBAN_FAUX = "FR7630006000011234567890180"


def _f(numero: str, **kw):
    kw.setdefault("siret_debiteur", SIRET)
    kw.setdefault("code_service", None)
    kw.setdefault("avec_pdf", False)
    return exemple_facture(numero, **kw)


def flux(tmp_path: Path, nom: str, *factures, id_flx: str = "CPP0020036000000000000001") -> Path:
    chemin = tmp_path / nom
    chemin.write_bytes(build_pivot(exemple_flux(*factures, id_flx=id_flx)))
    return chemin


def quatre_factures(tmp_path: Path) -> Path:
    return flux(tmp_path, "flux_pivot.xml",
                _f("F-1", montant_ht="2731.18", avec_pj_complementaire=True),
                _f("F-2", montant_ht="500.00", lignes=2),
                _f("F-3", montant_ht="1000.00"),
                _f("F-9", siret_debiteur="21930053000017", code_service="GN5CAFZ069"))


@pytest.fixture
def ecran(qtbot, state) -> IntegrationDesFluxPivotsScreen:
    widget = IntegrationDesFluxPivotsScreen(state)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    return widget


@pytest.fixture
def dialogue_fichiers(monkeypatch):
    """QFileDialog.getOpenFileNames patched: returns ``choix`` and records the folder it opened in."""
    appels: dict = {"choix": [], "dossiers": []}

    def ouvrir(parent, titre, dossier, filtre, *args, **kwargs):
        appels["dossiers"].append(dossier)
        return [str(p) for p in appels["choix"]], filtre

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(ouvrir))
    return appels


def lire(qtbot, ecran, dialogue_fichiers, *chemins: Path):
    dialogue_fichiers["choix"] = list(chemins)
    with qtbot.waitSignal(ecran.lecture_terminee, timeout=15000) as signal:
        qtbot.mouseClick(ecran.lecteur.bouton_lecture, Qt.MouseButton.LeftButton)
    return signal.args[0]


def numeros(ecran, liste: str) -> list[str]:
    return [l.numero for l in ecran.listes[liste].modele.lignes()]


def ligne(ecran, liste: str, numero: str):
    return next(l for l in ecran.listes[liste].modele.lignes() if l.numero == numero)


def cliquer(qtbot, ecran, liste: str, action: str, *choisis: str) -> None:
    ecran.listes[liste].choisir_numeros(*choisis)
    bouton = ecran.listes[liste].boutons[action]
    assert bouton.isEnabled(), action
    qtbot.mouseClick(bouton, Qt.MouseButton.LeftButton)


def test_lire_mandater_rejeter_annuler_le_rejet(qtbot, ecran, state, boites, dialogue_fichiers,
                                               tmp_path):
    lecture = lire(qtbot, ecran, dialogue_fichiers, quatre_factures(tmp_path))
    assert not lecture.refus
    (boite,) = boites
    assert (boite.genre, boite.titre) == ("information", "Lecture des flux pivots")
    assert boite.texte == "flux_pivot.xml : 4 facture(s) lue(s), dont 1 en anomalie, 5 PJ"
    assert numeros(ecran, "a_creer") == ["F-1", "F-2", "F-3"]
    assert numeros(ecran, "anomalies") == ["F-9"]
    assert ecran.onglets.tabText(0) == "Factures à créer (3)"
    assert ecran.onglets.tabText(2) == "Factures en anomalie ou rejetées (1)"
    assert "ne nous est pas destinée" in ligne(ecran, "anomalies", "F-9").motif
    # Corail's columns, amounts 3 277,42 right-aligned, dates JJ/MM/AAAA
    modele = ecran.listes["a_creer"].modele
    assert [c.titre for c in modele.colonnes] == [
        "Facture/Avoir", "N° Facture", "PJ Fact", "Nb PJ Suppl.", "Tiers", "Réception",
        "Montant TTC", "Montant net à payer", "Lu le", "Détail"]
    ttc = modele.index(0, modele.colonne("Montant TTC"))
    assert ttc.data() == "3\u00a0277,42" and ttc.data(Qt.ItemDataRole.TextAlignmentRole) == \
        int(ALIGN_MONTANT.value)
    assert modele.index(0, modele.colonne("Réception")).data() == "05/10/2026"
    assert modele.index(0, modele.colonne("Nb PJ Suppl.")).data() == "1"
    assert modele.index(0, modele.colonne("PJ Fact")).data() == "Oui"

    # Mandater F-1: it moves to Factures déjà créées, its mandat has both PJ
    liste = ecran.listes["a_creer"]
    assert not liste.boutons["mandater"].isEnabled()  # nothing chosen yet
    with qtbot.waitSignal(state.donnees_modifiees, timeout=2000) as signal:
        cliquer(qtbot, ecran, "a_creer", "mandater", "F-1")
    assert signal.args == ["factures_demat"]
    assert numeros(ecran, "a_creer") == ["F-2", "F-3"] and numeros(ecran, "creees") == ["F-1"]
    mandat = ligne(ecran, "creees", "F-1").piece_id
    assert ecran.listes["creees"].modele.index(0, 9).data() == f"Mandat (id {mandat})"
    with state.lecture() as session:
        assert session.get(Piece, mandat).montant == Decimal("3277.42")
        assert len(session.scalars(select(PiecePJ).where(PiecePJ.piece_id == mandat)).all()) == 2
    assert "mandatée" in ecran.message.text()

    # Rejeter F-2 through the dialog: rejected list, "Rejet : …", mode portail reminder
    boites.clear()
    cliquer(qtbot, ecran, "a_creer", "rejeter", "F-2")
    dialogue = ecran.dialogue
    assert isinstance(dialogue, RejetDialog) and dialogue.isVisible()
    assert dialogue.windowTitle() == ("Informations complémentaires sur la nature du rejet ou de "
                                      "la suspension")
    assert not dialogue.valider.isEnabled()  # no motif yet
    dialogue.choisir_motif("autre")
    assert not dialogue.valider.isEnabled()  # "Autre motif" needs its complément
    dialogue.complement.setPlainText("Prestation non commandée")  # keyClicks: ASCII only
    assert dialogue.valider.isEnabled() and dialogue.rejeter_radio.isChecked()
    qtbot.mouseClick(dialogue.valider, Qt.MouseButton.LeftButton)
    assert not dialogue.isVisible()
    assert numeros(ecran, "anomalies") == ["F-2", "F-9"]
    assert ligne(ecran, "anomalies", "F-2").motif == "Rejet : Autre motif — Prestation non commandée"
    assert [(b.genre, b.titre) for b in boites] == [("question", "Rejeter")]
    assert "Mode portail" in boites[0].texte and "Voulez-vous créer un flux de statut ?" in boites[0].texte
    ecran.dialogue.reject()  # the transfer file's dialog: tests/ui/test_statuts_chorus.py

    # Annul. rejet brings it back
    cliquer(qtbot, ecran, "anomalies", "annuler_rejet", "F-2")
    assert numeros(ecran, "a_creer") == ["F-2", "F-3"] and numeros(ecran, "anomalies") == ["F-9"]


def test_montant_errone_regle_2025_et_sommes_admises(qtbot, ecran, state, boites,
                                                     dialogue_fichiers, tmp_path):
    lire(qtbot, ecran, dialogue_fichiers, quatre_factures(tmp_path))
    cliquer(qtbot, ecran, "a_creer", "rejeter", "F-3")
    rejet = ecran.dialogue
    rejet.choisir_motif("montant")
    assert "R.2192-34" in rejet.explication.text() and "février 2025" in rejet.explication.text()
    assert rejet.valider.text() == "Mandater les sommes admises…" and rejet.valider.isEnabled()
    assert not rejet.suspendre_radio.isEnabled()
    rejet.complement.setPlainText("remise de 20 %\nnon appliquée")
    qtbot.mouseClick(rejet.valider, Qt.MouseButton.LeftButton)
    sommes = ecran.dialogue
    assert isinstance(sommes, SommesAdmisesDialog) and sommes.isVisible()
    ok = sommes.boutons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.keyClicks(sommes.montant, "1 300,00")  # more than due (1 200,00): refused, nothing written
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert sommes.isVisible() and boites[-1].genre == "warning" and "sommes admises" in boites[-1].texte
    sommes.montant.setText("960,00")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not sommes.isVisible() and numeros(ecran, "creees") == ["F-3"]
    with state.lecture() as session:
        piece = session.get(Piece, ligne(ecran, "creees", "F-3").piece_id)
        assert piece.sommes_admises and piece.montant == Decimal("960.00")
        assert piece.motif_sommes_admises == ("Montant de la facture erroné : remise de 20 % non "
                                              "appliquée")


def test_fichier_refuse_rien_ecrit(qtbot, ecran, state, boites, dialogue_fichiers, tmp_path):
    page = tmp_path / "flux_telecharge.xml"
    page.write_text("<!DOCTYPE html><html><body><p>Session expirée</p></body></html>")
    avant = compter(state.db)
    lecture = lire(qtbot, ecran, dialogue_fichiers, page)
    assert not lecture.lus and lecture.refus
    (boite,) = boites
    assert boite.genre == "warning" and "flux_telecharge.xml" in boite.texte
    assert "rien n'en a été enregistré" in boite.texte
    assert compter(state.db) == avant
    assert numeros(ecran, "a_creer") == []


def test_un_refus_parmi_plusieurs_fichiers_et_meme_flux_deux_fois(qtbot, ecran, state, boites,
                                                                   dialogue_fichiers, tmp_path):
    bon = flux(tmp_path, "bon.xml", _f("B-1"))
    page = tmp_path / "page.xml"
    page.write_text("<html><body>Erreur</body></html>")
    lecture = lire(qtbot, ecran, dialogue_fichiers, bon, page)
    assert [n for n, _m in lecture.refus] == ["page.xml"] and numeros(ecran, "a_creer") == ["B-1"]
    assert boites[-1].genre == "warning" and "bon.xml : 1 facture(s) lue(s)" in boites[-1].texte
    avant = compter(state.db)
    lecture = lire(qtbot, ecran, dialogue_fichiers, bon)  # the same flux again: refused as read
    assert lecture.refus and compter(state.db) == avant


def test_annuler_la_lecture_rien_ecrit(qtbot, ecran, state, boites, dialogue_fichiers, tmp_path,
                                       monkeypatch):
    import ui.integration_des_flux_pivots_lecture as module

    ecrit, reprendre = threading.Event(), threading.Event()
    vrai = module.importer_fichier

    def lent(session, ctx, chemin, control):
        res = vrai(session, ctx, chemin, control=control)
        session.flush()
        ecrit.set()
        reprendre.wait(10)
        control.check()  # raises Cancelled: the transaction rolls back
        return res

    monkeypatch.setattr(module, "importer_fichier", lent)
    avant = compter(state.db)
    dialogue_fichiers["choix"] = [quatre_factures(tmp_path)]
    job = ecran.lecture()
    assert ecrit.wait(10)
    job.annuler()
    reprendre.set()
    with qtbot.waitSignal(job.cancelled, timeout=10000):
        pass
    assert compter(state.db) == avant and boites == []
    assert ecran.message.text() == "Lecture annulée : rien n'a été enregistré."
    assert ecran.lecteur.bouton_lecture.isEnabled()


def test_avertissements_du_mandatement_et_avoir(qtbot, ecran, state, boites, dialogue_fichiers,
                                                tmp_path):
    lire(qtbot, ecran, dialogue_fichiers, flux(
        tmp_path, "f.xml", _f("EDF-1", mode_paiement="49", iban=IBAN_FAUX), _f("AV-1", avoir=True)))
    liste = ecran.listes["a_creer"]
    liste.choisir_numeros("AV-1")
    assert not liste.boutons["mandater"].isEnabled() and not liste.boutons["facturer"].isEnabled()
    assert "titre de recettes" in liste.boutons["mandater"].toolTip()
    assert liste.boutons["rejeter"].isEnabled() and liste.boutons["facturer_tout"].isEnabled()
    boites.clear()
    cliquer(qtbot, ecran, "a_creer", "mandater", "EDF-1")
    (boite,) = boites
    assert boite.genre == "warning" and "IBAN invalide" in boite.texte
    assert "train d'attente" in boite.texte
    assert numeros(ecran, "creees") == ["EDF-1"]


def test_facturer_tout_puis_mandater_depuis_les_factures_creees(qtbot, ecran, state, boites,
                                                                dialogue_fichiers, tmp_path):
    lire(qtbot, ecran, dialogue_fichiers, flux(tmp_path, "f.xml", _f("A-1"), _f("A-2"),
                                                _f("AV-9", avoir=True)))
    boites.clear()
    qtbot.mouseClick(ecran.listes["a_creer"].boutons["facturer_tout"], Qt.MouseButton.LeftButton)
    assert boites[0].genre == "question" and "2 facture(s)" in boites[0].texte
    assert numeros(ecran, "a_creer") == ["AV-9"] and numeros(ecran, "creees") == ["A-1", "A-2"]
    assert ligne(ecran, "creees", "A-1").etat == "facturee"
    cliquer(qtbot, ecran, "creees", "acces", "A-1")
    assert "registre des factures" in boites[-1].texte
    cliquer(qtbot, ecran, "creees", "mandater", "A-1", "A-2")
    assert {l.etat for l in ecran.listes["creees"].modele.lignes()} == {"mandatee"}
    cliquer(qtbot, ecran, "creees", "acces", "A-2")
    assert f"mandat (id {ligne(ecran, 'creees', 'A-2').piece_id})" in boites[-1].texte


def test_detail_et_ouvrir_une_pj(qtbot, ecran, state, boites, dialogue_fichiers, tmp_path):
    lire(qtbot, ecran, dialogue_fichiers, quatre_factures(tmp_path))
    liste = ecran.listes["a_creer"]
    liste.choisir_numeros("F-1")
    qtbot.mouseClick(liste.boutons["detail"], Qt.MouseButton.LeftButton)
    dialogue = ecran.dialogue
    assert isinstance(dialogue, DetailDialog) and dialogue.windowTitle() == "Détail de la facture N° F-1"
    assert dialogue.valeurs["Montant TTC"].text() == "3\u00a0277,42 €"
    assert dialogue.valeurs["Réception Chorus Pro"].text() == "05/10/2026"
    assert dialogue.pjs.rowCount() == 2 and dialogue.etapes.index(0, 0).data() == "15/10/2026 11h30"
    assert dialogue.etapes.index(0, 3).data() == "agent.test"
    chemin = dialogue.ouvrir_pj_choisie()
    assert chemin is not None and chemin.read_bytes().startswith(b"%PDF")
    assert boites[-1].genre == "openUrl" and boites[-1].texte == QUrl.fromLocalFile(str(chemin)).toString()
    dialogue.close()
    # the Détail column opens it too
    modele = liste.modele
    index = liste.vue.model().mapFromSource(modele.index(1, modele.colonne("Détail")))
    qtbot.mouseClick(liste.vue.viewport(), Qt.MouseButton.LeftButton,
                     pos=liste.vue.visualRect(index).center())
    assert ecran.dialogue.windowTitle() == "Détail de la facture N° F-2"
    assert ecran.dialogue.lignes.rowCount() == 2


def test_dossier_du_dialogue_et_depot_de_fichiers(qtbot, ecran, state, dialogue_fichiers, tmp_path):
    reception = tmp_path / "reception"
    reception.mkdir()
    chemin = flux(tmp_path, "a.xml", _f("D-1"))
    dialogue_fichiers["choix"] = [chemin]
    ecran.lecteur.choisir_fichiers()  # no reception folder: the remembered one (none yet)
    assert ecran.lecteur.fichiers == [chemin]
    assert state.settings.value("dossiers/flux") == str(tmp_path)
    with state.transaction() as session:
        session.get(Collectivite, state.ctx.collectivite_id).repertoire_flux = str(reception)
    ecran.lecteur.choisir_fichiers()
    assert dialogue_fichiers["dossiers"] == ["", str(reception)]
    # drag-and-drop of files onto the screen
    ecran.lecteur.definir_fichiers([])
    donnees = QMimeData()
    donnees.setUrls([QUrl.fromLocalFile(str(chemin)), QUrl.fromLocalFile(str(tmp_path / "x.pdf"))])
    evenement = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, donnees,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    ecran.dropEvent(evenement)
    assert ecran.lecteur.fichiers == [chemin] and ecran.lecteur.champ.text() == "a.xml"


def test_modeles(qtmodeltester, state, tmp_path):
    with state.transaction() as session:
        importer_fichier(session, state.ctx, quatre_factures(tmp_path))
    with state.lecture() as session:
        listes = {c: lister_factures(session, state.ctx, liste=c) for c in ("a_creer", "anomalies")}
        d = detail_facture(session, state.ctx, listes["a_creer"][1].id)
    for cle in ("a_creer", "creees", "anomalies"):
        modele = modele_factures(cle)
        modele.remplacer(listes.get(cle, listes["a_creer"]))
        qtmodeltester.check(modele)
    for fabrique, lignes in ((modele_lignes, d.lignes), (modele_tvas, d.tvas), (modele_pjs, d.pjs),
                             (modele_etapes, d.etapes),
                             (modele_statuts, (("05", "Rejet : motif", "a_transmettre"),))):
        modele = fabrique()
        modele.remplacer(lignes)
        assert modele.rowCount() > 0
        qtmodeltester.check(modele)


def test_anomalie_a_recycler_et_pieces_manquantes_suspendent(qtbot, ecran, state, boites,
                                                             dialogue_fichiers, tmp_path):
    lire(qtbot, ecran, dialogue_fichiers, quatre_factures(tmp_path))
    cliquer(qtbot, ecran, "anomalies", "rejeter", "F-9")
    rejet = ecran.dialogue
    pieces = rejet.motif.model().item(rejet.motif.findData("pieces"))
    assert not pieces.isEnabled() and not rejet.suspendre_radio.isEnabled()  # never an anomaly
    rejet.choisir_motif("acheminement")
    assert "à recycler" in rejet.explication.text()
    qtbot.mouseClick(rejet.valider, Qt.MouseButton.LeftButton)
    assert ligne(ecran, "anomalies", "F-9").motif == "À recycler : Cette facture ne nous est pas destinée"
    assert "« À recycler »" in boites[-1].texte
    ecran.dialogue.reject()  # "Voulez-vous créer un flux de statut ?" → Oui: its dialog, closed
    cliquer(qtbot, ecran, "a_creer", "rejeter", "F-2", "F-3")  # two at once
    rejet = ecran.dialogue
    rejet.choisir_motif("pieces")
    assert rejet.suspendre_radio.isChecked() and rejet.valider.isEnabled()
    qtbot.mouseClick(rejet.valider, Qt.MouseButton.LeftButton)
    assert {l.etat for l in ecran.listes["anomalies"].modele.lignes() if l.numero != "F-9"} == \
        {"suspendue"}
    assert "ces 2 factures" in boites[-1].texte
    ecran.listes["anomalies"].choisir_numeros("F-2")
    assert ecran.listes["anomalies"].raison.text() == \
        "Facture N° F-2 — Suspension : Pièces justificatives manquantes"


def test_sans_collectivite_et_changement_de_contexte(qtbot, etat_vide, state, tmp_path):
    vide = IntegrationDesFluxPivotsScreen(etat_vide)
    qtbot.addWidget(vide)
    assert not vide.lecteur.bouton_lecture.isEnabled() and vide.lecture() is None
    with state.transaction() as session:
        importer_fichier(session, state.ctx, flux(tmp_path, "c.xml", _f("C-1")))
    ecran = IntegrationDesFluxPivotsScreen(state)
    qtbot.addWidget(ecran)
    assert numeros(ecran, "a_creer") == ["C-1"]
    with state.transaction() as session:
        annexe = ajouter_budget(session, state.ctx, libelle="Annexe", code_bud="02")
    state.changer_contexte(replace(state.ctx, budget_id=annexe.id))
    assert numeros(ecran, "a_creer") == []


def test_nombres_du_pivot_a_la_francaise():
    assert nombre_fr("1092.470000", 2) == "1\u00a0092,47"
    assert nombre_fr("166.556667", 2) == "166,556667"
    assert (nombre_fr("2.500000"), nombre_fr("20"), nombre_fr("0.021")) == ("2,5", "20", "0,021")
