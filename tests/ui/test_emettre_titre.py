"""*Emettre titre* in Intégration des flux pivots (demo commune): the avoir of the demo's second
flux becomes a titre de recettes (brouillon) on its supplier, then Corail offers to open it in
Recettes › Titres de recettes — accepted, that screen shows it."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from corail.domain.etats import EtatFactureDemat, EtatPiece
from corail.services.factures_demat import lister_factures
from corail.services.titres import lister_titres
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_emettre_titre_depuis_un_avoir_puis_ouvrir_le_titre(qtbot, demo_state, boites):
    fenetre = MainWindow(demo_state)
    qtbot.addWidget(fenetre)
    integration = fenetre.ouvrir("integration_des_flux_pivots")
    liste = integration.listes["a_creer"]
    bouton = liste.boutons["emettre_titre"]
    liste.choisir(set())
    assert not bouton.isEnabled()  # nothing chosen
    avoir = next(l for l in liste.modele.lignes() if l.type == "avoir")
    liste.choisir({avoir.id})
    assert bouton.isEnabled()
    with demo_state.lecture() as session:
        avant = {t.id for t in lister_titres(session, demo_state.ctx)}
    qtbot.mouseClick(bouton, Qt.MouseButton.LeftButton)

    with demo_state.lecture() as session:
        (titre,) = [t for t in lister_titres(session, demo_state.ctx) if t.id not in avant]
        etat = next(f.etat for f in lister_factures(session, demo_state.ctx) if f.id == avoir.id)
    assert (titre.etat, titre.facture_demat_id, titre.montant) == (EtatPiece.BROUILLON, avoir.id,
                                                                   avoir.montant_net)
    assert etat == EtatFactureDemat.TITREE
    assert avoir.id not in {l.id for l in liste.modele.lignes()}  # left Factures à créer
    question = next(b for b in boites if b.genre == "question")
    assert f"Avoir {avoir.numero}" in question.texte and "Ouvrir le titre" in question.texte
    assert fenetre.ecran_courant() == "titres_de_recettes"
    titres = fenetre.ecrans["titres_de_recettes"]
    assert titres.titre_id == titre.id
    assert "émis depuis un avoir Chorus Pro" in titres.entete.text()
    assert titres.formulaire.tabText(4) != "P. Jointes (0)"  # the avoir's PJ came with it

    # Factures déjà créées: the avoir, with Accès to its titre
    fenetre.ouvrir("integration_des_flux_pivots")
    creees = integration.listes["creees"]
    ligne = next(l for l in creees.modele.lignes() if l.id == avoir.id)
    m = creees.modele
    assert m.data(m.index(m.lignes().index(ligne), m.colonne("Accès"))) == f"Titre (id {titre.id})"
    creees.choisir({avoir.id})
    integration.acces("creees")
    assert fenetre.ecran_courant() == "titres_de_recettes"
