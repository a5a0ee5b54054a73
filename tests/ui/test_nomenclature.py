"""Environnement › Nomenclature: search, filters, ticking the articles a budget uses."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from corail.db.models import Article, ArticleBudget
from corail.errors import ValidationError
from corail.nomenclature_data import load_chapitres, load_fonctions
from corail.services.collectivites import ajouter_budget
from corail.services.nomenclature import ArticleLigne
from ui.nomenclature import ArticlesModel, LignesModel, NomenclatureScreen

pytestmark = pytest.mark.gui

CHECK = Qt.ItemDataRole.CheckStateRole


def _ligne(code: str, utilise: bool = False) -> ArticleLigne:
    return ArticleLigne(1, code, f"Article {code}", code[:2], "F", "D", utilise)


def test_modele_articles_invariants(qtmodeltester):
    model = ArticlesModel(lambda ligne, utilise: True)
    model.remplacer([_ligne("60632"), _ligne("6064", True), _ligne("2183")])
    qtmodeltester.check(model)


def test_modele_lignes_invariants(qtmodeltester):
    model = LignesModel([("Chapitre", lambda c: c.code), ("Libellé", lambda c: c.libelle)])
    model.remplacer(load_chapitres("M57"))
    qtmodeltester.check(model)


def test_modele_articles_case_a_cocher():
    appels = []
    model = ArticlesModel(lambda ligne, utilise: appels.append((ligne.code, utilise)) or True)
    model.remplacer([_ligne("60632")])
    index = model.index(0, 0)
    assert model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.flags(model.index(0, 1)) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.setData(index, Qt.CheckState.Checked.value, CHECK)
    assert model.data(index, CHECK) == Qt.CheckState.Checked
    assert appels == [("60632", True)]
    assert model.data(model.index(0, 4)) == "Fonctionnement"
    assert model.data(model.index(0, 5)) == "Dépense"


def test_modele_articles_refus_laisse_la_case():
    model = ArticlesModel(lambda ligne, utilise: False)
    model.remplacer([_ligne("60632")])
    assert not model.setData(model.index(0, 0), Qt.CheckState.Checked, CHECK)
    assert model.data(model.index(0, 0), CHECK) == Qt.CheckState.Unchecked


@pytest.fixture
def ecran(qtbot, state):
    widget = NomenclatureScreen(state)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _codes(ecran: NomenclatureScreen) -> list[str]:
    m = ecran.articles
    return [m.ligne(r).code for r in range(m.rowCount())]


def _cocher(ecran: NomenclatureScreen, code: str, coche: bool = True) -> bool:
    row = _codes(ecran).index(code)
    etat = Qt.CheckState.Checked if coche else Qt.CheckState.Unchecked
    return ecran.articles.setData(ecran.articles.index(row, 0), etat, CHECK)


def _utilises_en_base(state) -> set[str]:
    with state.lecture() as session:
        return set(session.scalars(
            select(Article.code).join(ArticleBudget, ArticleBudget.article_id == Article.id)
            .where(ArticleBudget.budget_id == state.ctx.budget_id)))


def test_ecran_liste_et_recherche(ecran, state):
    assert ecran.titre == "Nomenclature"
    assert ecran.articles.rowCount() > 300
    assert "Nomenclature M57 — COMMUNE TEST — Budget principal (123-01)" in ecran.entete.text()
    ecran.recherche.setText("petit équipement")
    ecran.rechercher()
    assert "60632" in _codes(ecran)
    assert all("petit équipement" in ecran.articles.ligne(r).libelle.lower()
               for r in range(ecran.articles.rowCount()))
    ecran.recherche.setText("6063")
    ecran.rechercher()
    assert _codes(ecran) and all(c.startswith("6063") for c in _codes(ecran))
    ecran.recherche.setText("zzzz")
    ecran.rechercher()
    assert ecran.compte.text() == "Aucun article"


def test_filtre_chapitre_et_chapitres_fonctions(ecran, qtbot):
    assert ecran.chapitres.rowCount() == len(load_chapitres("M57"))
    assert ecran.fonctions.rowCount() == len(load_fonctions("M57"))
    ecran.filtre_chapitre.setCurrentIndex(ecran.filtre_chapitre.findData("011"))
    assert _codes(ecran) and {ecran.articles.ligne(r).chapitre
                              for r in range(ecran.articles.rowCount())} == {"011"}
    # double-click on chapitre 012 in the Chapitres tab: back to Articles, filtered on it
    ecran.onglets.setCurrentIndex(1)
    proxy = ecran.vue_chapitres.model()
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == "012")
    ecran.vue_chapitres.doubleClicked.emit(proxy.index(row, 1))
    assert ecran.onglets.currentIndex() == 0
    assert ecran.filtre_chapitre.currentData() == "012"
    assert {ecran.articles.ligne(r).chapitre for r in range(ecran.articles.rowCount())} == {"012"}


def test_cocher_marque_utilise_en_base(ecran, state, qtbot):
    ecran.utilises.setChecked(True)
    assert ecran.articles.rowCount() == 0
    ecran.utilises.setChecked(False)
    with qtbot.waitSignal(state.donnees_modifiees) as signal:
        assert _cocher(ecran, "60632")
    assert signal.args == ["nomenclature"]
    assert _utilises_en_base(state) == {"60632"}
    ecran.utilises.setChecked(True)
    assert _codes(ecran) == ["60632"]
    assert _cocher(ecran, "60632", False)
    assert _utilises_en_base(state) == set()


def test_cocher_refuse_message_et_case_inchangee(ecran, state, boites, monkeypatch):
    def refus(session, ctx, code, utilise=True):
        raise ValidationError(f"Article {code} refusé")

    monkeypatch.setattr("ui.nomenclature.marquer_utilise", refus)
    assert not _cocher(ecran, "60632")
    assert [(b.genre, b.texte) for b in boites] == [("warning", "Article 60632 refusé")]
    row = _codes(ecran).index("60632")
    assert ecran.articles.data(ecran.articles.index(row, 0), CHECK) == Qt.CheckState.Unchecked
    assert _utilises_en_base(state) == set()


def test_changer_de_budget_recharge(ecran, state):
    assert _cocher(ecran, "60632")
    with state.transaction() as session:
        annexe = ajouter_budget(session, state.ctx, libelle="Eau", code_bud="02")
        annexe_id = annexe.id
    ecran.utilises.setChecked(True)
    assert _codes(ecran) == ["60632"]
    state.changer_contexte(type(state.ctx)(state.ctx.collectivite_id, annexe_id, 2026,
                                           state.ctx.utilisateur, state.ctx.clock))
    assert _codes(ecran) == []
    assert "Eau (123-02)" in ecran.entete.text()
