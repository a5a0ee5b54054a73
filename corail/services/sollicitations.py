"""Sollicitations: a user asks a structure's gestionnaire (access to an espace, a rattachement).

*Enregistrer* keeps it as brouillon, *Valider et envoyer* sends it (catégorie and sous-catégorie
mandatory, ``domain/roles.CATEGORIES``); the gestionnaire sees it in *Activités du gestionnaire
› demandes d'abonnements aux espaces* and accepts (the espace is granted, the rattachement made)
or refuses it with his answer, which the requester sees in *Mon compte*. The gestionnaire
secondaire handles the requests for the espaces he holds; rattachements are the principal's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from corail.context import Context
from corail.db.models import Budget, Rattachement, Sollicitation, Utilisateur
from corail.domain import roles
from corail.domain.etats import TRANSITIONS_SOLLICITATION, EtatSollicitation
from corail.domain.roles import CAT_ESPACES, CAT_RATTACHEMENT, GESTIONNAIRE_PRINCIPAL
from corail.domain.workflow import changer_etat
from corail.errors import NotFound, ValidationError
from corail.services.habilitations import (
    HabilitationManquante, accorder, acces, exiger_droit, journaliser, nom_budget,
    verifier_espace,
)
from corail.services.utilisateurs import rattacher, texte, trouver, verifier_email

E = EtatSollicitation


@dataclass(frozen=True)
class SollicitationSaisie:
    categorie: str
    sous_categorie: str
    description: str = ""
    espace: str | None = None
    niveau: str | None = None


@dataclass(frozen=True)
class SollicitationLigne:
    id: int
    demandeur: str
    demandeur_nom: str
    budget_id: int
    structure: str
    categorie: str
    sous_categorie: str
    espace: str | None
    niveau: str | None
    description: str
    etat: str
    reponse: str | None
    traite_par: str | None
    cree_le: datetime
    envoye_le: datetime | None
    traite_le: datetime | None

    @property
    def demande(self) -> str:
        """``Abonnement à un espace : Dépenses — consultation`` (the sous-catégorie and espace)."""
        texte_ = roles.libelle_sous_categorie(self.categorie, self.sous_categorie)
        if self.espace:
            texte_ += f" : {roles.libelle_habilitation(self.espace, self.niveau or '')}"
        return texte_

    @property
    def objet(self) -> str:
        """``Gestion des espaces › Abonnement à un espace : Dépenses — consultation``."""
        texte_ = (f"{roles.libelle_categorie(self.categorie)} › "
                  f"{roles.libelle_sous_categorie(self.categorie, self.sous_categorie)}")
        if self.espace:
            texte_ += f" : {roles.libelle_habilitation(self.espace, self.niveau or '')}"
        return texte_


def _lignes(session: Session, *conditions) -> list[SollicitationLigne]:
    demandeur, traitant = aliased(Utilisateur), aliased(Utilisateur)
    rows = session.execute(
        select(Sollicitation, demandeur.login, demandeur.prenom, demandeur.nom, traitant.login)
        .join(demandeur, demandeur.id == Sollicitation.demandeur_id)
        .outerjoin(traitant, traitant.id == Sollicitation.traite_par_id)
        .where(*conditions).order_by(Sollicitation.cree_le.desc(), Sollicitation.id.desc())
    ).all()
    return [SollicitationLigne(
        s.id, login, f"{prenom} {nom}".strip(), s.budget_id, nom_budget(session, s.budget_id),
        s.categorie, s.sous_categorie, s.espace, s.niveau, s.description, s.etat, s.reponse,
        par, s.cree_le, s.envoye_le, s.traite_le) for s, login, prenom, nom, par in rows]


def _une(session: Session, sollicitation_id: int) -> SollicitationLigne:
    (ligne,) = _lignes(session, Sollicitation.id == sollicitation_id)
    return ligne


def _verifier(s: SollicitationSaisie) -> SollicitationSaisie:
    if not (s.categorie or "").strip():
        raise ValidationError("Catégorie manquante : elle est obligatoire")
    if s.categorie not in roles.CATEGORIES:
        raise ValidationError(f"Catégorie « {s.categorie} » inconnue ; catégories : "
                              + ", ".join(roles.CATEGORIES))
    sous = roles.CATEGORIES[s.categorie][1]
    if not (s.sous_categorie or "").strip():
        raise ValidationError("Sous-catégorie manquante : elle est obligatoire")
    if s.sous_categorie not in sous:
        raise ValidationError(f"Sous-catégorie « {s.sous_categorie} » inconnue pour "
                              f"« {roles.libelle_categorie(s.categorie)} » : " + ", ".join(sous))
    espace, niveau = s.espace or None, s.niveau or None
    if (s.categorie, s.sous_categorie) in roles.OCTROIENT_UN_ESPACE:
        if espace is None:
            raise ValidationError("Espace manquant : précisez l'espace demandé")
        if s.sous_categorie == "habilitation":
            niveau = roles.MODIFICATION
        niveau = niveau or roles.CONSULTATION
    if espace is not None:
        verifier_espace(espace, niveau)
    return SollicitationSaisie(s.categorie, s.sous_categorie,
                               texte(s.description, "Description", 2000), espace, niveau)


def _demandeur(session: Session, ctx: Context) -> Utilisateur:
    u = trouver(session, ctx.utilisateur)
    if u is None or not u.actif:
        raise HabilitationManquante(
            f"Compte « {ctx.utilisateur} » inconnu ou désactivé : pour un nouveau compte, "
            f"utilisez Demander un rattachement")
    return u


def enregistrer_sollicitation(session: Session, ctx: Context, saisie: SollicitationSaisie, *,
                              sollicitation_id: int | None = None,
                              envoyer: bool = False) -> SollicitationLigne:
    """*Enregistrer* (brouillon, new or changed) or *Valider et envoyer* (``envoyer=True``) a
    request to the gestionnaire of the context's structure."""
    u = _demandeur(session, ctx)
    s = _verifier(saisie)
    if s.categorie == CAT_RATTACHEMENT:
        raise ValidationError("Pour un rattachement, utilisez Demander un rattachement")
    if acces(session, u.login, ctx.budget_id).role is None:
        raise HabilitationManquante(f"« {u.login} » n'est pas rattaché au budget "
                                    f"{nom_budget(session, ctx.budget_id)} : demandez d'abord "
                                    f"un rattachement")
    if sollicitation_id is None:
        sol = Sollicitation(demandeur_id=u.id, budget_id=ctx.budget_id, cree_le=ctx.now(),
                            etat=E.BROUILLON)
        session.add(sol)
    else:
        sol = session.get(Sollicitation, sollicitation_id)
        if sol is None or sol.demandeur_id != u.id:
            raise NotFound(f"Sollicitation n° {sollicitation_id} introuvable parmi les vôtres")
        if sol.etat != E.BROUILLON:
            raise ValidationError(f"Sollicitation n° {sol.id} déjà envoyée : elle ne se modifie "
                                  f"plus")
    sol.categorie, sol.sous_categorie, sol.description = s.categorie, s.sous_categorie, s.description
    sol.espace, sol.niveau = s.espace, s.niveau
    if envoyer:
        changer_etat(sol, TRANSITIONS_SOLLICITATION, E.ENVOYEE, nom=f"Sollicitation {sol.id or ''}")
        sol.envoye_le = ctx.now()
    session.flush()
    return _une(session, sol.id)


def envoyer_sollicitation(session: Session, ctx: Context, sollicitation_id: int) -> SollicitationLigne:
    sol = _mienne(session, ctx, sollicitation_id)
    changer_etat(sol, TRANSITIONS_SOLLICITATION, E.ENVOYEE, nom=f"Sollicitation n° {sol.id}")
    sol.envoye_le = ctx.now()
    session.flush()
    return _une(session, sol.id)


def supprimer_brouillon(session: Session, ctx: Context, sollicitation_id: int) -> None:
    sol = _mienne(session, ctx, sollicitation_id)
    if sol.etat != E.BROUILLON:
        raise ValidationError(f"Sollicitation n° {sol.id} envoyée : seul un brouillon se supprime")
    session.delete(sol)
    session.flush()


def _mienne(session: Session, ctx: Context, sollicitation_id: int) -> Sollicitation:
    u = _demandeur(session, ctx)
    sol = session.get(Sollicitation, sollicitation_id)
    if sol is None or sol.demandeur_id != u.id:
        raise NotFound(f"Sollicitation n° {sollicitation_id} introuvable parmi les vôtres")
    return sol


def demander_rattachement(session: Session, ctx: Context, budget_id: int, *, nom: str = "",
                          prenom: str = "", email: str | None = None, description: str = "",
                          espace: str | None = None,
                          niveau: str | None = None) -> SollicitationLigne:
    """*Demander un rattachement* to a structure: sent to its gestionnaire principal at once.
    An unknown login gets an account, waiting for activation (the acceptance activates it)."""
    if session.get(Budget, budget_id) is None:
        raise NotFound(f"Structure (budget) n° {budget_id} introuvable")
    if espace is not None:
        verifier_espace(espace, niveau or roles.CONSULTATION)
    u = trouver(session, ctx.utilisateur)
    if u is None:
        u = Utilisateur(login=ctx.utilisateur, nom=texte(nom, "Nom", 100) or ctx.utilisateur,
                        prenom=texte(prenom, "Prénom", 100), email=verifier_email(email),
                        actif=False, cree_le=ctx.now())
        session.add(u)
        session.flush()
    elif not u.actif and u.date_desactivation is not None:
        raise HabilitationManquante(f"Compte « {u.login} » désactivé : demandez sa réactivation "
                                    f"au gestionnaire principal")
    if any(l.budget_id == budget_id for l in u.rattachements):
        raise ValidationError(f"« {u.login} » est déjà rattaché à {nom_budget(session, budget_id)}")
    deja = session.scalars(select(Sollicitation.id).where(
        Sollicitation.demandeur_id == u.id, Sollicitation.budget_id == budget_id,
        Sollicitation.categorie == CAT_RATTACHEMENT, Sollicitation.etat == E.ENVOYEE)).first()
    if deja is not None:
        raise ValidationError(f"Demande de rattachement déjà envoyée (sollicitation n° {deja}) : "
                              f"elle attend la réponse du gestionnaire principal")
    sol = Sollicitation(demandeur_id=u.id, budget_id=budget_id, categorie=CAT_RATTACHEMENT,
                        sous_categorie="demande", espace=espace,
                        niveau=(niveau or roles.CONSULTATION) if espace else None,
                        description=texte(description, "Description", 2000), etat=E.BROUILLON,
                        cree_le=ctx.now())
    session.add(sol)
    changer_etat(sol, TRANSITIONS_SOLLICITATION, E.ENVOYEE, nom="Demande de rattachement")
    sol.envoye_le = ctx.now()
    session.flush()
    return _une(session, sol.id)


def mes_sollicitations(session: Session, ctx: Context) -> list[SollicitationLigne]:
    u = trouver(session, ctx.utilisateur)
    return [] if u is None else _lignes(session, Sollicitation.demandeur_id == u.id)


def _traitable(session: Session, ctx: Context, sol: Sollicitation) -> str | None:
    """Why the context's user may not answer ``sol`` (None: he may)."""
    a = acces(session, ctx.utilisateur, ctx.budget_id)
    if sol.demandeur_id == a.utilisateur_id:
        return "on ne traite pas sa propre sollicitation"
    if a.role == GESTIONNAIRE_PRINCIPAL:
        return None
    if sol.categorie != CAT_ESPACES:
        return "seul le gestionnaire principal traite les rattachements et les comptes"
    if not roles.niveau_suffit(a.niveau(sol.espace), sol.niveau or roles.CONSULTATION):
        return (f"le gestionnaire secondaire ne traite que les espaces qu'il détient : il n'a pas "
                f"« {roles.libelle_habilitation(sol.espace, sol.niveau or '')} »")
    return None


def sollicitations_a_traiter(session: Session, ctx: Context, *,
                             toutes: bool = False) -> list[SollicitationLigne]:
    """The requests sent to the context's structure that I may answer (``toutes``: answered
    ones too, for the history)."""
    exiger_droit(session, ctx, roles.VOIR_UTILISATEURS)
    etats = (E.ENVOYEE, E.ACCEPTEE, E.REFUSEE) if toutes else (E.ENVOYEE,)
    lignes = _lignes(session, Sollicitation.budget_id == ctx.budget_id,
                     Sollicitation.etat.in_([str(e) for e in etats]))
    return [l for l in lignes
            if l.etat != E.ENVOYEE or _traitable(session, ctx, session.get(Sollicitation, l.id)) is None]


def _a_traiter(session: Session, ctx: Context, sollicitation_id: int) -> Sollicitation:
    exiger_droit(session, ctx, roles.TRAITER_SOLLICITATIONS)
    sol = session.get(Sollicitation, sollicitation_id)
    if sol is None or sol.budget_id != ctx.budget_id:
        raise NotFound(f"Sollicitation n° {sollicitation_id} introuvable pour cette structure")
    raison = _traitable(session, ctx, sol)
    if raison:
        raise HabilitationManquante(f"Sollicitation n° {sol.id} : {raison}")
    return sol


def accepter_sollicitation(session: Session, ctx: Context, sollicitation_id: int,
                           reponse: str = "") -> SollicitationLigne:
    """Accept: the espace is granted (never lowered), the rattachement made and the new
    account activated."""
    sol = _a_traiter(session, ctx, sollicitation_id)
    demandeur = session.get(Utilisateur, sol.demandeur_id)
    lien = session.scalars(select(Rattachement).where(
        Rattachement.utilisateur_id == demandeur.id, Rattachement.budget_id == sol.budget_id)
    ).one_or_none()
    rattachement = sol.categorie == CAT_RATTACHEMENT
    if rattachement and not demandeur.actif and demandeur.date_desactivation is not None:
        raise ValidationError(f"Compte « {demandeur.login} » désactivé : réactivez-le avant "
                              f"d'accepter son rattachement")
    if sol.espace and lien is None and not rattachement:
        raise ValidationError(f"« {demandeur.login} » n'est plus rattaché à la structure")
    changer_etat(sol, TRANSITIONS_SOLLICITATION, E.ACCEPTEE, nom=f"Sollicitation n° {sol.id}")
    if rattachement:
        demandeur.actif = True
        lien = lien or rattacher(session, ctx.clock, demandeur, sol.budget_id, roles.UTILISATEUR)
    if sol.espace:
        actuel = next((h.niveau for h in lien.habilitations if h.espace == sol.espace), None)
        accorder(lien, sol.espace, roles.plus_fort(actuel, sol.niveau or roles.CONSULTATION))
    _repondre(session, ctx, sol, reponse)
    return _une(session, sol.id)


def refuser_sollicitation(session: Session, ctx: Context, sollicitation_id: int,
                          reponse: str) -> SollicitationLigne:
    if not (reponse or "").strip():
        raise ValidationError("Réponse manquante : dites au demandeur pourquoi sa sollicitation "
                              "est refusée")
    sol = _a_traiter(session, ctx, sollicitation_id)
    changer_etat(sol, TRANSITIONS_SOLLICITATION, E.REFUSEE, nom=f"Sollicitation n° {sol.id}")
    _repondre(session, ctx, sol, reponse)
    return _une(session, sol.id)


def _repondre(session: Session, ctx: Context, sol: Sollicitation, reponse: str) -> None:
    texte_ = texte(reponse, "Réponse", 2000)
    sol.reponse = texte_ or None
    sol.traite_par_id = acces(session, ctx.utilisateur, ctx.budget_id).utilisateur_id
    sol.traite_le = ctx.now()
    demandeur = session.get(Utilisateur, sol.demandeur_id)
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, f"sollicitation_{sol.etat}",
                demandeur.login, f"n° {sol.id}")
    session.flush()
