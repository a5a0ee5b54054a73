"""The demo's town hall staff: a few users with their rôles and espaces, and sollicitations at
every état, made through the real services (the demo's OS user is the gestionnaire principal and
the administrateur de la base)."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from corail.context import Context
from corail.domain import roles
from corail.services.administrateurs import ajouter_administrateur
from corail.services.habilitations import administrateurs_actifs
from corail.services.sollicitations import (
    SollicitationSaisie, demander_rattachement, enregistrer_sollicitation, refuser_sollicitation,
)
from corail.services.utilisateurs import creer_utilisateur, desactiver_utilisateur

C, M = roles.CONSULTATION, roles.MODIFICATION
EQUIPE = (
    ("m.durand", "Durand", "Marie", roles.UTILISATEUR,
     {roles.DEPENSES: C, roles.TELEPROCEDURES: C}),
    ("p.martin", "Martin", "Paul", roles.GESTIONNAIRE_SECONDAIRE,
     {roles.RECETTES: M, roles.ENVIRONNEMENT: C, roles.ACTIVITES_GESTIONNAIRE: M}),
    ("s.leroy", "Leroy", "Sophie", roles.UTILISATEUR, {roles.DEPENSES: M}),
    ("chorus.sync", "Compte technique", "", roles.UTILISATEUR_TECHNIQUE,
     {roles.TELEPROCEDURES: M}),
)


def peupler_utilisateurs(session: Session, ctx: Context) -> int:
    """The staff of the demo's budget principal; how many users were made. The demo's OS user
    is also the administrateur de la base."""
    if not administrateurs_actifs(session):
        ajouter_administrateur(session, ctx, ctx.utilisateur,
                               motif="Démonstration : secrétaire de mairie, administrateur de la base")
    faits = 0
    for login, nom, prenom, role, espaces in EQUIPE:
        if login == ctx.utilisateur:
            continue
        email = f"{login}@saint-aubin-sur-corail.fr" if prenom else None
        creer_utilisateur(session, ctx, login, nom=nom, prenom=prenom, email=email, role=role,
                          espaces=espaces)
        faits += 1
    if faits < len(EQUIPE):
        return faits
    desactiver_utilisateur(session, ctx, "s.leroy")  # left the town hall
    marie = replace(ctx, utilisateur="m.durand")
    enregistrer_sollicitation(session, marie, SollicitationSaisie(
        roles.CAT_ESPACES, "habilitation", "Je saisis les mandats du service technique",
        roles.DEPENSES), envoyer=True)
    refusee = enregistrer_sollicitation(session, marie, SollicitationSaisie(
        roles.CAT_ESPACES, "abonnement", "Pour suivre les titres de la cantine", roles.RECETTES, C),
        envoyer=True)
    refuser_sollicitation(session, ctx, refusee.id,
                          "Les titres sont suivis par Paul Martin : voyez avec lui")
    enregistrer_sollicitation(session, marie, SollicitationSaisie(
        roles.CAT_COMPTE, "coordonnees", "Nouveau numéro de poste : 214"))
    demander_rattachement(session, replace(ctx, utilisateur="l.bernard"), ctx.budget_id,
                          nom="Bernard", prenom="Luc", email="l.bernard@saint-aubin-sur-corail.fr",
                          description="Agent d'accueil, saisie des factures", espace=roles.DEPENSES,
                          niveau=C)
    return faits + 1
