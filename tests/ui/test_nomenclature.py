"""Environnement › Nomenclature: search, filters, ticking the articles a budget uses; chapitres
and fonctions from the database; the budget's opérations and services (add, modify,
deactivate, delete)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from corail.db.models import Article, ArticleBudget, Chapitre, Imputation, Operation, Piece
from corail.errors import ValidationError
from corail.nomenclature_data import load_chapitres, load_fonctions
from corail.services.collectivites import ajouter_budget
from corail.services.nomenclature import (
    ArticleLigne, OperationLigne, ServiceLigne, creer_operation, lister_chapitres,
)
from corail.services.tiers import CompteSaisie, TiersSaisie, creer_tiers, rechercher_tiers
from ui.modeles import TableauModel
from ui.nomenclature import ArticlesModel, NomenclatureScreen
from ui.nomenclature_axes import OPERATIONS, SERVICES, AxesModel
from ui.tiers import modele_tiers

pytestmark = pytest.mark.gui

CHECK = Qt.ItemDataRole.CheckStateRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
FG = Qt.ItemDataRole.ForegroundRole


def _ligne(code: str, utilise: bool = False) -> ArticleLigne:
    return ArticleLigne(1, code, f"Article {code}", code[:2], "F", "D", utilise)


def test_modele_articles_invariants(qtmodeltester):
    model = ArticlesModel(lambda ligne, utilise: True)
    model.remplacer([_ligne("60632"), _ligne("6064", True), _ligne("2183")])
    qtmodeltester.check(model)


def test_modele_lignes_invariants(qtmodeltester, state):
    model = TableauModel([("Chapitre", lambda c: c.code), ("Libellé", lambda c: c.libelle),
                         ("Articles", lambda c: c.articles)])
    with state.lecture() as session:
        model.remplacer(lister_chapitres(session, state.ctx))
    qtmodeltester.check(model)
    assert model.data(model.index(0, 2), ALIGN) & Qt.AlignmentFlag.AlignRight  # a count
    assert model.data(model.index(0, 1), ALIGN) is None


def test_modele_axes_invariants(qtmodeltester):
    for genre, ligne in ((OPERATIONS, OperationLigne), (SERVICES, ServiceLigne)):
        model = AxesModel(genre)
        model.remplacer([ligne(1, "101", "École", True, 3), ligne(2, "102", "Parc", False, 0)])
        qtmodeltester.check(model)
        assert [model.data(model.index(r, 3)) for r in (0, 1)] == \
            ([genre.actif, genre.inactif])
        assert model.data(model.index(0, 2)) == "3"
        assert model.data(model.index(0, 2), ALIGN) & Qt.AlignmentFlag.AlignRight
        assert model.data(model.index(0, 0), FG) is None
        assert model.data(model.index(1, 0), FG) is not None  # inactive: grey
    assert (OPERATIONS.actif, SERVICES.inactif) == ("Active", "Inactif")


def test_tiers_colonne_comptes_a_droite(state):
    """ui/tiers.py: the *Comptes* count is right-aligned, the other columns are not."""
    with state.transaction() as session:
        creer_tiers(session, state.ctx, TiersSaisie(nom="Martin", identifiant="31245678300017"),
                    [CompteSaisie("FR7630004008250001234567886")])
    with state.lecture() as session:
        lignes = rechercher_tiers(session, state.ctx)
    model = modele_tiers()
    model.remplacer(lignes)
    entetes = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    comptes = entetes.index("Comptes")
    assert model.data(model.index(0, comptes)) == "1"
    assert model.data(model.index(0, comptes), ALIGN) & Qt.AlignmentFlag.AlignRight
    assert all(model.data(model.index(0, c), ALIGN) is None
               for c in range(model.columnCount()) if c != comptes)


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


def test_chapitres_et_fonctions_de_la_base(ecran, state):
    with state.transaction() as session:
        session.scalars(select(Chapitre).where(Chapitre.code == "011")).one().libelle = "Corrigé"
    state.signaler("nomenclature")  # another screen changed the nomenclature
    ligne = next(ecran.chapitres.ligne(r) for r in range(ecran.chapitres.rowCount())
                 if ecran.chapitres.ligne(r).code == "011")
    assert ligne.libelle == "Corrigé" and ligne.utilises == 0 and ligne.articles > 10
    assert _cocher(ecran, "60632")  # the chapitre's Utilisés count follows
    assert next(ecran.chapitres.ligne(r).utilises for r in range(ecran.chapitres.rowCount())
                if ecran.chapitres.ligne(r).code == "011") == 1
    ecran.recherche_fonction.setText("enseignement")
    assert ecran.fonctions.rowCount() > 0
    assert all("enseignement" in ecran.fonctions.ligne(r).libelle.lower()
               for r in range(ecran.fonctions.rowCount()))
    ecran.recherche_fonction.setText("zzz")
    assert ecran.compte_fonctions.text() == "Aucune fonction"


def _codes_axe(onglet) -> list[str]:
    return [a.code for a in onglet.modele.lignes()]


@pytest.mark.parametrize("genre", ["operations", "services"])
def test_ajouter_modifier_desactiver(ecran, state, qtbot, boites, genre):
    onglet = getattr(ecran, genre)
    ecran.onglets.setCurrentWidget(onglet)
    assert ecran.onglets.tabText(ecran.onglets.currentIndex()) == onglet.genre.titre
    assert _codes_axe(onglet) == [] and not onglet.bouton_modifier.isEnabled()
    dialogue = onglet.ajouter()
    dialogue.code.setText("101")
    dialogue.libelle.setText("École Jules-Ferry")
    with qtbot.waitSignal(state.donnees_modifiees) as signal:
        assert dialogue.enregistrer()
    assert signal.args == ["nomenclature"] and boites == []
    assert _codes_axe(onglet) == ["101"] and onglet.choisie().libelle == "École Jules-Ferry"
    # a second one with the same code: the message, the form stays open, nothing written
    dialogue = onglet.ajouter()
    dialogue.code.setText("101")
    dialogue.libelle.setText("Autre")
    assert not dialogue.enregistrer()
    assert [b.genre for b in boites] == ["warning"] and "déjà pris" in boites[0].texte
    assert dialogue.isVisible() and _codes_axe(onglet) == ["101"]
    dialogue.reject()
    dialogue = onglet.modifier()
    assert dialogue.code.text() == "101"
    dialogue.libelle.setText("Rénovation de l'école")
    assert dialogue.enregistrer()
    assert onglet.choisie().libelle == "Rénovation de l'école"
    assert onglet.bouton_activer.text() == "Désactiver"
    assert onglet.basculer_actif()
    assert not onglet.choisie().actif and onglet.bouton_activer.text() == "Réactiver"
    assert "1 " + onglet.genre.inactif.lower() in onglet.compte.text()
    assert onglet.basculer_actif() and onglet.choisie().actif
    assert onglet.supprimer()
    assert _codes_axe(onglet) == [] and onglet.choisie() is None
    assert [b.genre for b in boites] == ["warning", "question"]


def test_operation_imputee_ni_supprimee_ni_recodee(ecran, state):
    with state.transaction() as session:
        op = creer_operation(session, state.ctx, "101", "École")
        piece = Piece(type_piece="mandat", budget_id=state.ctx.budget_id, annee=2026,
                      cree_le=state.ctx.now(), cree_par="agent.test")
        piece.imputations.append(Imputation(article="2313", montant=Decimal("10"),
                                            operation_id=op.id))
        session.add(piece)
    ecran.recharger()
    ecran.operations.choisir(op.id)
    assert ecran.operations.choisie().imputations == 1
    assert not ecran.operations.bouton_supprimer.isEnabled()
    assert "désactivez-la" in ecran.operations.bouton_supprimer.toolTip()
    dialogue = ecran.operations.modifier()
    assert not dialogue.code.isEnabled()
    dialogue.reject()
    assert ecran.operations.basculer_actif() and not ecran.operations.choisie().actif
    with state.lecture() as session:
        assert session.scalar(select(func.count()).select_from(Operation)) == 1


def test_axes_par_budget(ecran, state):
    with state.transaction() as session:
        creer_operation(session, state.ctx, "101", "École")
        annexe_id = ajouter_budget(session, state.ctx, libelle="Eau", code_bud="02").id
    ecran.recharger()
    assert _codes_axe(ecran.operations) == ["101"]
    state.changer_contexte(type(state.ctx)(state.ctx.collectivite_id, annexe_id, 2026,
                                           state.ctx.utilisateur, state.ctx.clock))
    assert _codes_axe(ecran.operations) == [] and ecran.operations.compte.text() == \
        "Aucune opération"
    assert ecran.services.compte.text() == "Aucun service"
