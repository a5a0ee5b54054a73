"""Environnement › Gestion des collectivités, driven with pytest-qt on SQLite: each tab saves
through its service (one transaction), refusals show their French message and save nothing,
and the passwords of the récupération go to the keyring (or the session memory), never to
the database."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog

from corail.money import NBSP
from corail.secrets import SERVICE, cle_structure
from corail.services import reglages as rg
from corail.services import reglages_demat as rd
from corail.services.compteurs import prendre_numero
from ui.gestion_des_collectivites import GestionDesCollectivitesScreen
from ui.gestion_des_collectivites_onglets import BudgetAnnexeDialog
from ui.gestion_des_collectivites_reglage import TauxDialog
from ui.parametrage_recuperation import ParametrageRecuperationDialog, memoire_secrets
from ui.pes_facture_asap import PesFactureAsapDialog

pytestmark = pytest.mark.gui
SIRET = "21310555400017"


@pytest.fixture
def ecran(qtbot, state):
    w = GestionDesCollectivitesScreen(state)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    return w


def montrer(ecran, onglet):
    ecran.onglets.setCurrentWidget(onglet)
    return onglet


def lire(state, fn):
    with state.lecture() as s:
        return fn(s, state.ctx)


def avertissements(boites):
    return [b.texte for b in boites if b.genre in ("warning", "critical")]


def test_ecran_modeles_et_onglets(ecran, state, qtmodeltester):
    assert ecran.titre == "Gestion des collectivités"
    assert ecran.budget.id == state.ctx.budget_id and "collectivité en cours" in ecran.entete.text()
    for onglet in (ecran.exercice, ecran.reglage, ecran.numerotation):
        montrer(ecran, onglet)
        qtmodeltester.check(onglet.modele)
    assert ecran.exercice.modele.rowCount() == 1
    from corail.services.compteurs import NATURES
    assert ecran.numerotation.modele.rowCount() == len(NATURES)
    taux = ecran.reglage.modele
    assert taux.data(taux.index(taux.rowCount() - 1, 3)) == f"10,15{NBSP}%"
    assert taux.data(taux.index(0, 3), Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_sans_collectivite(qtbot, etat_vide):
    w = GestionDesCollectivitesScreen(etat_vide)
    qtbot.addWidget(w)
    assert w.budget is None and not w.onglets.isEnabled()
    assert "Aucune collectivité" in w.entete.text()


def test_exercice_ouvrir_puis_courant_change_le_contexte(ecran, state, qtbot, monkeypatch):
    onglet = montrer(ecran, ecran.exercice)
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (2027, True)))
    with qtbot.waitSignal(state.donnees_modifiees, check_params_cb=lambda q: q == "exercice"):
        onglet.ouvrir.click()
    assert [e.annee for e in onglet.modele.lignes()] == [2026, 2027]
    assert not onglet.clore.isEnabled()  # the exercice courant is selected
    onglet.vue.selectRow(1)
    with qtbot.waitSignal(state.contexte_change):
        onglet.courant.click()
    assert state.ctx.exercice == 2027
    onglet.vue.selectRow(0)
    onglet.clore.click()  # QMessageBox.question answers Yes (conftest)
    assert onglet.modele.ligne(0).clos and onglet.rouvrir.isEnabled()


def test_tresorerie_refus_puis_enregistrement(ecran, state, boites, qtbot):
    onglet = montrer(ecran, ecran.tresorerie)
    onglet.id_post.setText("12AB")
    assert not onglet.enregistrer()
    assert "IdPost" in avertissements(boites)[-1]
    assert lire(state, rg.lire_tresorerie).id_post == "031000"
    onglet.id_post.setText("031099")
    onglet.nom.setText("SGC de Toulouse")
    with qtbot.waitSignal(state.donnees_modifiees, check_params_cb=lambda q: q == "collectivite"):
        assert onglet.enregistrer()
    t = lire(state, rg.lire_tresorerie)
    assert (t.id_post, t.nom) == ("031099", "SGC de Toulouse")


def test_transfert_repertoire_et_portail(ecran, state, boites, monkeypatch, tmp_path):
    onglet = montrer(ecran, ecran.transfert)
    assert (onglet.code_col.text(), onglet.code_bud.text()) == ("123", "01")
    assert "non géré : déposez le PES via votre TdT" in onglet.non_gere.text()
    onglet.transmettre.setChecked(True)
    assert not onglet.enregistrer()
    assert "Répertoire de transfert manquant" in avertissements(boites)[-1]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path)))
    onglet.repertoire_transfert.parcourir.click()
    onglet.signer.setChecked(True)
    onglet.protocole.setCurrentIndex(onglet.protocole.findData("RCT"))
    assert onglet.enregistrer()
    t = lire(state, rg.lire_transfert)
    assert (t.protocole, t.transmettre_pes, t.repertoire_transfert, t.signer) == (
        "RCT", True, str(tmp_path), True)
    onglet.portail.click()
    assert boites[-1].genre == "openUrl" and "portail.dgfip.finances.gouv.fr" in boites[-1].texte


def test_budget_services_nomenclature_et_annexe(ecran, state, boites, monkeypatch):
    onglet = montrer(ecran, ecran.budget_onglet)
    onglet.service.setText("MAIRIE")
    onglet._ajouter_service()
    onglet.nomenclature.setCurrentIndex(onglet.nomenclature.findData("M14"))
    assert "(non disponible)" in onglet.nomenclature.currentText()
    assert not onglet.enregistrer()
    assert "Nomenclature M14 non disponible" in avertissements(boites)[-1]
    assert lire(state, rg.lire_budget).services_chorus == ()
    onglet.nomenclature.setCurrentIndex(onglet.nomenclature.findData("M57"))
    onglet.tva.setChecked(True)
    assert onglet.enregistrer()
    b = lire(state, rg.lire_budget)
    assert (b.services_chorus, b.assujetti_tva) == (("MAIRIE",), True)

    def remplir(dialogue):
        dialogue.libelle.setText("Eau et assainissement")
        dialogue.code_bud.setText("2")
        dialogue.services.setText("EAU")
        return 1
    monkeypatch.setattr(BudgetAnnexeDialog, "exec", remplir)
    onglet.annexe.click()
    assert ecran.budget.code == "123-02" and ecran.budget.services_chorus == ("EAU",)
    assert "collectivité en cours" not in ecran.entete.text()


def test_reglage_montants_a_la_francaise_et_taux(ecran, state, boites, monkeypatch):
    onglet = montrer(ecran, ecran.reglage)
    assert onglet.indemnite.text() == "40,00"
    assert onglet.seuil.alignment() & Qt.AlignmentFlag.AlignRight
    onglet.seuil.setText("trois mille")
    assert not onglet.enregistrer()
    assert "Seuil des marchés : montant illisible" in avertissements(boites)[-1]
    onglet.seuil.setText("3 277,42")
    assert onglet.enregistrer()
    assert lire(state, rg.lire_reglage).seuil_marches == Decimal("3277.42")
    assert onglet.seuil.text() == f"3{NBSP}277,42"

    avant = onglet.modele.rowCount()

    def saisir(dialogue):
        dialogue.bce.setText("2,40")
        return 1
    monkeypatch.setattr(TauxDialog, "exec", saisir)
    onglet.ajouter.click()  # dated today, 15/10/2026
    assert onglet.modele.rowCount() == avant + 1
    assert onglet.modele.ligne(avant).taux_applicable == Decimal("10.40")
    onglet.vue.selectRow(avant)
    onglet.supprimer.click()
    assert onglet.modele.rowCount() == avant


def test_taux_refuse_garde_le_dialogue_ouvert(qtbot, boites, state):
    dialogue = TauxDialog(None, state.ctx.today())
    qtbot.addWidget(dialogue)
    dialogue.bce.setText("deux")
    dialogue.accept()
    assert dialogue.result() == 0 and "Taux BCE illisible" in avertissements(boites)[-1]


def test_defaut_article_de_recette_refuse(ecran, state, boites):
    onglet = montrer(ecran, ecran.defaut)
    assert onglet.code_article() == "60632"
    assert onglet.mode.itemText(onglet.mode.findData("10")) == "10 Prélèvement"
    onglet.article.setEditText("7067")
    assert not onglet.enregistrer()
    assert "article de recette" in avertissements(boites)[-1]
    onglet.article.setCurrentIndex(onglet.article.findData("6064"))
    assert onglet.enregistrer()
    assert lire(state, rg.lire_defaut).article == "6064"


def test_numerotation_lecture_seule_une_fois_utilisee(ecran, state):
    onglet = montrer(ecran, ecran.numerotation)
    onglet.vue.selectRow(0)
    onglet.prochain.setValue(50)
    assert onglet.enregistrer()
    assert onglet.modele.ligne(0).prochain == 50
    with state.transaction() as s:
        prendre_numero(s, state.ctx.budget_id, 2026, "mandat")
    onglet.recharger()
    onglet.vue.selectRow(0)
    assert not onglet.modifier.isEnabled() and not onglet.prochain.isEnabled()
    assert "ne peut plus être modifié" in onglet.raison.text()
    assert onglet.modele.data(onglet.modele.index(0, 2)).startswith("Non modifiable")


def _octets_de_la_base(state) -> bytes:
    chemin = Path(state.db.engine.url.database)
    return b"".join(p.read_bytes() for p in chemin.parent.glob(chemin.name + "*"))


def test_recuperation_mot_de_passe_dans_le_trousseau(qtbot, state, _isolation):
    d = ParametrageRecuperationDialog(state, state.ctx)
    qtbot.addWidget(d)
    assert "trousseau du système" in d.trousseau.text()
    d.service.setChecked(True)
    d.environnement.setCurrentIndex(d.environnement.findData("production"))
    assert d.url.text() == "https://api.piste.gouv.fr" and d.url.isReadOnly()
    d.compte.setText("TECH_21310555400017")
    d.mot_de_passe.setText("Tr3s-S3cret-Corail")
    d.valider()
    assert d.result() == 1
    cle = cle_structure(state.ctx.collectivite_id, SIRET)
    assert _isolation.store[(SERVICE, cle)] == "Tr3s-S3cret-Corail"
    assert lire(state, rd.lire_recuperation).compte == "TECH_21310555400017"
    state.db.dispose()  # checkpoint nothing hidden: read the file and its WAL as they are
    octets = _octets_de_la_base(state)
    assert b"TECH_21310555400017" in octets
    assert b"Tr3s-S3cret-Corail" not in octets
    relu = ParametrageRecuperationDialog(state, state.ctx)
    qtbot.addWidget(relu)
    assert relu.mot_de_passe.text() == "" and "enregistré" in relu.mot_de_passe.placeholderText()


def test_recuperation_sans_trousseau_memoire_de_session(qtbot, state, boites):
    keyring.set_keyring(fail.Keyring())
    d = ParametrageRecuperationDialog(state, state.ctx)
    qtbot.addWidget(d)
    assert "Aucun trousseau" in d.trousseau.text()
    d.service.setChecked(True)
    d.compte.setText("TECH")
    d.mot_de_passe.setText("S3cret")
    d.valider()
    assert boites[-1].genre == "information" and "cette session seulement" in boites[-1].texte
    assert "S3cret" not in repr(memoire_secrets(state))
    assert memoire_secrets(state) is memoire_secrets(state)  # one per AppState
    assert cle_structure(state.ctx.collectivite_id, SIRET) in memoire_secrets(state)
    assert b"S3cret" not in _octets_de_la_base(state)


def test_pes_facture_asap_recup_et_valider(qtbot, state, boites):
    d = PesFactureAsapDialog(state, state.ctx)
    qtbot.addWidget(d)
    assert [d.onglets.tabText(i) for i in range(3)] == ["Collectivité", "Trésorerie", "Modalités"]
    d.champs["horaires_ouverture"].setText("Lun-ven 8h30-12h")
    d.recup.click()
    assert d.champs["collectivite"].text() == "COMMUNE TEST"
    assert d.champs["tresorerie_nom"].text() == "Trésorerie 031000"
    assert d.champs["horaires_ouverture"].text() == "Lun-ven 8h30-12h"
    d.valider()
    assert "Signataire par défaut" in avertissements(boites)[-1] and d.result() == 0
    assert lire(state, rd.lire_asap) == rd.AsapReglage()
    d.champs["signataire_nom"].setText("DUPONT")
    d.champs["signataire_fonction"].setText("Maire")
    d.champs["modalites_reglement"].setPlainText("Par virement à la trésorerie")
    d.valider()
    assert d.result() == 1
    r = lire(state, rd.lire_asap)
    assert (r.collectivite, r.signataire_nom, r.modalites_reglement) == (
        "COMMUNE TEST", "DUPONT", "Par virement à la trésorerie")
