"""Sollicitations: brouillon → envoyée → acceptée (espace granted) | refusée (answer mandatory);
Demander un rattachement; the gestionnaire secondaire handles the espaces he holds only."""
from dataclasses import replace

import pytest

from corail.domain import roles
from corail.domain.etats import EtatSollicitation as E
from corail.errors import InvalidTransition, NotFound, ValidationError
from corail.services import sollicitations as sol
from corail.services.habilitations import HabilitationManquante, acces, exiger
from corail.services.utilisateurs import creer_utilisateur, mon_compte

ESPACE_DEPENSES = sol.SollicitationSaisie("espaces", "habilitation", "Je saisis les mandats",
                                          roles.DEPENSES)


@pytest.fixture
def marie(session, ctx):
    creer_utilisateur(session, ctx, "m.durand", nom="Durand", prenom="Marie",
                      espaces={roles.DEPENSES: roles.CONSULTATION})
    return replace(ctx, utilisateur="m.durand")


@pytest.fixture
def paul(session, ctx):
    """A gestionnaire secondaire holding Recettes (modification) only."""
    creer_utilisateur(session, ctx, "p.martin", role=roles.GESTIONNAIRE_SECONDAIRE,
                      espaces={roles.RECETTES: roles.MODIFICATION,
                               roles.ACTIVITES_GESTIONNAIRE: roles.MODIFICATION})
    return replace(ctx, utilisateur="p.martin")


def test_acceptee_l_espace_est_accorde(session, ctx, marie):
    with pytest.raises(HabilitationManquante):
        exiger(session, marie, roles.DEPENSES, roles.MODIFICATION, "mandater")
    brouillon = sol.enregistrer_sollicitation(session, marie, ESPACE_DEPENSES)
    assert brouillon.etat == E.BROUILLON and brouillon.niveau == roles.MODIFICATION
    assert sol.sollicitations_a_traiter(session, ctx) == []  # a brouillon is not sent
    envoyee = sol.envoyer_sollicitation(session, marie, brouillon.id)
    assert envoyee.etat == E.ENVOYEE and envoyee.envoye_le == ctx.now()
    assert [l.id for l in sol.sollicitations_a_traiter(session, ctx)] == [envoyee.id]
    with pytest.raises(ValidationError, match="déjà envoyée"):
        sol.enregistrer_sollicitation(session, marie, ESPACE_DEPENSES, sollicitation_id=envoyee.id)
    acceptee = sol.accepter_sollicitation(session, ctx, envoyee.id, "Accordé")
    assert (acceptee.etat, acceptee.reponse, acceptee.traite_par) == (E.ACCEPTEE, "Accordé", "agent.test")
    exiger(session, marie, roles.DEPENSES, roles.MODIFICATION, "mandater")
    with pytest.raises(InvalidTransition, match="Acceptée"):
        sol.refuser_sollicitation(session, ctx, envoyee.id, "trop tard")
    (vue,) = sol.mes_sollicitations(session, marie)
    assert vue.etat == E.ACCEPTEE and vue.reponse == "Accordé"


def test_un_abonnement_n_abaisse_jamais_une_habilitation(session, ctx, marie):
    l = sol.enregistrer_sollicitation(session, marie, sol.SollicitationSaisie(
        "espaces", "abonnement", "", roles.DEPENSES, roles.CONSULTATION), envoyer=True)
    sol.accepter_sollicitation(session, ctx, l.id)
    assert acces(session, "m.durand", ctx.budget_id).niveau(roles.DEPENSES) == roles.CONSULTATION


def test_refus_avec_reponse_obligatoire(session, ctx, marie):
    l = sol.enregistrer_sollicitation(session, marie, ESPACE_DEPENSES, envoyer=True)
    with pytest.raises(ValidationError, match="Réponse manquante"):
        sol.refuser_sollicitation(session, ctx, l.id, "  ")
    refusee = sol.refuser_sollicitation(session, ctx, l.id, "Voyez avec le service finances")
    assert refusee.etat == E.REFUSEE and refusee.reponse == "Voyez avec le service finances"
    assert acces(session, "m.durand", ctx.budget_id).niveau(roles.DEPENSES) == roles.CONSULTATION


@pytest.mark.parametrize("saisie, message", [
    (sol.SollicitationSaisie("", "abonnement"), "Catégorie manquante"),
    (sol.SollicitationSaisie("espaces", ""), "Sous-catégorie manquante"),
    (sol.SollicitationSaisie("inconnue", "x"), "Catégorie « inconnue » inconnue"),
    (sol.SollicitationSaisie("espaces", "x"), "Sous-catégorie « x » inconnue"),
    (sol.SollicitationSaisie("espaces", "abonnement"), "Espace manquant"),
    (sol.SollicitationSaisie("espaces", "abonnement", "", "compta"), "Espace « compta » inconnu"),
    (sol.SollicitationSaisie("compte", "autre", "x" * 2001), "Description : 2001 caractères, 2000 au plus"),
])
def test_saisie_refusee(session, marie, saisie, message):
    with pytest.raises(ValidationError, match=message):
        sol.enregistrer_sollicitation(session, marie, saisie)
    assert sol.mes_sollicitations(session, marie) == []


def test_le_secondaire_traite_les_espaces_qu_il_detient(session, ctx, marie, paul):
    recettes = sol.enregistrer_sollicitation(session, marie, sol.SollicitationSaisie(
        "espaces", "abonnement", "", roles.RECETTES, roles.CONSULTATION), envoyer=True)
    depenses = sol.enregistrer_sollicitation(session, marie, ESPACE_DEPENSES, envoyer=True)
    assert [l.id for l in sol.sollicitations_a_traiter(session, paul)] == [recettes.id]
    with pytest.raises(HabilitationManquante, match="espaces qu'il détient"):
        sol.accepter_sollicitation(session, paul, depenses.id)
    sol.accepter_sollicitation(session, paul, recettes.id)
    assert acces(session, "m.durand", ctx.budget_id).niveau(roles.RECETTES) == roles.CONSULTATION
    # nobody answers his own request; a utilisateur answers none
    propre = sol.enregistrer_sollicitation(session, paul, ESPACE_DEPENSES, envoyer=True)
    with pytest.raises(HabilitationManquante, match="propre sollicitation"):
        sol.accepter_sollicitation(session, paul, propre.id)
    with pytest.raises(HabilitationManquante):
        sol.accepter_sollicitation(session, marie, propre.id)


def test_demander_un_rattachement(session, ctx, paul):
    luc = replace(ctx, utilisateur="l.bernard")
    l = sol.demander_rattachement(session, luc, ctx.budget_id, nom="Bernard", prenom="Luc",
                                  email="l.bernard@mairie.fr", espace=roles.DEPENSES)
    assert l.etat == E.ENVOYEE and l.categorie == "rattachement"
    compte = mon_compte(session, luc)
    assert compte.connu and not compte.actif and compte.rattachements == ()
    with pytest.raises(ValidationError, match="déjà envoyée"):
        sol.demander_rattachement(session, luc, ctx.budget_id)
    # the principal's alone: the secondaire neither sees nor answers it
    assert sol.sollicitations_a_traiter(session, paul) == []
    with pytest.raises(HabilitationManquante, match="seul le gestionnaire principal"):
        sol.accepter_sollicitation(session, paul, l.id)
    sol.accepter_sollicitation(session, ctx, l.id, "Bienvenue")
    compte = mon_compte(session, luc)
    assert compte.actif and [r.espaces for r in compte.rattachements] == [
        ((roles.DEPENSES, roles.CONSULTATION),)]
    with pytest.raises(ValidationError, match="déjà rattaché"):
        sol.demander_rattachement(session, luc, ctx.budget_id)
    with pytest.raises(NotFound):
        sol.demander_rattachement(session, luc, 999_999)


def test_brouillon_modifie_puis_supprime(session, marie):
    b = sol.enregistrer_sollicitation(session, marie, sol.SollicitationSaisie("compte", "autre", "v1"))
    b = sol.enregistrer_sollicitation(session, marie, sol.SollicitationSaisie(
        "compte", "coordonnees", "v2"), sollicitation_id=b.id)
    assert (b.sous_categorie, b.description, b.etat) == ("coordonnees", "v2", E.BROUILLON)
    sol.supprimer_brouillon(session, marie, b.id)
    assert sol.mes_sollicitations(session, marie) == []
