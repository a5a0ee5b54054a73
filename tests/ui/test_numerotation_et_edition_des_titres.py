"""Recettes › Numérotation et édition des titres, on the demo commune: the train à imprimer with
its validated titres, Numéroter (a bordereau de titres, gapless numbers), Imprimer (the titres
PDF and the bordereau PDF), Imprimer les ASAP (one avis per titre with an ASAP)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtWidgets import QFileDialog

from corail.db.models import TITRE
from corail.domain.etats import EtatPiece
from corail.services.asap import LigneSaisie, saisir_asap
from corail.services.numerotation import lister_bordereaux
from corail.services.titres import lister_titres
from tests.asap_fixtures import parametrer
from ui.ecrans import ecran
from ui.numerotation_et_edition_des_titres import NumerotationEtEditionDesTitresScreen

pytestmark = pytest.mark.gui

LOGES = "Communauté de communes des Loges"


@pytest.fixture
def ecran_(qtbot, demo_state):
    widget = NumerotationEtEditionDesTitresScreen(demo_state)
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    return widget


def _cellules(modele, colonne: str) -> list[str]:
    c = modele.colonne(colonne)
    return [modele.data(modele.index(r, c)) for r in range(modele.rowCount())]


def _attendre(qtbot, run):
    assert run is not None
    with qtbot.waitSignal(run.succeeded, timeout=10_000):
        pass
    return run.resultat


def test_registre_et_train_a_imprimer(qtmodeltester, ecran_):
    e = ecran("numerotation_et_edition_des_titres")
    assert (e.menu, e.raccourci) == ("Recettes", "Ctrl+Shift+2")
    textes = [ecran_.trains.itemText(i) for i in range(ecran_.trains.count())]
    assert textes == ["Tous les trains — 1 titre validé, 6\u00a0240,00 €, 1 brouillon",
                      "Normal — 1 titre validé, 6\u00a0240,00 €, 1 brouillon"]
    assert _cellules(ecran_.titres, "Tiers") == [LOGES]
    assert _cellules(ecran_.titres, "Montant") == ["6\u00a0240,00"]
    assert "1 brouillon, 86,40 €" in ecran_.titre_brouillons.text()
    assert _cellules(ecran_.bordereaux, "Nb pièces") == ["2"]  # the demo's bordereau de titres
    assert _cellules(ecran_.bordereaux, "Date") == ["15/10/2026"]
    qtmodeltester.check(ecran_.titres)
    qtmodeltester.check(ecran_.bordereaux)


def test_numeroter_puis_imprimer_titres_et_asap(qtbot, ecran_, demo_state, boites, tmp_path, monkeypatch):
    ecran_.choisir_train("Normal")
    res = _attendre(qtbot, ecran_.numeroter())
    assert boites[0].genre == "question" and "6\u00a0240,00 €" in boites[0].texte
    (bord,) = res.bordereaux
    assert (bord.numero, bord.type_bord, bord.nb_pieces, bord.montant) == (2, "01", 1, Decimal("6240.00"))
    with demo_state.lecture() as session:
        loges = next(t for t in lister_titres(session, demo_state.ctx) if t.tiers == LOGES)
    assert (loges.numero, loges.etat) == (3, EtatPiece.NUMEROTE)
    assert _cellules(ecran_.titres, "N°") == ["3"]  # shown with its number until the train changes
    assert "Bordereau de titres n° 2" in ecran_.resultat.text()
    assert [b.numero for b in ecran_.bordereaux_choisis()] == [2]

    sortie = tmp_path / "titres.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(sortie), "")))
    impression = _attendre(qtbot, ecran_.imprimer())
    assert impression.titres == 1 and sortie.read_bytes().startswith(b"%PDF")
    assert [p.name for p in impression.bordereaux] == ["titres_bordereau_2.pdf"]
    assert any(b.genre == "openUrl" and b.texte.endswith("titres.pdf") for b in boites)

    with demo_state.transaction() as session:  # the titre's ASAP (02), entered through the service
        parametrer(session, demo_state.ctx)
        saisir_asap(session, demo_state.ctx, loges.id, [
            LigneSaisie("Mise à disposition d'un agent, 3e trimestre", Decimal("1"), Decimal("5200.00"),
                        Decimal("20"))])
    dossier = tmp_path / "asap"
    dossier.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(dossier)))
    avis = _attendre(qtbot, ecran_.imprimer_asap())
    assert [f.name for f in avis.fichiers] == ["asap_2026_n3.pdf"]
    assert (dossier / "asap_2026_n3.pdf").read_bytes().startswith(b"%PDF")


def test_imprimer_asap_sans_asap_le_dit(ecran_, demo_state, boites):
    with demo_state.lecture() as session:
        (premier,) = lister_bordereaux(session, demo_state.ctx, type_piece=TITRE)
    ecran_._choisir_bordereaux({premier.id})
    assert ecran_.imprimer_asap() is None
    assert "Aucun titre de ces bordereaux" in boites[-1].texte
