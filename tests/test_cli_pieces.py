"""cli/pieces: the sub-commands and lines ``corail mandats`` and ``corail titres`` share."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from corail.cli.depenses import MANDATS
from corail.cli.main import main
from corail.cli.pieces import identifiant, ligne_json, texte_ligne, texte_numerotation
from corail.cli.recettes import TITRES
from corail.db.models import TITRE
from corail.services.numerotation import BordereauCree, Numerotation

ACTIONS = {"mandats": ("list", "show", "valider", "numeroter", "imprimer", "annuler"),
           "titres": ("list", "show", "creer", "valider", "supprimer", "numeroter", "imprimer", "annuler",
                      "emettre")}


@pytest.mark.parametrize("commande,action", [(c, a) for c, actions in ACTIONS.items() for a in actions])
def test_l_aide_de_chaque_action_s_affiche(commande, action, capsys):
    with pytest.raises(SystemExit) as fin:
        main([commande, action, "--help"])
    assert fin.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage : corail {commande} {action}") and "Traceback" not in out


def test_les_actions_dans_leur_ordre(capsys):
    for commande, actions in ACTIONS.items():
        with pytest.raises(SystemExit):
            main([commande, "--help"])
        aide = capsys.readouterr().out
        positions = [aide.index(f"\n    {a}") for a in actions]
        assert positions == sorted(positions), commande


def test_numerotation_en_texte():
    res = Numerotation(
        bordereaux=(BordereauCree(3, 7, "01", 2, Decimal("1320.00"), ((10, 41), (11, 42)), TITRE),
                    BordereauCree(4, 1, "02", 1, Decimal("-10.00"), ((12, 43),), TITRE)),
        ignores=((13, "train d'attente"),), avertissements=("ASAP non prête : adresse",))
    assert texte_numerotation(TITRES, res).splitlines() == [
        "Bordereau de titres n° 7 (ordinaire) : 2 titre(s), n° 41 à 42, 1\u00a0320,00",
        "Bordereau de titres n° 1 (annulation) : 1 titre(s), n° 43 à 43, -10,00",
        "⚠ ASAP non prête : adresse",
        "Titre 13 non numéroté : train d'attente"]
    assert texte_numerotation(MANDATS, res).splitlines()[0] == (
        "Bordereau n° 7 (ordinaire) : 2 mandat(s), n° 41 à 42, 1\u00a0320,00")


def test_lignes_communes_puis_propres():
    l = SimpleNamespace(id=5, numero=None, tiers="Centre social des Tilleuls", objet="Salle",
                        montant=Decimal("120.00"), train="Normal", bordereau_id=None, etat="brouillon")
    assert list(ligne_json(l, type_asap="02", facture_demat_id=None)) == [
        "id", "numero", "tiers", "objet", "montant", "train", "bordereau_id", "etat", "type_asap",
        "facture_demat_id"]
    assert texte_ligne(l, "Brouillon").split() == [
        "5", "n°", "—", "Centre", "social", "des", "Tilleuls", "120,00", "Normal", "Brouillon"]


@pytest.mark.parametrize("texte", ["0", "-3", "abc", "1.5", str(2**63)])
def test_identifiant_refuse_ce_qui_n_est_pas_un_id(texte):
    import argparse
    with pytest.raises(argparse.ArgumentTypeError, match="identifiant invalide"):
        identifiant(texte)
    assert identifiant("42") == 42


@pytest.mark.parametrize("commande", ["mandats", "titres"])
def test_un_id_de_piece_invalide_est_dit_comme_tel(commande, capsys):
    from corail.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main([commande, "show", "abc"])
    assert exc.value.code == 2 and "identifiant invalide : « abc »" in capsys.readouterr().err
