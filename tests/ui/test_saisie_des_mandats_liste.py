"""The list of Saisie des mandats, made fast for 10,000 rows, shows what it showed: the same
rows and choices as before, the same column widths as ``ResizeToContents`` — measured once per
refresh, not at each resize."""
from __future__ import annotations

from dataclasses import replace

import pytest

from corail.services.mandats import lister_mandats
from corail.services.trains import lister_trains
from ui import saisie_des_mandats_dialogues as dialogues
from ui.modeles import tableau
from ui.saisie_des_mandats import SaisieDesMandatsScreen
from ui.saisie_des_mandats_modeles import charger

pytestmark = pytest.mark.gui


@pytest.fixture
def demo(qtbot, demo_state) -> SaisieDesMandatsScreen:
    widget = SaisieDesMandatsScreen(demo_state)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _lignes_variees(demo):
    """The demo's mandats, plus an annulation and one with a long number and tiers name."""
    lignes = demo.mandats.lignes()
    assert len(lignes) == 5
    return [*lignes, replace(lignes[0], id=900, numero=None, montant=-lignes[0].montant),
            replace(lignes[1], id=901, numero=10**12, tiers="Syndicat intercommunal " * 4)]


@pytest.mark.parametrize("filtres", [{}, {"etat": "numerote"}, {"train": "attente"},
                                     {"etat": "brouillon", "train": "Normal"}])
def test_chargement(demo_state, filtres):
    """The screen's refresh: the mandats of its filters, every train, the form's choices."""
    with demo_state.lecture() as session:
        charge = charger(session, demo_state.ctx, **filtres)
        assert list(charge.lignes) == lister_mandats(session, demo_state.ctx, **filtres)
        assert charge.contexte.trains == tuple((t.nom, t.attente)
                                               for t in lister_trains(session, demo_state.ctx))
    assert charge.imputations.articles and charge.tiers
    assert charge.lignes or filtres
    assert all(getattr(m, cle) == valeur for m in charge.lignes for cle, valeur in filtres.items())


def test_largeurs_comme_resize_to_contents(qtbot, demo):
    reference = tableau(dialogues.modele_mandats(), 2)  # the view as it was: ResizeToContents
    qtbot.addWidget(reference)

    def comparer():
        reference.resize(demo.vue.size())
        reference.show()
        qtbot.waitExposed(reference)
        qtbot.wait(10)
        largeurs = [demo.vue.columnWidth(c) for c in range(6) if c != 2]
        assert largeurs == [reference.columnWidth(c) for c in range(6) if c != 2]
        return largeurs

    reference.model().remplacer(demo.mandats.lignes())
    avant = comparer()
    lignes = _lignes_variees(demo)
    demo.mandats.remplacer(lignes)
    reference.model().remplacer(lignes)
    apres = comparer()
    assert apres[0] > avant[0] and apres[1] > avant[1]  # N° 10¹² and the long tiers name
    demo.window().resize(1500, 800)  # a resize keeps them; Objet takes the free width
    qtbot.wait(10)
    assert [demo.vue.columnWidth(c) for c in range(6) if c != 2] == apres
    assert demo.vue.horizontalHeader().length() == demo.vue.viewport().width()
    demo.filtre_etat.setCurrentIndex(demo.filtre_etat.findData("numerote"))
    demo.recharger()  # a refresh measures again, on the rows it shows
    reference.model().remplacer(demo.mandats.lignes())
    assert 0 < demo.mandats.rowCount() < 5 and comparer() != apres
