"""Dépenses › Numérotation et édition des mandats, on the demo commune: the train à imprimer
(with the waiting-train warning), Numéroter (a bordereau, numbered mandats), Imprimer (the
mandats PDF and the bordereau PDF, then offered to open)."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from corail.domain.etats import EtatPiece
from corail.services.contexte import lister_budgets
from corail.services.mandats import lister_mandats
from corail.services.numerotation import lister_bordereaux, numeroter
from ui.common import ALIGN_MONTANT
from ui.ecrans import dernier_dossier, ecran
from ui.numerotation_et_edition_des_mandats import NumerotationEtEditionDesMandatsScreen

pytestmark = pytest.mark.gui

OBS = "Facture N° OBS-2026-77812"


@pytest.fixture
def ecran_(qtbot, demo_state):
    widget = NumerotationEtEditionDesMandatsScreen(demo_state)
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    return widget


def _textes_combo(widget) -> list[str]:
    return [widget.trains.itemText(i) for i in range(widget.trains.count())]


def _cellules(modele, colonne: str) -> list[str]:
    c = modele.colonne(colonne)
    return [modele.data(modele.index(r, c)) for r in range(modele.rowCount())]


def _mandat_obs(state):
    with state.lecture() as session:
        return next(m for m in lister_mandats(session, state.ctx) if m.objet.startswith(OBS))


def _numeroter(qtbot, widget, train: str | None = "Normal"):
    widget.choisir_train(train)
    run = widget.numeroter()
    assert run is not None
    with qtbot.waitSignal(run.succeeded, timeout=10_000):
        pass
    return run.resultat


def test_enregistre_dans_le_menu_depenses():
    e = ecran("numerotation_et_edition_des_mandats")
    assert (e.menu, e.titre, e.raccourci) == ("Dépenses", "Numérotation et édition des mandats", "Ctrl+9")


def test_train_a_imprimer_et_mandats_a_numeroter(ecran_):
    assert _textes_combo(ecran_) == [
        "Tous les trains — 1 mandat validé, 495,50 €",
        "Normal — 1 mandat validé, 495,50 €",
        "attente (attente) — aucun mandat validé, 1 brouillon",
    ]
    ecran_.choisir_train("Normal")
    assert not ecran_.avertissement.isVisible()
    modele = ecran_.mandats
    assert _cellules(modele, "Tiers") == ["Orange Business Services"]
    assert _cellules(modele, "N°") == ["—"]
    montant = modele.index(0, modele.colonne("Montant"))
    assert modele.data(montant) == "495,50"
    assert modele.data(montant, Qt.ItemDataRole.TextAlignmentRole) == int(ALIGN_MONTANT.value)
    assert "1 mandat validé, 495,50 €" in ecran_.groupe_mandats.title()
    assert "aucun brouillon" in ecran_.titre_brouillons.text()
    assert ecran_.bouton_numeroter.isEnabled()


def test_tous_les_trains_avertit_que_le_train_d_attente_n_est_pas_compris(ecran_):
    ecran_.choisir_train("Normal")
    ecran_.choisir_train(None)
    assert ecran_.train_choisi() is None
    assert ecran_.avertissement.isVisible()
    texte = ecran_.avertissement.text()
    assert "« attente »" in texte and "n'est PAS compris" in texte
    # the waiting train's draft is neither to number nor among the drafts listed
    assert _cellules(ecran_.mandats, "Train") == ["Normal"]
    assert ecran_.brouillons.rowCount() == 0


def test_train_d_attente_choisi_ne_se_numerote_pas(ecran_):
    ecran_.choisir_train("attente")
    assert not ecran_.bouton_numeroter.isEnabled()
    assert "train d'attente" in ecran_.avertissement.text()
    assert ecran_.mandats.rowCount() == 0
    assert _cellules(ecran_.brouillons, "Tiers") == ["EDF Collectivités"]
    assert _cellules(ecran_.brouillons, "Montant") == ["3\u00a0277,42"]
    assert "Non validés, ne seront pas numérotés : 1 brouillon" in ecran_.titre_brouillons.text()
    assert ecran_.numeroter() is None


def test_numeroter_cree_le_bordereau(qtbot, ecran_, demo_state, boites):
    signaux = []
    demo_state.donnees_modifiees.connect(signaux.append)
    res = _numeroter(qtbot, ecran_)
    assert boites[0].genre == "question" and "Numéroter le" in boites[0].texte
    assert "495,50 €" in boites[0].texte and "annulation" in boites[0].texte
    (bord,) = res.bordereaux
    assert (bord.numero, bord.type_bord, bord.nb_pieces, bord.montant) == (3, "01", 1, Decimal("495.50"))
    m = _mandat_obs(demo_state)
    assert (m.numero, m.etat, m.bordereau_id) == (4, EtatPiece.NUMEROTE, bord.id)
    assert "mandats" in signaux
    # the mandat stays on screen, with its number, until the train changes
    assert _cellules(ecran_.mandats, "N°") == ["4"]
    assert "aucun mandat validé" in ecran_.groupe_mandats.title()
    assert not ecran_.bouton_numeroter.isEnabled()
    assert "Bordereau n° 3 (01 Ordinaire) créé : 1 mandat, 495,50 €, mandat n° 4." in ecran_.resultat.text()
    # the new bordereau is chosen in the exercice's list, ready to print
    assert [b.numero for b in ecran_.bordereaux_choisis()] == [3]
    assert ecran_.bouton_imprimer.text().replace("&", "") == "Imprimer le bordereau n° 3…"
    assert _textes_combo(ecran_)[1] == "Normal — aucun mandat validé"
    assert [b for b in boites if b.genre != "question"] == []


def test_tous_les_trains_ne_numerote_pas_le_train_d_attente(qtbot, ecran_, demo_state, boites):
    res = _numeroter(qtbot, ecran_, None)
    assert "n'est PAS compris" in boites[0].texte
    assert [b.nb_pieces for b in res.bordereaux] == [1]
    with demo_state.lecture() as session:
        edf = next(m for m in lister_mandats(session, demo_state.ctx) if m.train == "attente")
    assert edf.numero is None and edf.etat == EtatPiece.BROUILLON


def test_numeroter_refuse_la_confirmation_rien_ne_change(ecran_, demo_state, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    ecran_.choisir_train("Normal")
    assert ecran_.numeroter() is None
    assert _mandat_obs(demo_state).numero is None


def test_numerote_ailleurs_entre_temps_message_francais(qtbot, ecran_, demo_state, boites):
    ecran_.choisir_train("Normal")
    with demo_state.transaction() as session:  # another workstation, the screen not yet reloaded
        numeroter(session, demo_state.ctx, train="Normal")
    run = ecran_.numeroter()
    with qtbot.waitSignal(run.failed, timeout=10_000):
        pass
    assert boites[-1].genre == "warning" and "Aucun mandat validé à numéroter" in boites[-1].texte
    assert not ecran_.occupe


def test_imprimer_le_bordereau_cree(qtbot, ecran_, demo_state, boites, monkeypatch, tmp_path):
    _numeroter(qtbot, ecran_)
    dossier = tmp_path / "editions"
    dossier.mkdir()
    proposes = []

    def enregistrer(parent, titre, chemin, filtre):
        proposes.append(chemin)
        return str(dossier / "mandats"), filtre  # without .pdf: added

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(enregistrer))
    run = ecran_.imprimer()
    with qtbot.waitSignal(run.succeeded, timeout=20_000):
        pass
    assert Path(proposes[0]).name == "mandats_2026_n3.pdf"
    pdf, pdf_bordereau = dossier / "mandats.pdf", dossier / "mandats_bordereau_3.pdf"
    for fichier in (pdf, pdf_bordereau):
        assert fichier.read_bytes().startswith(b"%PDF")
    assert run.resultat.mandats == 1
    assert dernier_dossier(demo_state.settings, "editions") == str(dossier)
    ouverts = [b.texte for b in boites if b.genre == "openUrl"]
    assert ouverts == [pdf.as_uri(), pdf_bordereau.as_uri()]
    assert "mandats_bordereau_3.pdf" in ecran_.resultat.text()


def test_imprimer_un_bordereau_choisi_dans_la_liste(qtbot, ecran_, monkeypatch, tmp_path, boites):
    assert [b.numero for b in ecran_.bordereaux.lignes()] == [1, 2]
    assert not ecran_.bouton_imprimer.isEnabled()
    ecran_.vue_bordereaux.selectRow(0)
    assert ecran_.bouton_imprimer.text().replace("&", "") == "Imprimer le bordereau n° 1…"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(tmp_path / "b1.pdf"), "")))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    run = ecran_.imprimer()
    with qtbot.waitSignal(run.succeeded, timeout=20_000):
        pass
    assert run.resultat.mandats == 2
    assert (tmp_path / "b1_bordereau_1.pdf").read_bytes().startswith(b"%PDF")
    assert not any(b.genre == "openUrl" for b in boites)


def test_imprimer_annule_dans_le_choix_du_fichier(ecran_, monkeypatch):
    ecran_.vue_bordereaux.selectRow(1)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: ("", "")))
    assert ecran_.imprimer() is None


def test_change_de_budget_recharge(ecran_, demo_state):
    with demo_state.lecture() as session:
        assert lister_bordereaux(session, demo_state.ctx)
        annexe = next(b.id for b in lister_budgets(session) if b.id != demo_state.ctx.budget_id)
    demo_state.changer_contexte(replace(demo_state.ctx, budget_id=annexe))
    assert ecran_.bordereaux.rowCount() == 0
    assert _textes_combo(ecran_)[0].startswith("Tous les trains — 1 mandat validé")


def test_modeles(qtmodeltester, qtbot, ecran_):
    ecran_.choisir_train("attente")
    for modele in (ecran_.mandats, ecran_.brouillons, ecran_.bordereaux):
        qtmodeltester.check(modele)
    ecran_.choisir_train("Normal")
    qtmodeltester.check(ecran_.mandats)
