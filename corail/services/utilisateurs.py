"""Users of a structure: the current OS user, accounts, rattachements with their rôle, and what
only the gestionnaire principal does — create, activate, deactivate, reactivate, delete a user,
change his rôle (``domain/roles.py`` has the rules; ``services/habilitations.py`` the checks).

``corail init`` / ``demo`` make the OS user gestionnaire principal of a new budget with every
espace in modification. The transfer of that rôle is ``services/gestionnaire_principal.py``,
passwords ``services/connexion.py``, requests ``services/sollicitations.py``.
"""
from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from corail.context import Clock, Context
from corail.db.models import (
    Budget, Collectivite, Rattachement, Sollicitation, Utilisateur,
)
from corail.domain import roles
from corail.domain.roles import GERER_UTILISATEURS, GESTIONNAIRE_PRINCIPAL, VOIR_UTILISATEURS
from corail.errors import ValidationError
from corail.services.habilitations import (
    accorder, exiger_droit, journaliser, rattachement, tous_les_espaces, verifier_espace,
)

ENV_UTILISATEUR = "CORAIL_UTILISATEUR"
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,49}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def login_courant() -> str:
    """The OS login (``CORAIL_UTILISATEUR`` overrides it, e.g. for a shared service account)."""
    try:
        login = os.environ.get(ENV_UTILISATEUR) or getpass.getuser()
    except Exception:  # no login name on some sandboxes
        login = "corail"
    return login[:50] or "corail"


@dataclass(frozen=True)
class UtilisateurLigne:
    """A user as the gestionnaire sees him on one structure (rôle and espaces there)."""

    id: int
    login: str
    nom: str
    prenom: str
    email: str | None
    actif: bool
    role: str
    espaces: tuple[tuple[str, str], ...]  # (espace, niveau), in menu order
    derniere_connexion: datetime | None
    date_desactivation: date | None
    date_reactivation: date | None
    mot_de_passe: bool  # one is set (never shown)

    @property
    def statut(self) -> str:
        if self.actif:
            return "Actif"
        return "Inactif" if self.date_desactivation else "En attente d'activation"


@dataclass(frozen=True)
class RattachementLigne:
    budget_id: int
    structure: str  # "COMMUNE — Budget principal (123-01)"
    role: str
    espaces: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MonCompte:
    login: str
    connu: bool  # False: no account yet (Demander un rattachement creates it)
    nom: str = ""
    prenom: str = ""
    email: str | None = None
    actif: bool = False
    derniere_connexion: datetime | None = None
    date_reactivation: date | None = None
    mot_de_passe: bool = False
    rattachements: tuple[RattachementLigne, ...] = ()
    administrateur: bool = False  # of the database (services/administrateurs.py)


def _espaces(lien: Rattachement) -> tuple[tuple[str, str], ...]:
    held = {h.espace: h.niveau for h in lien.habilitations}
    return tuple((e, held[e]) for e in roles.ESPACES if e in held)


def _ligne(u: Utilisateur, lien: Rattachement) -> UtilisateurLigne:
    return UtilisateurLigne(u.id, u.login, u.nom, u.prenom, u.email, u.actif, lien.role,
                            _espaces(lien), u.derniere_connexion, u.date_desactivation,
                            u.date_reactivation, bool(u.mot_de_passe))


def trouver(session: Session, login: str) -> Utilisateur | None:
    return session.scalars(select(Utilisateur).where(Utilisateur.login == login)).one_or_none()


def texte(valeur: str | None, champ: str, longueur: int) -> str:
    v = (valeur or "").strip()
    if len(v) > longueur:
        raise ValidationError(f"{champ} : {len(v)} caractères, {longueur} au plus")
    return v


def verifier_email(valeur: str | None) -> str | None:
    v = texte(valeur, "Adresse de contact", 150)
    if v and not _EMAIL.fullmatch(v):
        raise ValidationError(f"Adresse de contact invalide : « {v} »")
    return v or None


def verifier_login(login: str) -> str:
    v = (login or "").strip()
    if not _LOGIN.fullmatch(v):
        raise ValidationError(f"Identifiant « {login} » invalide : 1 à 50 lettres, chiffres, "
                              f"points, tirets, @ ou soulignés, sans espace")
    return v


# -- what init / demo / sign-in use ----------------------------------------------------------

def assurer_utilisateur(session: Session, clock: Clock, login: str, *, nom: str = "",
                        prenom: str = "") -> Utilisateur:
    user = trouver(session, login)
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
            accorder(lien, espace, niveau)
    session.flush()
    return lien


def gestionnaire_principal(session: Session, budget_id: int) -> Rattachement | None:
    return session.scalars(
        select(Rattachement).where(Rattachement.budget_id == budget_id,
                                   Rattachement.role == GESTIONNAIRE_PRINCIPAL,
                                   Rattachement.actif.is_(True))
    ).one_or_none()


def rattacher_gestionnaire_principal(session: Session, clock: Clock, login: str,
                                     budget_id: int) -> Rattachement:
    """``login`` becomes the budget's gestionnaire principal with every espace in modification
    (a mere utilisateur with every espace if the budget already has one)."""
    user = assurer_utilisateur(session, clock, login)
    existing = gestionnaire_principal(session, budget_id)
    role = GESTIONNAIRE_PRINCIPAL if existing is None or existing.utilisateur_id == user.id \
        else roles.UTILISATEUR
    return rattacher(session, clock, user, budget_id, role,
                     habilitations={e: roles.MODIFICATION for e in roles.ESPACES})


def noter_connexion(session: Session, clock: Clock, login: str) -> None:
    """Called at the end of a successful unit of work only (a refused one writes nothing)."""
    user = trouver(session, login)
    if user is not None:
        user.derniere_connexion = clock.now()


# -- reading ---------------------------------------------------------------------------------

def _structure(budget: Budget) -> str:
    return f"{budget.collectivite.nom} — {budget.libelle} ({budget.code_col}-{budget.code_bud})"


def mon_compte(session: Session, ctx: Context) -> MonCompte:
    """My details, my rattachements and my espaces (no habilitation needed to see oneself)."""
    u = trouver(session, ctx.utilisateur)
    if u is None:
        return MonCompte(ctx.utilisateur, False)
    liens = session.scalars(select(Rattachement).join(Budget).join(Collectivite)
                            .where(Rattachement.utilisateur_id == u.id)
                            .order_by(Collectivite.nom, Budget.code_col, Budget.code_bud)).all()
    return MonCompte(u.login, True, u.nom, u.prenom, u.email, u.actif, u.derniere_connexion,
                     u.date_reactivation, bool(u.mot_de_passe), tuple(
                         RattachementLigne(l.budget_id, _structure(session.get(Budget, l.budget_id)),
                                           l.role, _espaces(l)) for l in liens),
                     bool(u.administrateur))


def lister_utilisateurs(session: Session, ctx: Context) -> list[UtilisateurLigne]:
    """The users rattachés to the context's structure, gestionnaire principal first."""
    exiger_droit(session, ctx, VOIR_UTILISATEURS)
    rows = session.execute(select(Utilisateur, Rattachement).join(Rattachement)
                           .where(Rattachement.budget_id == ctx.budget_id)
                           .order_by(Utilisateur.nom, Utilisateur.login)).all()
    ordre = list(roles.ROLES)
    return sorted((_ligne(u, l) for u, l in rows), key=lambda x: ordre.index(x.role)
                  if x.role in ordre else len(ordre))


def detail_utilisateur(session: Session, ctx: Context, login: str) -> UtilisateurLigne:
    if login != ctx.utilisateur:
        exiger_droit(session, ctx, VOIR_UTILISATEURS)
    lien = rattachement(session, login, ctx.budget_id)
    return _ligne(lien.utilisateur, lien)


# -- what only the gestionnaire principal does -------------------------------------------------

def modifier_mon_compte(session: Session, ctx: Context, *, nom: str, prenom: str,
                        email: str | None) -> MonCompte:
    u = trouver(session, ctx.utilisateur)
    if u is None or not u.actif:
        raise ValidationError(f"Compte « {ctx.utilisateur} » inconnu ou désactivé : ses "
                              f"coordonnées ne se modifient pas")
    u.nom, u.prenom = texte(nom, "Nom", 100) or u.login, texte(prenom, "Prénom", 100)
    u.email = verifier_email(email)
    session.flush()
    return mon_compte(session, ctx)


def creer_utilisateur(session: Session, ctx: Context, login: str, *, nom: str = "",
                      prenom: str = "", email: str | None = None, role: str = roles.UTILISATEUR,
                      espaces: dict[str, str] | None = None) -> UtilisateurLigne:
    """A new account rattaché to the structure (or an existing one rattaché to it too)."""
    exiger_droit(session, ctx, GERER_UTILISATEURS)
    login = verifier_login(login)
    if role not in roles.ROLES_ATTRIBUABLES:
        raise ValidationError(f"Rôle « {role} » impossible ici : "
                              + ", ".join(roles.ROLES_ATTRIBUABLES)
                              + " (gestionnaire principal : par transfert seulement)")
    for espace, niveau in (espaces or {}).items():
        verifier_espace(espace, niveau)
    email = verifier_email(email)
    u = trouver(session, login)
    if u is None:
        u = Utilisateur(login=login, nom=texte(nom, "Nom", 100) or login,
                        prenom=texte(prenom, "Prénom", 100), email=email, actif=True,
                        cree_le=ctx.now())
        session.add(u)
        session.flush()
    elif any(l.budget_id == ctx.budget_id for l in u.rattachements):
        raise ValidationError(f"« {login} » est déjà rattaché à cette structure")
    lien = rattacher(session, ctx.clock, u, ctx.budget_id, role, habilitations=espaces)
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "creation", login,
                roles.libelle_role(role))
    return _ligne(u, lien)


def _cible(session: Session, ctx: Context, login: str, action: str) -> Rattachement:
    """The rattachement of another user of the structure, for the gestionnaire principal."""
    exiger_droit(session, ctx, GERER_UTILISATEURS)
    if login == ctx.utilisateur:
        raise ValidationError(f"Vous ne pouvez pas {action} votre propre compte")
    lien = rattachement(session, login, ctx.budget_id)
    if lien.role == GESTIONNAIRE_PRINCIPAL:
        raise ValidationError(f"« {login} » est gestionnaire principal : {action} impossible")
    return lien


def _gp_ailleurs(u: Utilisateur, budget_id: int, action: str) -> None:
    ailleurs = [l for l in u.rattachements if l.role == GESTIONNAIRE_PRINCIPAL and l.actif
                and l.budget_id != budget_id]
    if ailleurs:
        raise ValidationError(f"« {u.login} » est gestionnaire principal d'une autre structure : "
                              f"{action} impossible tant que ce rôle n'y est pas transféré")


def activer_utilisateur(session: Session, ctx: Context, login: str) -> UtilisateurLigne:
    """A new account (e.g. from Demander un rattachement) becomes usable."""
    lien = _cible(session, ctx, login, "activer")
    u = lien.utilisateur
    if u.actif:
        raise ValidationError(f"Le compte « {login} » est déjà actif")
    if u.date_desactivation is not None:
        raise ValidationError(f"Le compte « {login} » a été désactivé le "
                              f"{u.date_desactivation:%d/%m/%Y} : utilisez Réactiver")
    u.actif = True
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "activation", login)
    session.flush()
    return _ligne(u, lien)


def desactiver_utilisateur(session: Session, ctx: Context, login: str) -> UtilisateurLigne:
    lien = _cible(session, ctx, login, "désactiver")
    u = lien.utilisateur
    if not u.actif:
        raise ValidationError(f"Le compte « {login} » est déjà inactif")
    _gp_ailleurs(u, ctx.budget_id, "désactiver ce compte")
    if u.administrateur:
        raise ValidationError(f"« {login} » est administrateur de la base : son compte ne se "
                              f"désactive pas tant qu'un administrateur ne l'a pas retiré "
                              f"(corail users admin retirer)")
    u.actif, u.date_desactivation = False, ctx.today()
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "desactivation", login)
    session.flush()
    return _ligne(u, lien)


def reactiver_utilisateur(session: Session, ctx: Context, login: str) -> UtilisateurLigne:
    lien = _cible(session, ctx, login, "réactiver")
    u = lien.utilisateur
    if u.actif:
        raise ValidationError(f"Le compte « {login} » est actif : rien à réactiver")
    if u.date_desactivation is None:
        raise ValidationError(f"Le compte « {login} » n'a jamais été activé : utilisez Activer")
    u.actif, u.date_reactivation = True, ctx.today()
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "reactivation", login)
    session.flush()
    return _ligne(u, lien)


def changer_role(session: Session, ctx: Context, login: str, role: str) -> UtilisateurLigne:
    lien = _cible(session, ctx, login, "changer le rôle de")
    if role not in roles.ROLES_ATTRIBUABLES:
        raise ValidationError(f"Rôle « {role} » impossible : le rôle de gestionnaire principal "
                              f"se transfère (Transférer le rôle de gestionnaire principal)")
    avant, lien.role = lien.role, role
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "role", login,
                f"{roles.libelle_role(avant)} → {roles.libelle_role(role)}")
    session.flush()
    return _ligne(lien.utilisateur, lien)


def supprimer_utilisateur(session: Session, ctx: Context, login: str) -> None:
    """The user leaves the structure; his account goes with his last rattachement (the étapes
    keep his login as text; his requests go with him) — unless he is an administrator of the
    database, whose account stays."""
    lien = _cible(session, ctx, login, "supprimer")
    u = lien.utilisateur
    session.delete(lien)
    session.flush()
    session.refresh(u)
    if not u.rattachements and not u.administrateur:
        session.execute(update(Sollicitation).where(Sollicitation.traite_par_id == u.id)
                        .values(traite_par_id=None))
        for s in session.scalars(select(Sollicitation).where(Sollicitation.demandeur_id == u.id)):
            session.delete(s)
        session.flush()
        session.delete(u)
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "suppression", login)
    session.flush()


def promouvoir(session: Session, ancien: Rattachement | None, nouveau: Rattachement) -> None:
    """The gestionnaire principal rôle moves (the database allows one at a time): the former one
    becomes gestionnaire secondaire, keeping his espaces; the new one gets every espace."""
    if ancien is not None and ancien.id != nouveau.id:
        ancien.role = roles.GESTIONNAIRE_SECONDAIRE
        session.flush()
    nouveau.role, nouveau.actif = GESTIONNAIRE_PRINCIPAL, True
    tous_les_espaces(nouveau)
    session.flush()
