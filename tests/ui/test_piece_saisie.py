"""The shared pieces of Saisie des mandats and Titres de recettes (ui.piece_saisie*)."""
from decimal import Decimal

import pytest

from corail.errors import ValidationError
from ui.piece_saisie import alias
from ui.piece_saisie_grille import montant_tape


def test_montant_tape_francais_decimal_vide_et_refus():
    assert montant_tape("1 234,56") == Decimal("1234.56")
    assert montant_tape(Decimal("7.10")) == Decimal("7.10")
    assert montant_tape("  ") is None and montant_tape(None) is None
    with pytest.raises(ValidationError, match="1 234,56"):
        montant_tape("douze")


def test_alias_lit_et_ecrit_sous_un_autre_nom():
    class Ecran:
        piece_id = None
        mandat_id = alias("piece_id")

    e = Ecran()
    e.mandat_id = 42
    assert e.piece_id == 42
    e.piece_id = 7
    assert e.mandat_id == 7


def test_les_deux_grilles_ajoutent_et_enlevent_par_la_base(qtbot):
    from ui.saisie_des_mandats_imputations import TOTAL, GrilleImputations
    from ui.titres_de_recettes_grille import GrilleImputationsTitre
    from ui.titres_de_recettes_imputations import TOTAL as TOTAL_TITRE

    for classe, total in ((GrilleImputations, TOTAL), (GrilleImputationsTitre, TOTAL_TITRE)):
        grille = classe()
        qtbot.addWidget(grille)
        grille.ajouter()
        assert grille.modele.rowCount() == 1 and grille.vue.currentIndex().row() == 0
        grille.modele.setData(grille.modele.index(0, total), "abc")
        assert grille.message.text().startswith("Imputation 1 :")
        grille.enlever()
        assert grille.modele.rowCount() == 0 and grille.message.text() == ""
