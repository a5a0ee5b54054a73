"""The one vocabulary (PRODUCT.md §3) and its transition tables."""
import pytest

from corail.domain import etats
from corail.domain.etats import (
    Etape, EtatBordereau, EtatFactureDemat, EtatFlux, EtatPiece, libelle_etape, libelle_etat,
)
from corail.domain.workflow import changer_etat
from corail.errors import InvalidTransition


def test_codes_du_tableau_produit():
    assert [e.value for e in EtatFlux] == ["lu", "partiel", "traite"]
    assert [e.value for e in EtatFactureDemat] == [
        "a_traiter", "anomalie", "facturee", "mandatee", "rejetee", "suspendue", "a_recycler",
        "titree"]
    assert [e.value for e in EtatPiece] == [
        "brouillon", "valide", "numerote", "transmis", "accepte", "rejete", "paye", "annule"]
    assert [e.value for e in EtatBordereau] == ["cree", "transmis", "accepte", "rejete"]


def test_libelles():
    assert libelle_etat("partiel") == "Partiellement traité"
    assert libelle_etat("a_recycler") == "À recycler"
    assert libelle_etat("paye") == "Payé" and libelle_etat("paye", titre=True) == "Encaissé"
    assert libelle_etat("05") == "Rejetée par l'ordonnateur pour autre motif"
    assert libelle_etape(Etape.STATUT_TRANSMIS) == "Statut transmis à Chorus Pro"
    assert libelle_etat("titree") == "Titre émis"
    assert set(etats.LIBELLES_ETAPES) == set(Etape)  # every étape has its label


def test_toutes_les_transitions_portent_sur_des_etats_connus():
    tables = {
        etats.TRANSITIONS_FACTURE_DEMAT: EtatFactureDemat, etats.TRANSITIONS_PIECE: EtatPiece,
        etats.TRANSITIONS_BORDEREAU: EtatBordereau, etats.TRANSITIONS_FLUX: EtatFlux,
        etats.TRANSITIONS_FACTURE: etats.EtatFacture,
        etats.TRANSITIONS_ENVOI_STATUT: etats.EnvoiStatut,
    }
    for table, enum in tables.items():
        valeurs = {e.value for e in enum}
        for depuis, vers in table:
            assert depuis in valeurs and vers in valeurs and depuis != vers


class _Objet:
    etat = "numerote"


def test_transition_refusee_avec_la_raison():
    piece = _Objet()
    with pytest.raises(InvalidTransition, match="« Numéroté » à « Brouillon » impossible"):
        changer_etat(piece, etats.TRANSITIONS_PIECE, EtatPiece.BROUILLON, nom="Mandat n° 12",
                     raison="une pièce numérotée ne se modifie plus")
    assert piece.etat == "numerote"
    changer_etat(piece, etats.TRANSITIONS_PIECE, EtatPiece.TRANSMIS, nom="Mandat n° 12")
    assert piece.etat == "transmis"
