"""Who holds what on a structure, and the check every service makes at its entry.

``exiger(session, ctx, espace, niveau, "mandater")`` refuses, with a French message naming the
missing habilitation, a user who is unknown, deactivated, not rattaché to the budget, or
without the espace at that level. It reads only: a refused action writes nothing (the caller's
transaction is rolled back, and the connection date is noted only after a success).
``exiger_droit`` does the same for the gestionnaires' rights (``domain/roles.DROITS``),
``exiger_administrateur`` for what only an administrator of the database does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Clock, Context
from corail.db.models import Budget, Habilitation, JournalGestion, Rattachement, Utilisateur
from corail.domain import roles
from corail.domain.roles import (
    ACTIVITES_GESTIONNAIRE, CONSULTATION, GESTIONNAIRE_PRINCIPAL, MODIFICATION, VOIR_UTILISATEURS,
)
from corail.errors import CorailError, NotFound, ValidationError

A_DEMANDER = ("demandez-la au gestionnaire principal de la structure "
              "(Mon compte › Nouvelle sollicitation)")


class HabilitationManquante(CorailError):
    """The user of the context may not do this here (habilitation, rôle, compte)."""


@dataclass(frozen=True)
class Acces:
    """What ``login`` holds on one budget: account, rôle, espaces (code → niveau)."""

    login: str
    budget_id: int
    utilisateur_id: int | None = None
    actif: bool = False
    role: str | None = None
    espaces: dict[str, str] = field(default_factory=dict)

    def niveau(self, espace: str) -> str | None:
        return self.espaces.get(espace)


def acces(session: Session, login: str, budget_id: int) -> Acces:
    """One query: the account, its rattachement to ``budget_id`` (if active) and its espaces."""
    rows = session.execute(
        select(Utilisateur.id, Utilisateur.actif, Rattachement.role, Habilitation.espace,
               Habilitation.niveau)
        .select_from(Utilisateur)
        .outerjoin(Rattachement, (Rattachement.utilisateur_id == Utilisateur.id)
                   & (Rattachement.budget_id == budget_id) & Rattachement.actif.is_(True))
        .outerjoin(Habilitation, Habilitation.rattachement_id == Rattachement.id)
        .where(Utilisateur.login == login)
    ).all()
    if not rows:
        return Acces(login, budget_id)
    espaces = {r.espace: r.niveau for r in rows if r.espace is not None}
    return Acces(login, budget_id, rows[0].id, bool(rows[0].actif), rows[0].role, espaces)


def nom_budget(session: Session, budget_id: int) -> str:
    b = session.get(Budget, budget_id)
    if b is None:
        return f"n° {budget_id}"
    return f"{b.code_col}-{b.code_bud} ({b.collectivite.nom} — {b.libelle})"


def _compte_utilisable(session: Session, a: Acces, pour: str) -> None:
    if a.utilisateur_id is None:
        raise HabilitationManquante(
            f"Utilisateur « {a.login} » inconnu de Corail : {pour} impossible. Demandez un "
            f"rattachement au gestionnaire principal de la structure (Mon compte › Demander un "
            f"rattachement)")
    if not a.actif:
        raise HabilitationManquante(
            f"Compte « {a.login} » désactivé : {pour} impossible. Seul le gestionnaire principal "
            f"de la structure peut le réactiver")
    if a.role is None:
        raise HabilitationManquante(
            f"« {a.login} » n'est pas rattaché au budget {nom_budget(session, a.budget_id)} : "
            f"{pour} impossible. Demandez un rattachement à son gestionnaire principal "
            f"(Mon compte › Demander un rattachement)")


def exiger(session: Session, ctx: Context, espace: str | tuple[str, ...], niveau: str,
           action: str) -> Acces:
    """Refuse ``action`` unless the context's user holds ``espace`` (one of them, for a tuple)
    at ``niveau`` or above on the context's budget; what he holds, when he may."""
    espaces = (espace,) if isinstance(espace, str) else tuple(espace)
    a = acces(session, ctx.utilisateur, ctx.budget_id)
    _compte_utilisable(session, a, action)
    if any(roles.niveau_suffit(a.niveau(e), niveau) for e in espaces):
        return a
    voulu = " ou ".join(f"« {roles.libelle_habilitation(e, niveau)} »" for e in espaces)
    detenus = [roles.libelle_habilitation(e, a.niveau(e)) for e in espaces if a.niveau(e)]
    a_seulement = (f"n'a que « {detenus[0]} »" if len(detenus) == 1 else
                   "n'a pas l'espace " + " ni l'espace ".join(roles.libelle_espace(e) for e in espaces)
                   if not detenus else "n'a que " + ", ".join(f"« {d} »" for d in detenus))
    raise HabilitationManquante(
        f"Habilitation {voulu} requise pour {action} : « {a.login} » {a_seulement} sur le budget "
        f"{nom_budget(session, ctx.budget_id)} ; {A_DEMANDER}")


def exiger_droit(session: Session, ctx: Context, droit: str) -> Acces:
    """Refuse unless the context's user's rôle on the budget gives ``droit`` (``DROITS``), with
    the espace *Activités du gestionnaire* (consultation to see, modification to act)."""
    pour = roles.LIBELLES_DROITS[droit]
    a = acces(session, ctx.utilisateur, ctx.budget_id)
    _compte_utilisable(session, a, pour)
    if not roles.peut(a.role, droit):
        qui = " ou ".join(roles.libelle_role(r).lower() for r in roles.ROLES
                          if r in roles.DROITS[droit])
        raise HabilitationManquante(
            f"Seul le {qui} de la structure peut {pour} : « {a.login} » y est "
            f"{roles.libelle_role(a.role or '').lower()} sur le budget {nom_budget(session, ctx.budget_id)}")
    niveau = CONSULTATION if droit == VOIR_UTILISATEURS else MODIFICATION
    if not roles.niveau_suffit(a.niveau(ACTIVITES_GESTIONNAIRE), niveau):
        raise HabilitationManquante(
            f"Habilitation « {roles.libelle_habilitation(ACTIVITES_GESTIONNAIRE, niveau)} » requise "
            f"pour {pour} : « {a.login} » ne l'a pas sur le budget "
            f"{nom_budget(session, ctx.budget_id)} ; {A_DEMANDER}")
    return a


def administrateurs_actifs(session: Session) -> list[Utilisateur]:
    """The database's administrators whose account is active (the only ones who count)."""
    return list(session.scalars(select(Utilisateur).where(
        Utilisateur.administrateur.is_(True), Utilisateur.actif.is_(True))
        .order_by(Utilisateur.login)))


def exiger_administrateur(session: Session, ctx: Context, action: str) -> Utilisateur:
    """Refuse ``action`` unless the context's user is an active administrator of the database
    (``services/administrateurs.py``); his account, when he is."""
    admins = administrateurs_actifs(session)
    if not admins:
        raise HabilitationManquante(
            f"Aucun administrateur de la base n'est déclaré : {action} impossible. Déclarez-en "
            f"d'abord un (corail users admin ajouter IDENTIFIANT --motif …)")
    moi = next((u for u in admins if u.login == ctx.utilisateur), None)
    if moi is None:
        raise HabilitationManquante(
            f"« {ctx.utilisateur} » n'est pas administrateur de la base : {action} impossible ; "
            f"administrateurs : " + ", ".join(u.login for u in admins))
    return moi


# -- rattachements and espaces ---------------------------------------------------------------

def rattachement(session: Session, login: str, budget_id: int) -> Rattachement:
    lien = session.scalars(
        select(Rattachement).join(Utilisateur)
        .where(Utilisateur.login == login, Rattachement.budget_id == budget_id)
    ).one_or_none()
    if lien is None:
        raise NotFound(f"« {login} » n'est pas rattaché au budget {nom_budget(session, budget_id)}")
    return lien


def verifier_espace(espace: str, niveau: str | None) -> None:
    if espace not in roles.ESPACES:
        raise ValidationError(f"Espace « {espace} » inconnu ; espaces : "
                              + ", ".join(f"{c} ({l})" for c, l in roles.ESPACES.items()))
    if niveau is not None and niveau not in roles.NIVEAUX:
        raise ValidationError(f"Habilitation « {niveau} » inconnue (consultation ou modification)")


def accorder(lien: Rattachement, espace: str, niveau: str | None) -> None:
    """Give ``espace`` at ``niveau`` (None removes it) on a rattachement — no check here."""
    actuelle = next((h for h in lien.habilitations if h.espace == espace), None)
    if niveau is None:
        if actuelle is not None:
            lien.habilitations.remove(actuelle)
    elif actuelle is None:
        lien.habilitations.append(Habilitation(espace=espace, niveau=niveau))
    else:
        actuelle.niveau = niveau


def tous_les_espaces(lien: Rattachement) -> None:
    for espace in roles.ESPACES:
        accorder(lien, espace, MODIFICATION)


def definir_habilitation(session: Session, ctx: Context, login: str, espace: str,
                         niveau: str | None) -> dict[str, str]:
    """The gestionnaire principal adds, changes (``niveau``) or removes (None) one espace of a
    user of the structure; the user's espaces afterwards."""
    verifier_espace(espace, niveau)
    exiger_droit(session, ctx, roles.GERER_ESPACES)
    lien = rattachement(session, login, ctx.budget_id)
    if lien.role == GESTIONNAIRE_PRINCIPAL:
        raise ValidationError(f"« {login} » est gestionnaire principal : il a tous les espaces en "
                              f"modification, qui ne se retirent pas (transférez d'abord le rôle)")
    avant = next((h.niveau for h in lien.habilitations if h.espace == espace), None)
    accorder(lien, espace, niveau)
    session.flush()
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "habilitation", login,
                f"{roles.libelle_espace(espace)} : {avant or 'aucune'} → {niveau or 'retiré'}")
    return {h.espace: h.niveau for h in lien.habilitations}


def journaliser(session: Session, clock: Clock, auteur: str, budget_id: int | None, action: str,
                cible: str | None, detail: str = "") -> None:
    session.add(JournalGestion(budget_id=budget_id, le=clock.now(), auteur=auteur[:50],
                               action=action, cible=cible, detail=detail))
