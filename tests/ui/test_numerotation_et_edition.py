"""The shared *Numérotation et édition* screen (``ui.numerotation_et_edition``): the words of each
kind, the printing adapters of ``GenreEcran``, and the paths the two screen tests leave out
(several bordereaux de titres printed at once, the screens told apart after a numbering)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from corail.db.models import MANDAT, TITRE
from corail.services.numerotation import BordereauCree, Numerotation
from corail.services.trains import TrainLigne
from ui import numerotation_et_edition_des_mandats as ecran_mandats
from ui import numerotation_et_edition_des_titres as ecran_titres
from ui.numerotation_et_edition_modeles import compte_pieces, texte_numerotation, texte_tous, texte_train


def _train(nom: str, attente: bool, valides: int, montant: str, brouillons: int = 0) -> TrainLigne:
    return TrainLigne(1, nom, attente, brouillons, valides, Decimal(montant), None, None)


def test_les_deux_genres_disent_leur_piece():
    mandats, titres = ecran_mandats.MANDATS, ecran_titres.TITRES
    assert (mandats.nom, mandats.noms, mandats.genre.type_piece) == ("mandat", "mandats", MANDAT)
    assert (titres.nom, titres.noms, titres.genre.type_piece) == ("titre", "titres", TITRE)


def test_compte_et_trains_au_nom_de_la_piece():
    assert compte_pieces("titre", 0, Decimal("0"), 2) == "aucun titre validé, 2 brouillons"
    assert compte_pieces("mandat", 2, Decimal("1234.5")) == "2 mandats validés, 1\u00a0234,50 €"
    trains = [_train("Normal", False, 1, "10.00"), _train("DO", True, 3, "99.00", 1)]
    assert texte_train("mandat", trains[1]) == "DO (attente) — 3 mandats validés, 99,00 €, 1 brouillon"
    # "Tous les trains" counts the waiting train out
    assert texte_tous("titre", trains) == "Tous les trains — 1 titre validé, 10,00 €"


def test_texte_numerotation_au_nom_du_bordereau():
    res = Numerotation(
        (BordereauCree(7, 2, "01", 2, Decimal("1500.00"), ((11, 6), (10, 5)), TITRE),
         BordereauCree(8, 1, "02", 1, Decimal("-20.00"), ((12, 7),), TITRE)),
        ignores=((13, "brouillon"), (14, "brouillon")), avertissements=("Attention.",))
    assert texte_numerotation("titre", "Bordereau de titres", res).split("\n") == [
        "Bordereau de titres n° 2 (01 Ordinaire) créé : 2 titres, 1\u00a0500,00 €, titres n° 5 à 6.",
        "Bordereau de titres n° 1 (02 Annulation / réduction) créé : 1 titre, -20,00 €, titre n° 7.",
        "2 brouillons non validés laissés de côté.",
        "Attention.",
    ]


@pytest.mark.parametrize("module, service, champ", [
    (ecran_mandats, "imprimer_mandats", "mandat_ids"),
    (ecran_titres, "imprimer_titres", "titre_ids"),
])
def test_imprimer_passe_les_pieces_au_service_du_genre(monkeypatch, module, service, champ):
    appels = []
    monkeypatch.setattr(module, service, lambda *a, **k: appels.append((a, k)) or "fait")
    genre = module.MANDATS if module is ecran_mandats else module.TITRES
    assert genre.imprimer("s", "c", Path("x.pdf"), pieces=[4, 5], control="ctl") == "fait"
    assert genre.imprimer("s", "c", Path("y.pdf"), bordereau_id=9, control="ctl") == "fait"
    assert appels == [
        (("s", "c", Path("x.pdf")), {"bordereau_id": None, champ: [4, 5], "control": "ctl"}),
        (("s", "c", Path("y.pdf")), {"bordereau_id": 9, champ: None, "control": "ctl"}),
    ]


@pytest.mark.gui
def test_titres_plusieurs_bordereaux_imprimes_ensemble(qtbot, demo_state, boites, monkeypatch, tmp_path):
    ecran = ecran_titres.NumerotationEtEditionDesTitresScreen(demo_state)
    qtbot.addWidget(ecran)
    ecran.choisir_train("Normal")
    run = ecran.numeroter()
    with qtbot.waitSignal(run.succeeded, timeout=10_000):
        pass
    signaux = [b.genre for b in boites]
    assert ecran.bouton_asap.isEnabled() and ecran.bouton_imprimer.isEnabled()
    ecran.vue_bordereaux.selectAll()
    assert ecran.bouton_imprimer.text().replace("&", "") == "Imprimer les 2 bordereaux…"
    proposes = []

    def enregistrer(parent, titre, chemin, filtre):
        proposes.append((titre, Path(chemin).name))
        return str(tmp_path / "lot.PDF"), filtre

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(enregistrer))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    run = ecran.imprimer()
    with qtbot.waitSignal(run.succeeded, timeout=20_000):
        pass
    assert proposes == [("Imprimer les titres (PDF)", "titres_2026_n1-2.pdf")]
    assert run.resultat.titres == 3 and run.resultat.mandats == 0
    assert [p.name for p in run.resultat.bordereaux] == ["lot_bordereau_1.pdf", "lot_bordereau_2.pdf"]
    assert "Imprimé : 3 titres," in ecran.resultat.text()
    assert signaux == ["question"]  # the numbering's confirmation only: no error box


@pytest.mark.gui
def test_mandats_sans_bouton_asap_et_recharge_au_changement_de_contexte(qtbot, demo_state, boites):
    ecran = ecran_mandats.NumerotationEtEditionDesMandatsScreen(demo_state)
    qtbot.addWidget(ecran)
    assert not hasattr(ecran, "bouton_asap")
    assert ecran.groupe_mandats is ecran.groupe_pieces and ecran.mandats is ecran.pieces
    ecran.choisir_train("Normal")
    run = ecran.numeroter()
    with qtbot.waitSignal(run.succeeded, timeout=10_000):
        pass
    assert ecran.dernier is run.resultat and ecran.numerotes
    demo_state.changer_contexte(demo_state.ctx)
    assert ecran.dernier is None and ecran.numerotes == [] and ecran.resultat.text() == ""
