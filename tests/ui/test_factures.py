"""Dépenses › Factures (pytest-qt, SQLite): the register with the délai global de paiement —
an overdue invoice is red and says so (with its interest and the 40 € indemnité), a soon-due
one orange, a suspended one grey —; Mandater from the register; Suspendre then Reprendre."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from corail.db.models import FactureDemat, Piece
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.mandatement import facturer
from corail.services.pivot_import import importer_fichier
from corail.services.registre import lister_registre
from tests.pivot_fixtures import ecrire
from ui.common import ALIGN_MONTANT
from ui.ecrans import ecran as ecran_du_registre
from ui.factures import COULEURS, FacturesScreen, modele_registre

pytestmark = pytest.mark.gui

SIRET = "21310555400017"  # COMMUNE TEST of the ``state`` fixture; today is 15/10/2026


def _f(numero: str, reception: date, ht: str = "1000.00"):
    return exemple_facture(numero, siret_debiteur=SIRET, code_service=None, avec_pdf=False,
                           montant_ht=ht, date_reception=reception)


def registre(state, tmp_path) -> None:
    """Four invoices in the register: overdue, due in 2 days, on time, and one to suspend."""
    factures = (_f("RETARD-1", date(2026, 8, 1)), _f("PROCHE-1", date(2026, 9, 17), "2731.18"),
                _f("AJOUR-1", date(2026, 10, 5), "250.00"), _f("SUSP-1", date(2026, 10, 1)))
    chemin = ecrire(tmp_path, "flux.xml", build_pivot(exemple_flux(*factures)))
    with state.transaction() as session:
        importer_fichier(session, state.ctx, chemin)
        facturer(session, state.ctx, None)


@pytest.fixture
def ecran(qtbot, state, tmp_path) -> FacturesScreen:
    registre(state, tmp_path)
    widget = FacturesScreen(state)
    qtbot.addWidget(widget)
    widget.resize(1280, 700)
    return widget


def _rangee(ecran: FacturesScreen, numero: str) -> int:
    return next(r for r, l in enumerate(ecran.modele.lignes()) if l.numero == numero)


def _cellule(ecran: FacturesScreen, numero: str, colonne: str, role=Qt.ItemDataRole.DisplayRole):
    return ecran.modele.index(_rangee(ecran, numero), ecran.modele.colonne(colonne)).data(role)


def test_registre_dans_le_menu_depenses():
    e = ecran_du_registre("factures")
    assert (e.menu, e.titre, e.raccourci, e.module, e.classe) == (
        "Dépenses", "Factures", "Ctrl+5", "ui.factures", "FacturesScreen")


def test_facture_en_retard_en_rouge_et_le_dit(ecran):
    assert [l.numero for l in ecran.modele.lignes()] == ["RETARD-1", "PROCHE-1", "SUSP-1", "AJOUR-1"]
    # overdue: 30 days from 01/08 → 31/08, 45 days late on 15/10
    assert _cellule(ecran, "RETARD-1", "Réception") == "01/08/2026"
    assert _cellule(ecran, "RETARD-1", "Échéance") == "31/08/2026"
    assert _cellule(ecran, "RETARD-1", "Jours restants") == "-45"
    assert _cellule(ecran, "RETARD-1", "Alerte") == "En retard de 45 jours"
    fond = _cellule(ecran, "RETARD-1", "N° facture", Qt.ItemDataRole.BackgroundRole)
    assert fond.color() == COULEURS["retard"][0]
    assert _cellule(ecran, "RETARD-1", "Indemnité") == "40,00"
    assert _cellule(ecran, "RETARD-1", "Intérêts estimés") == "15,02"  # 1 200 × 10,15 % × 45 / 365
    assert "10,15" in _cellule(ecran, "RETARD-1", "Intérêts estimés", Qt.ItemDataRole.ToolTipRole)
    assert _cellule(ecran, "RETARD-1", "Montant net") == "1\u00a0200,00"
    assert _cellule(ecran, "RETARD-1", "Montant net", Qt.ItemDataRole.TextAlignmentRole) \
        == int(ALIGN_MONTANT.value)
    # soon due: orange, and says so; on time: no colour, no interest
    assert _cellule(ecran, "PROCHE-1", "Alerte") == "Échéance proche (2 jours)"
    assert _cellule(ecran, "PROCHE-1", "Montant net") == "3\u00a0277,42"
    assert _cellule(ecran, "PROCHE-1", "État", Qt.ItemDataRole.BackgroundRole).color() \
        == COULEURS["proche"][0]
    assert _cellule(ecran, "AJOUR-1", "Alerte") == ""
    assert _cellule(ecran, "AJOUR-1", "Tiers", Qt.ItemDataRole.BackgroundRole) is None
    assert _cellule(ecran, "AJOUR-1", "Indemnité") == ""
    assert "1 en retard" in ecran.resume.text() and "1 à échéance proche" in ecran.resume.text()
    assert "BCE + 8 points" in ecran.explication.text() and "30 jours" in ecran.explication.text()


def test_mandater_depuis_le_registre(qtbot, ecran, state, boites):
    ecran.choisir_numeros("RETARD-1")
    assert ecran.boutons["mandater"].isEnabled()
    qtbot.mouseClick(ecran.boutons["mandater"], Qt.MouseButton.LeftButton)
    with state.lecture() as session:
        (piece,) = session.scalars(select(Piece)).all()
        assert piece.montant == Decimal("1200.00") and piece.etat == "brouillon"
        (f,) = [l for l in lister_registre(session, state.ctx) if l.numero == "RETARD-1"]
        assert f.etat == "mandatee" and f.mandat_id == piece.id
    assert "Facture RETARD-1 mandatée" in boites[-1].texte
    assert "Saisie des mandats" in boites[-1].texte
    assert "RETARD-1" not in [l.numero for l in ecran.modele.lignes()]  # à mandater only
    ecran.filtre.setCurrentIndex(ecran.filtre.findData("toutes"))
    assert _cellule(ecran, "RETARD-1", "État") == "Mandatée"


def test_mandater_montre_les_avertissements(qtbot, ecran, state, boites):
    with state.transaction() as session:  # an IBAN that changed since the tiers was created
        fd = session.scalars(select(FactureDemat).where(FactureDemat.numero == "AJOUR-1")).one()
        fd.reference_bancaire_compte = "FR7630004008250001234567886"
    ecran.choisir_numeros("AJOUR-1")
    ecran.mandater()
    assert boites[-1].genre == "warning" and "À vérifier" in boites[-1].texte
    assert "IBAN de la facture" in boites[-1].texte and "AJOUR-1" in ecran.message.text()


def test_suspendre_puis_reprendre(qtbot, ecran, state, boites):
    ecran.choisir_numeros("SUSP-1")
    dialogue = ecran.suspendre()
    assert dialogue.code() == "pieces"
    dialogue.complement.setPlainText("Bon de livraison   manquant")
    dialogue.boutons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert _cellule(ecran, "SUSP-1", "Alerte") == "Suspendue : délai interrompu"
    assert _cellule(ecran, "SUSP-1", "État") == "Suspendue"
    assert _cellule(ecran, "SUSP-1", "Tiers", Qt.ItemDataRole.BackgroundRole).color() \
        == COULEURS["suspendue"][0]
    assert "Pièces justificatives manquantes : Bon de livraison manquant" in ecran.message.text()
    ecran.choisir_numeros("SUSP-1")
    assert not ecran.boutons["mandater"].isEnabled() and ecran.boutons["reprendre"].isEnabled()
    assert ecran.reprendre() is not None
    assert _cellule(ecran, "SUSP-1", "État") == "À mandater"
    assert _cellule(ecran, "SUSP-1", "Alerte") == ""


def test_suspension_refusee_garde_le_dialogue(qtbot, ecran, boites):
    ecran.choisir_numeros("AJOUR-1")
    dialogue = ecran.suspendre()
    dialogue.motif.setCurrentIndex(dialogue.motif.findData("autre"))  # autre: complément required
    assert not dialogue.valider()
    assert boites[-1].genre == "warning" and "obligatoire" in boites[-1].texte
    assert dialogue.isVisible()
    assert _cellule(ecran, "AJOUR-1", "État") == "À mandater"


def test_modeles(qtmodeltester, ecran, state):
    with state.lecture() as session:
        lignes = lister_registre(session, state.ctx)
    modele = modele_registre()
    modele.remplacer(lignes)
    qtmodeltester.check(modele)
    qtmodeltester.check(ecran.modele)


def test_sans_collectivite(qtbot, etat_vide):
    widget = FacturesScreen(etat_vide)
    qtbot.addWidget(widget)
    assert widget.modele.rowCount() == 0 and widget.resume.text() == "Aucune facture"
