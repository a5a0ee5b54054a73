"""Transfer of the gestionnaire principal rôle (Activités du gestionnaire › Transférer).

Only the holder transfers it, to a user of the structure chosen by login or contact address,
after ticking the confirmation (``confirme=True``); he stays as gestionnaire secondaire. To
leave a structure he manages, he names his successor first. When he left without doing it,
``transferer_par_administrateur`` (``corail users transferer-admin``) does it, with a motif,
and records who did it — an administrator of the database only (``services/administrateurs.py``:
the first one is declared by whoever opens a database that has none). The database itself refuses two gestionnaires principaux.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Budget, Rattachement, Utilisateur
from corail.domain import roles
from corail.domain.roles import GESTIONNAIRE_PRINCIPAL
from corail.errors import NotFound, ValidationError
from corail.services.habilitations import (
    HabilitationManquante, exiger_administrateur, exiger_droit, journaliser, nom_budget,
)
from corail.services.utilisateurs import (
    gestionnaire_principal, promouvoir, rattacher,
)

CONFIRMATION = "Je confirme le transfert de mon rôle de gestionnaire principal"


@dataclass(frozen=True)
class Transfert:
    budget_id: int
    structure: str
    ancien: str | None  # login of the former gestionnaire principal
    nouveau: str
    par: str  # who did it (the holder, or the administrator)
    motif: str = ""


def trouver_successeur(session: Session, qui: str) -> Utilisateur:
    """A user by login, or by contact address (case ignored)."""
    cle = (qui or "").strip()
    if not cle:
        raise ValidationError("Successeur manquant : son identifiant ou son adresse de contact")
    trouves = session.scalars(select(Utilisateur).where(or_(
        Utilisateur.login == cle, func.lower(Utilisateur.email) == cle.lower()))).all()
    exact = [u for u in trouves if u.login == cle]
    if exact:
        return exact[0]
    if not trouves:
        raise NotFound(f"Aucun utilisateur d'identifiant ou d'adresse de contact « {cle} »")
    if len(trouves) > 1:
        raise ValidationError(f"Plusieurs utilisateurs ont l'adresse « {cle} » : désignez le "
                              f"successeur par son identifiant",
                              choix=[u.login for u in trouves])
    return trouves[0]


def _lien(session: Session, user: Utilisateur, budget_id: int) -> Rattachement | None:
    return session.scalars(select(Rattachement).where(
        Rattachement.utilisateur_id == user.id, Rattachement.budget_id == budget_id)).one_or_none()


def transferer_role(session: Session, ctx: Context, successeur: str, *,
                    confirme: bool) -> Transfert:
    """The holder gives the rôle to ``successeur`` (login or contact address)."""
    exiger_droit(session, ctx, roles.TRANSFERER)
    ancien = gestionnaire_principal(session, ctx.budget_id)
    if ancien is None or ancien.utilisateur.login != ctx.utilisateur:  # held by the table too
        raise HabilitationManquante("Seul le gestionnaire principal de la structure transfère "
                                    "son rôle")
    u = trouver_successeur(session, successeur)
    if u.login == ctx.utilisateur:
        raise ValidationError("Vous êtes déjà gestionnaire principal : choisissez un autre "
                              "utilisateur de la structure")
    if not u.actif:
        raise ValidationError(f"Le compte « {u.login} » est inactif : il ne peut pas devenir "
                              f"gestionnaire principal (réactivez-le d'abord)")
    lien = _lien(session, u, ctx.budget_id)
    if lien is None or not lien.actif:
        raise ValidationError(f"« {u.login} » n'est pas rattaché à la structure "
                              f"{nom_budget(session, ctx.budget_id)} : rattachez-le d'abord")
    if not confirme:
        raise ValidationError("Transfert non confirmé : cochez « " + CONFIRMATION + " » puis "
                              "Valider")
    promouvoir(session, ancien, lien)
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "transfert", u.login,
                f"Rôle de gestionnaire principal transféré par {ctx.utilisateur}")
    return Transfert(ctx.budget_id, nom_budget(session, ctx.budget_id), ctx.utilisateur,
                     u.login, ctx.utilisateur)


def quitter_structure(session: Session, ctx: Context, *, successeur: str | None = None,
                      confirme: bool = False) -> Transfert | None:
    """Remove my own rattachement to the context's structure; as its gestionnaire principal,
    only once my successor is named (the transfer happens first)."""
    lien = session.scalars(select(Rattachement).join(Utilisateur).where(
        Utilisateur.login == ctx.utilisateur, Rattachement.budget_id == ctx.budget_id)
    ).one_or_none()
    if lien is None:
        raise NotFound(f"« {ctx.utilisateur} » n'est pas rattaché au budget "
                       f"{nom_budget(session, ctx.budget_id)}")
    transfert = None
    if lien.role == GESTIONNAIRE_PRINCIPAL:
        if not (successeur or "").strip():
            raise ValidationError("Vous êtes gestionnaire principal de cette structure : nommez "
                                  "d'abord votre successeur (identifiant ou adresse de contact)")
        transfert = transferer_role(session, ctx, successeur, confirme=confirme)
        session.refresh(lien)
    elif not confirme:
        raise ValidationError("Retrait du rattachement non confirmé")
    session.delete(lien)
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "retrait_rattachement",
                ctx.utilisateur)
    session.flush()
    return transfert


def transferer_par_administrateur(session: Session, ctx: Context, vers: str, *,
                                  motif: str) -> Transfert:
    """The administrator's path (the holder left): ``vers`` becomes gestionnaire principal of
    the context's budget, rattaché if needed; ``ctx.utilisateur`` and ``motif`` are recorded.
    Only an administrator of the database may (``services/administrateurs.py``)."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError("Motif manquant (--motif) : il est enregistré avec le transfert")
    if len(motif) > 500:
        raise ValidationError("Motif trop long (500 caractères au plus)")
    exiger_administrateur(session, ctx, "transférer le rôle de gestionnaire principal à la "
                                        "place du titulaire")
    u = trouver_successeur(session, vers)
    if not u.actif:
        raise ValidationError(f"Le compte « {u.login} » est inactif : il ne peut pas devenir "
                              f"gestionnaire principal")
    ancien = gestionnaire_principal(session, ctx.budget_id)
    if ancien is not None and ancien.utilisateur_id == u.id:
        raise ValidationError(f"« {u.login} » est déjà gestionnaire principal de la structure")
    lien = _lien(session, u, ctx.budget_id) or rattacher(session, ctx.clock, u, ctx.budget_id,
                                                         roles.UTILISATEUR)
    login_ancien = ancien.utilisateur.login if ancien is not None else None
    promouvoir(session, ancien, lien)
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "transfert_administrateur",
                u.login, f"Ancien : {login_ancien or 'aucun'} ; motif : {motif}")
    budget = session.get(Budget, ctx.budget_id)
    return Transfert(budget.id, nom_budget(session, budget.id), login_ancien, u.login,
                     ctx.utilisateur, motif)
