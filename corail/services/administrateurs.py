"""Administrators of the database: the people allowed to do what a gestionnaire principal cannot
do for himself — name his successor when he left without transferring the rôle
(``gestionnaire_principal.transferer_par_administrateur``) — and to declare or remove the other
administrators. Not a rôle on a structure: a quality of an account (``utilisateur.administrateur``),
valid on every structure of the database.

Rules: when the database has no (active) administrator, whoever opens it may declare the first
one (logged as such); afterwards only an administrator adds or removes one; the last one is never
removed; an administrator's account is neither deactivated nor deleted by a gestionnaire. Every
change is written in ``journal_gestion`` with its author and its motif (``budget_id`` empty: it
concerns the database, not a structure).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import JournalGestion, Utilisateur
from corail.domain.roles import AJOUT_ADMINISTRATEUR, RETRAIT_ADMINISTRATEUR
from corail.errors import NotFound, ValidationError
from corail.services.connexion import exige_quelque_part
from corail.services.habilitations import (
    administrateurs_actifs, exiger_administrateur, journaliser,
)
from corail.services.utilisateurs import assurer_utilisateur, trouver, verifier_login

MOTIF_MAX = 500
#: PostgreSQL: one change of administrators at a time (SQLite: BEGIN IMMEDIATE does it)
_VERROU = 0x434F5241  # "CORA"


@dataclass(frozen=True)
class AdministrateurLigne:
    login: str
    nom: str
    prenom: str
    email: str | None
    actif: bool
    declare_le: datetime | None  # from the journal (None: declared before it was kept)
    declare_par: str | None
    motif: str = ""


def _motif(motif: str | None) -> str:
    m = (motif or "").strip()
    if not m:
        raise ValidationError("Motif manquant (--motif) : il est enregistré avec le changement "
                              "d'administrateur")
    if len(m) > MOTIF_MAX:
        raise ValidationError(f"Motif trop long : {len(m)} caractères, {MOTIF_MAX} au plus")
    return m


def _verrouiller(session: Session) -> None:
    """Two workstations changing administrators at once would both see the same count (two
    "first" administrators, or none left): the second waits for the first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:cle)"), {"cle": _VERROU})


def _ligne(session: Session, u: Utilisateur) -> AdministrateurLigne:
    trace = session.scalars(
        select(JournalGestion).where(JournalGestion.action == AJOUT_ADMINISTRATEUR,
                                     JournalGestion.cible == u.login)
        .order_by(JournalGestion.le.desc(), JournalGestion.id.desc()).limit(1)
    ).one_or_none()
    motif = trace.detail.partition("motif : ")[2] if trace is not None else ""
    return AdministrateurLigne(u.login, u.nom, u.prenom, u.email, u.actif,
                               trace.le if trace else None, trace.auteur if trace else None, motif)


def est_administrateur(session: Session, login: str) -> bool:
    u = trouver(session, login)
    return u is not None and u.administrateur and u.actif


def lister_administrateurs(session: Session, ctx: Context) -> list[AdministrateurLigne]:
    """The administrators, with who declared them, when and why. Anyone who opens the
    database may see them (to know whom to ask)."""
    admins = session.scalars(select(Utilisateur).where(Utilisateur.administrateur.is_(True))
                             .order_by(Utilisateur.login)).all()
    return [_ligne(session, u) for u in admins]


def ajouter_administrateur(session: Session, ctx: Context, login: str, *,
                           motif: str) -> AdministrateurLigne:
    """``login`` becomes an administrator. With none declared, whoever opens the database may
    (the first one); then only an administrator. A login unknown to Corail is accepted for
    oneself only (an account without rattachement is created), so that a typing error never
    makes an administrator nobody is."""
    motif = _motif(motif)
    login = verifier_login(login)
    _verrouiller(session)
    premier = not administrateurs_actifs(session)
    if not premier:
        exiger_administrateur(session, ctx, "déclarer un administrateur")
    u = trouver(session, login)
    if u is None:
        if login != ctx.utilisateur:
            raise NotFound(f"Aucun utilisateur d'identifiant « {login} » : un administrateur doit "
                           f"avoir un compte Corail (sauf vous-même, dont le compte est créé)")
        u = assurer_utilisateur(session, ctx.clock, login)
    if not u.actif:
        raise ValidationError(f"Le compte « {login} » est inactif : il ne peut pas devenir "
                              f"administrateur de la base (réactivez-le d'abord)")
    if u.administrateur:
        raise ValidationError(f"« {login} » est déjà administrateur de la base")
    if not u.mot_de_passe and exige_quelque_part(session):
        raise ValidationError(f"« {login} » n'a pas de mot de passe alors qu'une collectivité de "
                              f"la base en exige un : un administrateur doit pouvoir se connecter "
                              f"partout ; qu'il en définisse un d'abord (corail users mot-de-passe)")
    u.administrateur = True
    session.flush()
    debut = "Premier administrateur, déclaré sans administrateur existant ; " if premier else ""
    journaliser(session, ctx.clock, ctx.utilisateur, None, AJOUT_ADMINISTRATEUR, login,
                f"{debut}motif : {motif}")
    session.flush()
    return _ligne(session, u)


def retirer_administrateur(session: Session, ctx: Context, login: str, *,
                           motif: str) -> AdministrateurLigne:
    """An administrator removes one (himself included), never the last active one."""
    motif = _motif(motif)
    _verrouiller(session)
    exiger_administrateur(session, ctx, "retirer un administrateur")
    u = trouver(session, (login or "").strip())
    if u is None or not u.administrateur:
        raise NotFound(f"« {login} » n'est pas administrateur de la base")
    if u.actif and [a.login for a in administrateurs_actifs(session)] == [u.login]:
        raise ValidationError(f"« {login} » est le dernier administrateur de la base : déclarez-en "
                              f"d'abord un autre (corail users admin ajouter)")
    ligne = _ligne(session, u)
    u.administrateur = False
    journaliser(session, ctx.clock, ctx.utilisateur, None, RETRAIT_ADMINISTRATEUR, u.login,
                f"motif : {motif}")
    session.flush()
    return ligne
