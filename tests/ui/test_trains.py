"""Dépenses › Trains (pytest-qt, SQLite), on the demo: the trains and their mandats; *Nouveau
train*; *Déplacer* a mandat (and a régularisation refused out of its waiting train); *Libérer*
the waiting train with the trésorier's bordereau de régularisation → its EDF mandat numbered in
a bordereau carrying the reference."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from corail.db.models import Bordereau
from corail.services.mandats import lister_mandats
from corail.services.trains import lister_trains
from ui.ecrans import ecran as ecran_du_registre
from ui.trains import TrainsScreen, modele_mandats, modele_trains
from ui.trains_dialogues import LiberationDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def ecran(qtbot, demo_state) -> TrainsScreen:
    widget = TrainsScreen(demo_state)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    return widget


def _texte(modele, rangee: int, colonne: str) -> str:
    return modele.index(rangee, modele.colonne(colonne)).data()


def _trains(demo_state) -> dict:
    with demo_state.lecture() as session:
        return {t.nom: t for t in lister_trains(session, demo_state.ctx)}


def test_dans_le_menu_depenses():
    e = ecran_du_registre("trains")
    assert (e.menu, e.titre, e.raccourci, e.classe) == ("Dépenses", "Trains", "Ctrl+8", "TrainsScreen")


def test_trains_et_mandats_de_la_demo(ecran):
    assert [l.nom for l in ecran.trains.lignes()] == ["Normal", "attente"]
    assert (_texte(ecran.trains, 0, "Validés"), _texte(ecran.trains, 0, "Montant à numéroter")) \
        == ("1", "495,50")
    assert _texte(ecran.trains, 1, "Attente") == "Train d'attente"
    assert ecran.train_choisi().nom == "Normal" and not ecran.bouton_liberer.isEnabled()
    # the numbered mandats only on request
    assert [m.tiers for m in ecran.mandats.lignes()] == ["Orange Business Services"]
    ecran.numerotes.setChecked(True)
    assert ecran.mandats.rowCount() == 4 and _texte(ecran.mandats, 0, "Mandat") == "n° 1"
    ecran.choisir_train("attente")
    assert ecran.groupe.title() == "Mandats du train « attente »"
    assert _texte(ecran.mandats, 0, "Régularisation") == "Débit d'office"
    assert _texte(ecran.mandats, 0, "Montant") == "3\u00a0277,42"
    assert _texte(ecran.trains, 1, "Montant en attente") == "3\u00a0277,42"  # the draft included
    assert _texte(ecran.trains, 0, "Montant en attente") == ""
    assert ecran.bouton_liberer.isEnabled()


def test_creer_un_train_et_y_deplacer_un_mandat(qtbot, ecran, demo_state, boites):
    dialogue = ecran.nouveau()
    dialogue.nom.setText("Investissement")
    dialogue.boutons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert ecran.train_choisi().nom == "Investissement" and "créé" in ecran.message.text()
    nouveau = ecran.nouveau()
    nouveau.nom.setText("Investissement")
    assert not nouveau.enregistrer() and "existe déjà" in boites[-1].texte
    nouveau.reject()

    ecran.choisir_train("Normal")
    (orange,) = ecran.mandats.lignes()
    ecran.choisir_mandats(orange.id)
    ecran.cible.setCurrentIndex(ecran.cible.findData("Investissement"))
    assert ecran.bouton_deplacer.isEnabled()
    assert ecran.deplacer() == 1
    assert "1 mandat(s) déplacé(s) vers le train « Investissement »" in ecran.message.text()
    trains = _trains(demo_state)
    assert (trains["Normal"].valides, trains["Investissement"].valides) == (0, 1)
    with demo_state.lecture() as session:
        (m,) = lister_mandats(session, demo_state.ctx, train="Investissement")
    assert m.id == orange.id


def test_regularisation_reste_dans_un_train_d_attente(ecran, boites):
    ecran.choisir_train("attente")
    (edf,) = ecran.mandats.lignes()
    ecran.choisir_mandats(edf.id)
    ecran.cible.setCurrentIndex(ecran.cible.findData("Normal"))
    assert ecran.deplacer() is None
    assert boites[-1].genre == "warning" and "train d'attente" in boites[-1].texte


def test_liberer_le_train_d_attente(qtbot, ecran, demo_state, boites):
    ecran.choisir_train("attente")
    dialogue = ecran.liberer()
    assert isinstance(dialogue, LiberationDialog)
    assert not dialogue.valider() and "Référence" in boites[-1].texte  # reference required
    dialogue.reference.setText("BR-2026-0042")
    dialogue.date.setDate(QDate(2026, 10, 12))
    dialogue.boutons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert ecran.job is not None
    num = ecran.job.attendre()
    (b,) = num.bordereaux
    assert (b.nb_pieces, b.montant) == (1, Decimal("3277.42"))
    with demo_state.lecture() as session:
        bord = session.get(Bordereau, b.id)
        assert (bord.reference_regularisation, bord.date_regularisation) == ("BR-2026-0042",
                                                                             date(2026, 10, 12))
        assert session.scalar(select(Bordereau.numero).where(Bordereau.id == b.id)) == b.numero
    assert boites[-1].genre == "information"
    assert f"Bordereau n° {b.numero} (type 01) : 1 mandat (n° {b.mandats[0][1]}), 3\u00a0277,42\u00a0€" \
        in boites[-1].texte
    assert "BR-2026-0042 du 12/10/2026" in ecran.message.text()
    attente_ = _trains(demo_state)["attente"]
    assert (attente_.brouillons, attente_.valides, attente_.reference_regularisation) == (
        0, 0, "BR-2026-0042")
    assert ecran.train_choisi().nom == "attente" and ecran.mandats.rowCount() == 0
    assert _texte(ecran.trains, 1, "Régularisation") == "BR-2026-0042 du 12/10/2026"
    assert not ecran.bouton_liberer.isEnabled()


def test_liberation_refusee_montre_le_message(qtbot, ecran, boites):
    run = ecran.lancer_liberation("Normal", "BR-1", date(2026, 10, 12))  # not a waiting train
    assert run.attendre() is None
    assert boites[-1].genre == "warning" and "n'est pas un train d'attente" in boites[-1].texte


def test_modeles(qtmodeltester, ecran, demo_state):
    with demo_state.lecture() as session:
        trains = lister_trains(session, demo_state.ctx)
        mandats = lister_mandats(session, demo_state.ctx)
    for modele, lignes in ((modele_trains(), trains), (modele_mandats(), mandats)):
        modele.remplacer(lignes)
        qtmodeltester.check(modele)
    qtmodeltester.check(ecran.trains)
    qtmodeltester.check(ecran.mandats)
