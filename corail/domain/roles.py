"""Rôles, espaces, habilitations and sollicitations: the rules as tables (Chorus Pro's account model).

A user is *rattaché* to structures (budgets) with a **rôle**; on each rattachement he holds
**espaces**, each with an **habilitation** (consultation or modification). Exactly one active
gestionnaire principal per structure. Who may do what is ``DROITS``; what a sollicitation may
ask is ``CATEGORIES``. Codes are stored; labels are what screens and messages show.
"""
from __future__ import annotations

GESTIONNAIRE_PRINCIPAL = "gestionnaire_principal"
GESTIONNAIRE_SECONDAIRE = "gestionnaire_secondaire"
UTILISATEUR = "utilisateur"
UTILISATEUR_TECHNIQUE = "utilisateur_technique"

ROLES: dict[str, str] = {
    GESTIONNAIRE_PRINCIPAL: "Gestionnaire principal",
    GESTIONNAIRE_SECONDAIRE: "Gestionnaire secondaire",
    UTILISATEUR: "Utilisateur",
    UTILISATEUR_TECHNIQUE: "Utilisateur technique",
}

ENVIRONNEMENT = "environnement"
DEPENSES = "depenses"
RECETTES = "recettes"
TELEPROCEDURES = "teleprocedures"
SUIVI_DEMAT = "suivi_demat"
ACTIVITES_GESTIONNAIRE = "activites_gestionnaire"

#: the espaces, in menu order: what each one covers
ESPACES: dict[str, str] = {
    ENVIRONNEMENT: "Environnement",  # collectivités, tiers, nomenclature, réglages
    DEPENSES: "Dépenses",  # factures, mandats, engagements, trains, numérotation
    RECETTES: "Recettes",  # titres, ASAP
    TELEPROCEDURES: "Téléprocédures",  # flux pivots, statuts Chorus Pro, PES
    SUIVI_DEMAT: "Suivi démat",  # recherche des factures dématérialisées
    ACTIVITES_GESTIONNAIRE: "Activités du gestionnaire",  # utilisateurs, sollicitations
}

CONSULTATION = "consultation"
MODIFICATION = "modification"
#: habilitations from the weakest: modification includes consultation
NIVEAUX: dict[str, str] = {CONSULTATION: "Consultation", MODIFICATION: "Modification"}
_RANG = {niveau: rang for rang, niveau in enumerate(NIVEAUX)}

# -- who may do what on a structure (the rôle of his rattachement) ----------------------------

GERER_UTILISATEURS = "gerer_utilisateurs"  # créer, activer, désactiver, réactiver, supprimer, rôle
GERER_ESPACES = "gerer_espaces"  # ajouter / retirer un espace, changer l'habilitation
TRAITER_SOLLICITATIONS = "traiter_sollicitations"  # accepter / refuser (espaces détenus)
TRAITER_RATTACHEMENTS = "traiter_rattachements"  # accepter / refuser une demande de rattachement
VOIR_UTILISATEURS = "voir_utilisateurs"
TRANSFERER = "transferer"  # transférer le rôle de gestionnaire principal (le titulaire seul)
REGLER_CONNEXION = "regler_connexion"  # exiger un mot de passe à la connexion

DROITS: dict[str, frozenset[str]] = {
    GERER_UTILISATEURS: frozenset({GESTIONNAIRE_PRINCIPAL}),
    GERER_ESPACES: frozenset({GESTIONNAIRE_PRINCIPAL}),
    TRAITER_RATTACHEMENTS: frozenset({GESTIONNAIRE_PRINCIPAL}),
    TRAITER_SOLLICITATIONS: frozenset({GESTIONNAIRE_PRINCIPAL, GESTIONNAIRE_SECONDAIRE}),
    VOIR_UTILISATEURS: frozenset({GESTIONNAIRE_PRINCIPAL, GESTIONNAIRE_SECONDAIRE}),
    TRANSFERER: frozenset({GESTIONNAIRE_PRINCIPAL}),
    REGLER_CONNEXION: frozenset({GESTIONNAIRE_PRINCIPAL}),
}

LIBELLES_DROITS: dict[str, str] = {
    GERER_UTILISATEURS: "gérer les utilisateurs",
    GERER_ESPACES: "gérer les espaces et habilitations",
    TRAITER_RATTACHEMENTS: "traiter les demandes de rattachement",
    TRAITER_SOLLICITATIONS: "traiter les demandes d'abonnements aux espaces",
    VOIR_UTILISATEURS: "voir les utilisateurs de la structure",
    TRANSFERER: "transférer le rôle de gestionnaire principal",
    REGLER_CONNEXION: "régler la connexion par mot de passe",
}

#: rôles the gestionnaire principal may give (his own only by a transfer)
ROLES_ATTRIBUABLES = (GESTIONNAIRE_SECONDAIRE, UTILISATEUR, UTILISATEUR_TECHNIQUE)

# -- the administrator of the database (not a rôle on a structure: a quality of an account) --

#: who does what a gestionnaire principal cannot do for himself (name his successor when he left
#: without transferring the rôle) and declares or removes the other administrators
ADMINISTRATEUR = "Administrateur de la base"
#: journal_gestion actions of the administrators (``services/administrateurs.py``)
AJOUT_ADMINISTRATEUR = "ajout_administrateur"
RETRAIT_ADMINISTRATEUR = "retrait_administrateur"

# -- sollicitations: catégorie → sous-catégories (both mandatory) -----------------------------

CAT_ESPACES = "espaces"
CAT_RATTACHEMENT = "rattachement"
CAT_COMPTE = "compte"

CATEGORIES: dict[str, tuple[str, dict[str, str]]] = {
    CAT_ESPACES: ("Gestion des espaces", {
        "abonnement": "Abonnement à un espace",
        "habilitation": "Habilitation en modification",
    }),
    CAT_RATTACHEMENT: ("Rattachement à une structure", {
        "demande": "Demander un rattachement",
    }),
    CAT_COMPTE: ("Compte utilisateur", {
        "coordonnees": "Modification des coordonnées",
        "autre": "Autre demande",
    }),
}

#: sous-catégories whose acceptance grants an espace (the espace and niveau are then required)
OCTROIENT_UN_ESPACE = frozenset({(CAT_ESPACES, "abonnement"), (CAT_ESPACES, "habilitation")})


def peut(role: str | None, droit: str) -> bool:
    return role is not None and role in DROITS[droit]


def niveau_suffit(detenu: str | None, requis: str) -> bool:
    """Modification includes consultation; nothing held suffices for nothing."""
    return detenu is not None and _RANG[detenu] >= _RANG[requis]


def plus_fort(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if _RANG[a] >= _RANG[b] else b


def libelle_role(code: str) -> str:
    return ROLES.get(code, code)


def libelle_espace(code: str) -> str:
    return ESPACES.get(code, code)


def libelle_niveau(code: str) -> str:
    return NIVEAUX.get(code, code)


def libelle_habilitation(espace: str, niveau: str) -> str:
    """``Dépenses — modification``."""
    return f"{libelle_espace(espace)} — {niveau}"


def libelle_categorie(code: str) -> str:
    return CATEGORIES[code][0] if code in CATEGORIES else code


def libelle_sous_categorie(categorie: str, code: str) -> str:
    return CATEGORIES.get(categorie, ("", {}))[1].get(code, code)
