"""Dépenses › Saisie des mandats (pytest-qt, SQLite): a mandat typed through the form and
validated; an unbalanced mandat shows its gap and Valider gives every reason; a numbered mandat
is read-only and Annuler makes a réduction; PJ added and removed; a draft deleted."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLineEdit
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from corail.db.models import Budget, CompteBancaire, FactureDemat, Piece, PiecePJ
from corail.domain.etats import EtatFactureDemat, EtatPiece
from corail.services.tiers import CompteSaisie, TiersSaisie, creer_tiers
from ui.ecrans import classe_ecran
from ui.ecrans import ecran as ecran_du_registre
from ui.saisie_des_mandats import SaisieDesMandatsScreen
from ui.saisie_des_mandats_imputations import ARTICLE, TOTAL

pytestmark = pytest.mark.gui

RIB = "10278 37200 00012345601 37"


@pytest.fixture
def ecran(qtbot, state) -> SaisieDesMandatsScreen:
    widget = SaisieDesMandatsScreen(state)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def demo(qtbot, demo_state) -> SaisieDesMandatsScreen:
    widget = SaisieDesMandatsScreen(demo_state)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    return widget


def choisir(ecran: SaisieDesMandatsScreen, **attendu):
    """Select the first mandat of the list whose fields have the values ``attendu``."""
    for r in range(ecran.mandats.rowCount()):
        ligne = ecran.mandats.ligne(r)
        if all(getattr(ligne, k) == v for k, v in attendu.items()):
            ecran.vue.selectRow(r)
            assert ecran.mandat_id == ligne.id
            return ligne
    raise AssertionError(f"aucun mandat {attendu}")


def taper_montant(qtbot, ecran: SaisieDesMandatsScreen, row: int, texte: str) -> None:
    """Type an amount in the Total cell through its editor, as a user would."""
    vue = ecran.formulaire.grille.vue
    index = vue.model().index(row, TOTAL)
    if vue.currentIndex() != index or not vue.viewport().findChildren(QLineEdit):
        vue.setCurrentIndex(index)
        vue.edit(index)
    editeur = vue.viewport().findChild(QLineEdit)
    assert editeur is not None and editeur.alignment() & Qt.AlignmentFlag.AlignRight
    editeur.selectAll()
    qtbot.keyClicks(editeur, texte)
    qtbot.keyClick(editeur, Qt.Key.Key_Return)  # the delegate commits on the next event loop
    qtbot.waitUntil(lambda: not vue.viewport().findChildren(QLineEdit), timeout=2000)


def pieces(state) -> list[Piece]:
    with state.lecture() as session:
        return list(session.scalars(select(Piece).options(selectinload(Piece.imputations))
                                    .order_by(Piece.id)))


def test_registre_et_modeles(qtmodeltester, demo):
    assert classe_ecran(ecran_du_registre("saisie_des_mandats")) is SaisieDesMandatsScreen
    assert demo.mandats.rowCount() == 5
    montant = demo.mandats.index(4, demo.mandats.colonne("Montant"))
    assert montant.data() == "3\u00a0277,42"
    assert montant.data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    choisir(demo, numero=2)
    assert demo.formulaire.tabText(5) == "P. Jointes (2)"
    for modele in (demo.mandats, demo.formulaire.pj, demo.formulaire.grille.modele):
        qtmodeltester.check(modele)
    dialogue = demo.choisir_tiers()
    assert dialogue is None  # read-only: a numbered mandat keeps its tiers
    choisir(demo, etat=EtatPiece.BROUILLON)
    dialogue = demo.choisir_tiers()
    assert dialogue.modele.rowCount() == 9  # the demo's 6 suppliers and 3 débiteurs of titres
    qtmodeltester.check(dialogue.modele)
    dialogue.reject()


def test_iban_invalide_signale_et_changement_de_collectivite(demo, demo_state):
    ligne = choisir(demo, etat=EtatPiece.BROUILLON)
    with demo_state.transaction() as session:  # as kept from a pivot whose IBAN fails its check
        session.get(CompteBancaire, session.get(Piece, ligne.id).compte_bancaire_id).iban_valide = False
    demo_state.signaler("tiers")
    m = demo.formulaire.mandat
    assert m.iban.text().endswith("IBAN invalide") and "#b00020" in m.iban.styleSheet()
    assert m.banque.currentText().endswith("— IBAN invalide")
    with demo_state.lecture() as session:
        annexe = session.scalar(select(Budget.id).where(Budget.code_bud == "02"))
    demo_state.changer_contexte(replace(demo_state.ctx, budget_id=annexe))
    assert [demo.mandats.ligne(r).tiers for r in range(demo.mandats.rowCount())] == [
        "Société des Eaux du Val"]
    assert demo.mandat_id == demo.mandats.ligne(0).id


def test_tiers_par_completion_et_ses_comptes(qtbot, demo):
    demo.ajouter()
    qtbot.waitExposed(demo)
    m = demo.formulaire.mandat
    m.tiers.setFocus()
    qtbot.keyClicks(m.tiers, "papet")
    popup = demo.completion_tiers.popup()
    assert popup.isVisible() and demo.completion_tiers.completionCount() == 1
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert m.tiers.text() == "Papeterie du Centre" and m.tiers_id is not None
    assert m.banque.currentText() == "FR76 1027 8372 0000 0123 4560 137 — principal"


def test_filtres_etat_et_train(demo):
    demo.filtre_etat.setCurrentIndex(demo.filtre_etat.findData(EtatPiece.TRANSMIS.value))
    demo.recharger()
    assert {demo.mandats.ligne(r).numero for r in range(demo.mandats.rowCount())} == {1, 2}
    demo.filtre_etat.setCurrentIndex(0)
    demo.filtre_train.setCurrentIndex(demo.filtre_train.findData("attente"))
    demo.recharger()
    assert [demo.mandats.ligne(r).tiers for r in range(demo.mandats.rowCount())] == ["EDF Collectivités"]
    assert demo.compte.text() == "1 mandat"


def test_creer_et_valider_un_mandat_par_le_formulaire(qtbot, ecran, state, boites):
    with state.transaction() as session:
        creer_tiers(session, state.ctx, TiersSaisie(nom="Papeterie du Centre",
                                                    identifiant="55213467800010"),
                    [CompteSaisie(RIB, principal=True)])
    state.signaler("tiers")
    assert ecran.mandats.rowCount() == 0 and not ecran.boutons["valider"].isEnabled()
    ecran.ajouter()
    assert ecran.creation and not ecran.vue.isEnabled() and ecran.boutons["enregistrer"].isEnabled()
    dialogue = ecran.choisir_tiers()
    dialogue.recherche.setText("papeterie")
    dialogue.recharger()
    qtbot.mouseClick(dialogue.boutons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    m = ecran.formulaire.mandat
    assert m.tiers.text() == "Papeterie du Centre" and "FR76 1027 8372" in m.iban.text()
    qtbot.keyClicks(m.objet, "Fournitures de bureau, octobre")
    grille = ecran.formulaire.grille
    qtbot.mouseClick(grille.bouton_ajouter, Qt.MouseButton.LeftButton)
    assert grille.modele.setData(grille.modele.index(0, ARTICLE), "6064 – Fournitures administratives")
    assert grille.modele.lignes()[0].designation == "Fournitures administratives"
    taper_montant(qtbot, ecran, 0, "1 234,56")
    assert grille.modele.total() == Decimal("1234.56")
    assert grille.total.text() == "<b>Total : 1\u00a0234,56</b>" and not grille.ecart.isVisible()
    with qtbot.waitSignal(state.donnees_modifiees, timeout=2000) as signal:
        qtbot.mouseClick(ecran.boutons["valider"], Qt.MouseButton.LeftButton)
    assert boites == [] and signal.args == ["mandats"]
    (p,) = pieces(state)
    assert (p.etat, p.montant, p.objet) == (EtatPiece.VALIDE, Decimal("1234.56"),
                                          "Fournitures de bureau, octobre")
    assert p.compte_bancaire_id is not None and p.imputations[0].article == "6064"
    assert ecran.mandat_id == p.id and not ecran.modifie and ecran.vue.isEnabled()
    assert ecran.mandats.rowCount() == 1 and "Validé" in ecran.entete.text()


def test_saisie_refusee_montant_illisible_et_tiers_manquant(qtbot, ecran, boites, state):
    ecran.ajouter()
    grille = ecran.formulaire.grille
    grille.ajouter()
    assert not grille.modele.setData(grille.modele.index(0, TOTAL), "12,345")
    assert "deux décimales au plus" in grille.message.text()
    assert not grille.modele.setData(grille.modele.index(0, ARTICLE), "9999")
    assert "9999 absent de la nomenclature" in grille.message.text()
    qtbot.mouseClick(ecran.boutons["enregistrer"], Qt.MouseButton.LeftButton)
    assert [b.genre for b in boites] == ["warning"] and "Tiers" in boites[0].texte
    assert pieces(state) == [] and ecran.modifie
    qtbot.mouseClick(ecran.boutons["annuler"], Qt.MouseButton.LeftButton)
    assert not ecran.modifie and not ecran.creation and ecran.formulaire.grille.modele.rowCount() == 0


def test_mandat_desequilibre_ecart_en_rouge_et_valider_donne_les_raisons(qtbot, demo, demo_state,
                                                                        boites):
    ligne = choisir(demo, etat=EtatPiece.BROUILLON)
    grille = demo.formulaire.grille
    assert grille.ecart.text() == "Équilibré"
    taper_montant(qtbot, demo, 0, "3 277,41")
    assert grille.du.text() == "Montant de la facture : 3\u00a0277,42"
    assert grille.ecart.text() == "Écart : -0,01" and "#b00020" in grille.ecart.styleSheet()
    assert demo.modifie and not demo.vue.isEnabled() and not demo.boutons["supprimer"].isEnabled()
    qtbot.mouseClick(demo.boutons["valider"], Qt.MouseButton.LeftButton)
    assert [b.genre for b in boites] == ["warning"]
    assert "ne peut pas être validé" in boites[0].texte
    assert "mandat déséquilibré" in boites[0].texte and "(écart -0,01)" in boites[0].texte
    p = next(p for p in pieces(demo_state) if p.id == ligne.id)  # nothing written
    assert (p.etat, p.montant) == (EtatPiece.BROUILLON, Decimal("3277.42"))
    assert demo.modifie  # what was typed stays, to be corrected
    # saved unbalanced, the draft lists what blocks its validation
    qtbot.mouseClick(demo.boutons["enregistrer"], Qt.MouseButton.LeftButton)
    assert len(boites) == 1 and not demo.modifie
    assert "À corriger avant de valider : mandat déséquilibré" in demo.avertissements.text()


def test_mandat_numerote_lecture_seule_et_reduction(qtbot, demo, demo_state, boites):
    ligne = choisir(demo, numero=3)
    f = demo.formulaire
    assert f.mandat.objet.isReadOnly() and not f.mandat.banque.isEnabled()
    assert not f.grille.bouton_ajouter.isEnabled()
    assert not f.grille.modele.flags(f.grille.modele.index(0, TOTAL)) & Qt.ItemFlag.ItemIsEditable
    assert [k for k, b in demo.boutons.items() if b.isEnabled()] == ["ajouter", "dupliquer", "annuler"]
    assert "lecture seule" in demo.avertissements.text()
    avant = len(pieces(demo_state))
    dialogue = demo.annuler()
    dialogue.reduction.setChecked(True)
    qtbot.keyClicks(dialogue.montant, "1 000,00")
    dialogue.enregistrer()  # no motif: refused, nothing written
    assert [b.genre for b in boites] == ["warning"] and "Motif" in boites[0].texte
    assert dialogue.isVisible() and len(pieces(demo_state)) == avant
    dialogue.motif.setText("Erreur de quantité")  # QTest cannot type an accented letter
    with qtbot.waitSignal(demo_state.donnees_modifiees, timeout=2000):
        qtbot.mouseClick(dialogue.boutons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    reduction = pieces(demo_state)[-1]
    assert (reduction.piece_origine_id, reduction.montant, reduction.etat) == (
        ligne.id, Decimal("-1000.00"), EtatPiece.VALIDE)
    assert reduction.objet.startswith("Réduction du mandat n° 3/2026 : Erreur de quantité")
    assert demo.mandat_id == reduction.id and demo.mandats.rowCount() == 6


def test_pieces_jointes_ajouter_ouvrir_retirer(qtbot, demo, demo_state, boites, tmp_path,
                                               monkeypatch):
    ligne = choisir(demo, etat=EtatPiece.VALIDE)
    f = demo.formulaire
    assert f.tabText(5) == "P. Jointes (1)"
    devis = tmp_path / "devis signé.pdf"
    devis.write_bytes(b"%PDF-1.4\n% devis\n%%EOF\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: ([str(devis)], "")))
    qtbot.mouseClick(f.boutons_pj["ajouter"], Qt.MouseButton.LeftButton)
    assert boites == [] and f.tabText(5) == "P. Jointes (2)"
    assert f.pj.ligne(1)[1] == "devis signé.pdf"
    f.vue_pj.selectRow(1)
    chemin = demo.ouvrir_pj()
    assert chemin.read_bytes() == devis.read_bytes()
    assert boites[-1].genre == "openUrl" and boites[-1].texte.endswith("/devis signé.pdf")
    boites.clear()
    f.vue_pj.selectRow(0)  # the invoice from Chorus Pro stays
    qtbot.mouseClick(f.boutons_pj["retirer"], Qt.MouseButton.LeftButton)
    assert [b.genre for b in boites] == ["question", "warning"]
    assert "vient de Chorus Pro" in boites[1].texte and f.tabText(5) == "P. Jointes (2)"
    f.vue_pj.selectRow(1)
    qtbot.mouseClick(f.boutons_pj["retirer"], Qt.MouseButton.LeftButton)
    assert f.tabText(5) == "P. Jointes (1)" and len(boites) == 3
    with demo_state.lecture() as session:
        assert session.scalar(select(func.count()).select_from(PiecePJ)
                              .where(PiecePJ.piece_id == ligne.id)) == 1


def test_supprimer_un_brouillon_et_dupliquer(qtbot, demo, demo_state, boites):
    ligne = choisir(demo, etat=EtatPiece.BROUILLON)
    qtbot.mouseClick(demo.boutons["supprimer"], Qt.MouseButton.LeftButton)
    assert [b.genre for b in boites] == ["question"]
    assert "Sa facture redevient à traiter" in boites[0].texte
    assert ligne.id not in {p.id for p in pieces(demo_state)} and demo.mandats.rowCount() == 4
    with demo_state.lecture() as session:
        assert session.get(FactureDemat, ligne.facture_demat_id).etat == EtatFactureDemat.A_TRAITER
    choisir(demo, numero=3)
    assert not demo.boutons["supprimer"].isEnabled()
    qtbot.mouseClick(demo.boutons["dupliquer"], Qt.MouseButton.LeftButton)
    copie = pieces(demo_state)[-1]
    assert (copie.etat, copie.montant, copie.facture_demat_id) == (
        EtatPiece.BROUILLON, Decimal("17784.00"), None)
    assert demo.mandat_id == copie.id and not demo.formulaire.mandat.objet.isReadOnly()
    assert demo.formulaire.grille.du.isHidden()  # no invoice: no amount due, no gap
