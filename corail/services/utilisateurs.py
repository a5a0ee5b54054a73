"""Users as the foundation needs them: the current OS user, made gestionnaire principal of a
new budget with every habilitation. (Rôles, transfers and sollicitations build on this.)"""
from __future__ import annotations

import getpass
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Clock
from corail.db.models import ESPACES, Habilitation, Rattachement, Utilisateur

ENV_UTILISATEUR = "CORAIL_UTILISATEUR"


def login_courant() -> str:
    """The OS login (``CORAIL_UTILISATEUR`` overrides it, e.g. for a shared service account)."""
    try:
        login = os.environ.get(ENV_UTILISATEUR) or getpass.getuser()
    except Exception:  # no login name on some sandboxes
        login = "corail"
    return login[:50] or "corail"


def assurer_utilisateur(session: Session, clock: Clock, login: str, *, nom: str = "",
                        prenom: str = "") -> Utilisateur:
    user = session.scalars(select(Utilisateur).where(Utilisateur.login == login)).one_or_none()
    if user is None:
        user = Utilisateur(login=login, nom=nom or login, prenom=prenom, actif=True,
                           cree_le=clock.now())
        session.add(user)
        session.flush()
    return user


def rattacher(session: Session, clock: Clock, user: Utilisateur, budget_id: int, role: str,
              *, habilitations: dict[str, str] | None = None) -> Rattachement:
    lien = session.scalars(
        select(Rattachement).where(Rattachement.utilisateur_id == user.id,
                                   Rattachement.budget_id == budget_id)
    ).one_or_none()
    if lien is None:
        lien = Rattachement(utilisateur_id=user.id, budget_id=budget_id, role=role, actif=True,
                            cree_le=clock.now())
        session.add(lien)
        session.flush()
    for espace, niveau in (habilitations or {}).items():
        if not any(h.espace == espace for h in lien.habilitations):
            lien.habilitations.append(Habilitation(espace=espace, niveau=niveau))
    session.flush()
    return lien


def rattacher_gestionnaire_principal(session: Session, clock: Clock, login: str,
                                     budget_id: int) -> Rattachement:
    """``login`` becomes the budget's gestionnaire principal with every espace in modification."""
    user = assurer_utilisateur(session, clock, login)
    existing = session.scalars(
        select(Rattachement).where(Rattachement.budget_id == budget_id,
                                   Rattachement.role == "gestionnaire_principal",
                                   Rattachement.actif.is_(True))
    ).first()
    role = "gestionnaire_principal" if existing is None or existing.utilisateur_id == user.id \
        else "utilisateur"
    return rattacher(session, clock, user, budget_id, role,
                     habilitations={e: "modification" for e in ESPACES})


def noter_connexion(session: Session, clock: Clock, login: str) -> None:
    user = session.scalars(select(Utilisateur).where(Utilisateur.login == login)).one_or_none()
    if user is not None:
        user.derniere_connexion = clock.now()
