"""Choosing the budget and exercice: by SIRET, by CODCOL-CODBUD, or the obvious one."""
import pytest

from corail.errors import AmbiguousContext, NotFound
from corail.services.collectivites import ajouter_budget, ouvrir_exercice
from corail.services.contexte import construire_contexte


def test_seul_budget_et_exercice_courant(session, ctx):
    c = construire_contexte(session, budget=None, exercice=None, utilisateur="x")
    assert (c.budget_id, c.exercice, c.collectivite_id) == (ctx.budget_id, 2026, ctx.collectivite_id)


def test_budgets_partageant_un_siret(session, ctx):
    annexe = ajouter_budget(session, ctx, libelle="Eau", code_bud="2")
    with pytest.raises(AmbiguousContext) as exc:
        construire_contexte(session, budget=None, exercice=None, utilisateur="x")
    assert len(exc.value.choix) == 2
    with pytest.raises(AmbiguousContext, match="Plusieurs budgets ont le SIRET"):
        construire_contexte(session, budget="21310555400017", exercice=None, utilisateur="x")
    c = construire_contexte(session, budget="123-02", exercice=None, utilisateur="x")
    assert c.budget_id == annexe.id
    with pytest.raises(NotFound, match="Budget « 999-01 » inconnu"):
        construire_contexte(session, budget="999-01", exercice=None, utilisateur="x")


def test_choix_de_l_exercice(session, ctx):
    ouvrir_exercice(session, ctx, 2027)
    assert construire_contexte(session, budget=None, exercice=None, utilisateur="x").exercice == 2027
    assert construire_contexte(session, budget=None, exercice=2026, utilisateur="x").exercice == 2026
    with pytest.raises(NotFound) as exc:
        construire_contexte(session, budget=None, exercice=2030, utilisateur="x")
    assert exc.value.choix == ["2026", "2027"]
