"""Environnement › Gestion des collectivités, tabs *Collectivité* and *Trésorerie*: who the
collectivité is and its poste comptable (names, addresses, contacts).

Re-exported by ``corail.services.reglages`` (import from there); same rules: a refused value
raises ``ValidationError`` before anything is written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Collectivite, PosteComptable
from corail.domain.identifiants import valider_id_post, valider_siret
from corail.domain.roles import CONSULTATION, ENVIRONNEMENT, MODIFICATION
from corail.errors import NotFound, ValidationError
from corail.services.habilitations import exiger
from corail.services.reglages_demat import NATURES_JURIDIQUES, texte

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TELEPHONE = re.compile(r"\+?[0-9 .()-]{6,30}")
_CP = re.compile(r"\d{5}")


def _email(valeur: str | None, champ: str) -> str:
    v = texte(valeur, champ, 150)
    if v and not _EMAIL.fullmatch(v):
        raise ValidationError(f"{champ} invalide : « {v} »")
    return v


def _telephone(valeur: str | None, champ: str) -> str:
    v = texte(valeur, champ, 30)
    if v and not _TELEPHONE.fullmatch(v):
        raise ValidationError(f"{champ} invalide : « {v} »")
    return v


def _code_postal(valeur: str | None, champ: str) -> str:
    v = texte(valeur, champ, 10)
    if v and not _CP.fullmatch(v):
        raise ValidationError(f"{champ} invalide : « {v} » (5 chiffres)")
    return v


def collectivite_du_contexte(session: Session, ctx: Context) -> Collectivite:
    coll = session.get(Collectivite, ctx.collectivite_id)
    if coll is None:
        raise NotFound("Collectivité introuvable")
    return coll


# --- Collectivité -----------------------------------------------------------------------


@dataclass(frozen=True)
class CollectiviteReglage:
    nom: str
    siret: str
    adresse1: str = ""
    adresse2: str = ""
    code_postal: str = ""
    ville: str = ""
    email: str = ""
    telephone: str = ""
    categorie: str = ""
    nature_juridique: str = ""


def lire_collectivite(session: Session, ctx: Context) -> CollectiviteReglage:
    exiger(session, ctx, ENVIRONNEMENT, CONSULTATION, "consulter la collectivité")
    c = collectivite_du_contexte(session, ctx)
    return CollectiviteReglage(c.nom, c.siret, c.adresse1 or "", c.adresse2 or "",
                               c.code_postal or "", c.ville or "", c.email or "",
                               c.telephone or "", c.categorie or "",
                               c.nature_juridique or "")


def enregistrer_collectivite(session: Session, ctx: Context, r: CollectiviteReglage) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier la collectivité")
    c = collectivite_du_contexte(session, ctx)
    if r.nature_juridique and r.nature_juridique not in NATURES_JURIDIQUES:
        raise ValidationError(f"Nature juridique inconnue : « {r.nature_juridique} »")
    valeurs = dict(
        nom=texte(r.nom, "Nom de la collectivité", 100, requis=True),
        siret=valider_siret(r.siret, champ="SIRET de la collectivité"),
        adresse1=texte(r.adresse1, "Adresse", 100) or None,
        adresse2=texte(r.adresse2, "Complément d'adresse", 100) or None,
        code_postal=_code_postal(r.code_postal, "Code postal") or None,
        ville=texte(r.ville, "Ville", 100) or None,
        email=_email(r.email, "E-mail") or None,
        telephone=_telephone(r.telephone, "Téléphone") or None,
        categorie=texte(r.categorie, "Catégorie", 50) or None,
        nature_juridique=r.nature_juridique or None,
    )
    for k, v in valeurs.items():  # everything checked first: a refusal writes nothing
        setattr(c, k, v)
    session.flush()


# --- Trésorerie -------------------------------------------------------------------------


@dataclass(frozen=True)
class TresorerieReglage:
    id_post: str
    nom: str
    adresse1: str = ""
    adresse2: str = ""
    code_postal: str = ""
    ville: str = ""
    email: str = ""
    telephone: str = ""


def lire_tresorerie(session: Session, ctx: Context) -> TresorerieReglage:
    exiger(session, ctx, ENVIRONNEMENT, CONSULTATION, "consulter la trésorerie")
    p = collectivite_du_contexte(session, ctx).poste_comptable
    if p is None:
        return TresorerieReglage("", "")
    return TresorerieReglage(p.id_post, p.nom, p.adresse1 or "", p.adresse2 or "",
                             p.code_postal or "", p.ville or "", p.email or "", p.telephone or "")


def enregistrer_tresorerie(session: Session, ctx: Context, r: TresorerieReglage) -> None:
    """The collectivité's poste comptable. A new IdPost points the collectivité at that poste
    (created if unknown); the poste shared by several collectivités is never renumbered."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier la trésorerie")
    coll = collectivite_du_contexte(session, ctx)
    id_post = valider_id_post(r.id_post)
    valeurs = dict(
        nom=texte(r.nom, "Nom du poste comptable", 100, requis=True),
        adresse1=texte(r.adresse1, "Adresse", 100) or None,
        adresse2=texte(r.adresse2, "Complément d'adresse", 100) or None,
        code_postal=_code_postal(r.code_postal, "Code postal") or None,
        ville=texte(r.ville, "Ville", 100) or None,
        email=_email(r.email, "E-mail de la trésorerie") or None,
        telephone=_telephone(r.telephone, "Téléphone de la trésorerie") or None,
    )
    poste = session.scalars(
        select(PosteComptable).where(PosteComptable.id_post == id_post)
    ).one_or_none()
    if poste is None:
        poste = PosteComptable(id_post=id_post)
        session.add(poste)
    for k, v in valeurs.items():
        setattr(poste, k, v)
    session.flush()
    coll.poste_comptable_id = poste.id
    session.flush()
