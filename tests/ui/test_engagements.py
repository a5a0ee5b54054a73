"""Dépenses › Engagements (pytest-qt, SQLite): the demo's engagements with what is consumed and
left; *Nouvel engagement* (tiers found by a search, article completed, amount typed the French
way); a duplicate number, a grouping article and an unreadable amount refused, nothing written."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from corail.services.contexte import lister_budgets
from corail.services.engagements import lister_engagements
from corail.services.nomenclature import ArticleLigne
from ui.common import ALIGN_MONTANT
from ui.ecrans import ecran as ecran_du_registre
from ui.engagements import EngagementsScreen, modele_engagements
from ui.engagements_dialogues import EngagementDialog, articles_de_depense

pytestmark = pytest.mark.gui


@pytest.fixture
def ecran(qtbot, demo_state) -> EngagementsScreen:
    widget = EngagementsScreen(demo_state)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    return widget


def _texte(ecran, rangee: int, colonne: str) -> str:
    return ecran.modele.index(rangee, ecran.modele.colonne(colonne)).data()


def _remplir(dialogue: EngagementDialog, numero: str, montant: str, article: str = "6064",
             tiers: str = "papeterie") -> None:
    dialogue.numero.setText(numero)
    dialogue.tiers.recherche.setText(tiers)
    dialogue.tiers.chercher()
    dialogue.article.setEditText(article)
    dialogue.montant.setText(montant)
    dialogue.objet.setText("Fournitures administratives")
    dialogue.marche.setText("MAPA-2026-07")


def test_dans_le_menu_depenses():
    e = ecran_du_registre("engagements")
    assert (e.menu, e.titre, e.raccourci, e.classe) == ("Dépenses", "Engagements", "Ctrl+7",
                                                         "EngagementsScreen")


def test_liste_avec_consomme_et_reste(ecran):
    assert [_texte(ecran, r, "N° Eng.") for r in range(2)] == ["ENG-2026-014", "ENG-2026-021"]
    assert _texte(ecran, 0, "Tiers") == "Quincaillerie Martin SARL"
    assert _texte(ecran, 0, "Article") == "60632"
    assert (_texte(ecran, 0, "Montant"), _texte(ecran, 0, "Consommé"), _texte(ecran, 0, "Reste")) \
        == ("5\u00a0000,00", "1\u00a0499,00", "3\u00a0501,00")
    alignement = ecran.modele.index(0, ecran.modele.colonne("Reste")).data(
        Qt.ItemDataRole.TextAlignmentRole)
    assert alignement == int(ALIGN_MONTANT.value)
    assert ecran.resume.text().startswith("2 engagement(s)")


def test_creer_un_engagement(qtbot, ecran, demo_state, boites):
    dialogue = ecran.nouveau()
    assert dialogue.tiers.choix.currentText() == "(aucun tiers)"
    _remplir(dialogue, "ENG-2026-030", "1 250,5")
    assert dialogue.tiers.choix.currentText().startswith("Papeterie du Centre")
    assert dialogue.lecture_montant.text() == "soit 1\u00a0250,50 €"
    assert dialogue.code_article() == "6064"
    dialogue.boutons.button(QDialogButtonBox.StandardButton.Save).click()
    assert boites == [] and not dialogue.isVisible()
    with demo_state.lecture() as session:
        (e,) = [e for e in lister_engagements(session, demo_state.ctx) if e.numero == "ENG-2026-030"]
    assert (e.tiers, e.article, e.montant, e.solde, e.numero_marche) == (
        "Papeterie du Centre", "6064", Decimal("1250.50"), Decimal("1250.50"), "MAPA-2026-07")
    assert ecran.modele.rowCount() == 3 and [l.numero for l in ecran.choisis()] == ["ENG-2026-030"]
    assert "ENG-2026-030 créé" in ecran.message.text()


def test_article_choisi_dans_la_liste(ecran):
    dialogue = ecran.nouveau()
    i = dialogue.article.findData("6262")
    assert i >= 0 and dialogue.article.itemText(i).startswith("6262 — ")
    dialogue.article.setCurrentIndex(i)
    assert dialogue.code_article() == "6262"
    assert dialogue.article.findData("606") < 0  # a grouping account is not proposed


def test_doublon_refuse(qtbot, ecran, demo_state, boites):
    dialogue = ecran.nouveau()
    _remplir(dialogue, "ENG-2026-014", "100,00")
    assert not dialogue.enregistrer()
    assert boites[-1].genre == "warning" and "existe déjà" in boites[-1].texte
    assert dialogue.isVisible()
    with demo_state.lecture() as session:
        assert len(lister_engagements(session, demo_state.ctx)) == 2


@pytest.mark.parametrize("montant, article, message", [
    ("12,345", "6064", "deux décimales"),
    ("", "6064", "Montant de l'engagement : montant manquant"),
    ("0", "6064", "positif"),
    ("100", "606", "compte de regroupement"),
])
def test_saisies_refusees(ecran, boites, montant, article, message):
    dialogue = ecran.nouveau()
    _remplir(dialogue, "ENG-X", montant, article=article)
    assert not dialogue.enregistrer()
    assert message in boites[-1].texte
    assert ecran.modele.rowCount() == 2


def test_feuilles_de_depense():
    def a(code, sens="D"):
        return ArticleLigne(0, code, code, code[:2], "F", sens, False)
    feuilles = articles_de_depense([a("60"), a("606"), a("6061"), a("60611"), a("6064"),
                                    a("70", "R"), a("7062", "R")])
    assert [f.code for f in feuilles] == ["60611", "6064"]


def test_modeles(qtmodeltester, ecran, demo_state):
    with demo_state.lecture() as session:
        lignes = lister_engagements(session, demo_state.ctx)
    modele = modele_engagements()
    modele.remplacer(lignes)
    qtmodeltester.check(modele)
    qtmodeltester.check(ecran.modele)


def test_changement_de_budget_recharge(ecran, demo_state):
    with demo_state.lecture() as session:
        annexe = next(b for b in lister_budgets(session) if b.id != demo_state.ctx.budget_id)
    demo_state.changer_contexte(replace(demo_state.ctx, budget_id=annexe.id))
    assert ecran.modele.rowCount() == 0 and ecran.resume.text() == "Aucun engagement"
