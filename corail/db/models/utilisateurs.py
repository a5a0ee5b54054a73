"""Users, their rattachements to budgets (rôle), espaces with habilitation, sollicitations, and
the journal of what the gestionnaires did (rules: ``corail/domain/roles.py``)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corail.db.base import Base
from corail.domain import roles

ROLES = tuple(roles.ROLES)
ESPACES = tuple(roles.ESPACES)
HABILITATIONS = tuple(roles.NIVEAUX)

#: exactly one active gestionnaire principal per structure, held by the database too
_UN_SEUL_GP = text("role = 'gestionnaire_principal' AND actif")


class Utilisateur(Base):
    __tablename__ = "utilisateur"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(50), unique=True)
    nom: Mapped[str] = mapped_column(String(100), default="")
    prenom: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(150))  # adresse de contact
    actif: Mapped[bool] = mapped_column(Boolean, default=True)
    administrateur: Mapped[bool] = mapped_column(Boolean, default=False)
    date_desactivation: Mapped[date | None]
    date_reactivation: Mapped[date | None]
    derniere_connexion: Mapped[datetime | None]
    #: ``scrypt$n$r$p$sel$empreinte`` (base64) — never the password itself
    mot_de_passe: Mapped[str | None] = mapped_column(String(200))
    cree_le: Mapped[datetime]

    rattachements: Mapped[list[Rattachement]] = relationship(
        back_populates="utilisateur", cascade="all, delete-orphan"
    )


class Rattachement(Base):
    """A user attached to a structure (budget) with a rôle."""

    __tablename__ = "rattachement"
    __table_args__ = (
        UniqueConstraint("utilisateur_id", "budget_id"),
        Index("uq_rattachement_gestionnaire_principal", "budget_id", unique=True,
              sqlite_where=_UN_SEUL_GP, postgresql_where=_UN_SEUL_GP),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    utilisateur_id: Mapped[int] = mapped_column(ForeignKey("utilisateur.id"))
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    actif: Mapped[bool] = mapped_column(Boolean, default=True)
    cree_le: Mapped[datetime]

    utilisateur: Mapped[Utilisateur] = relationship(back_populates="rattachements")
    habilitations: Mapped[list[Habilitation]] = relationship(
        back_populates="rattachement", cascade="all, delete-orphan"
    )


class Habilitation(Base):
    __tablename__ = "habilitation"
    __table_args__ = (UniqueConstraint("rattachement_id", "espace"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rattachement_id: Mapped[int] = mapped_column(ForeignKey("rattachement.id"))
    espace: Mapped[str] = mapped_column(String(30))
    niveau: Mapped[str] = mapped_column(String(20))  # consultation | modification
    rattachement: Mapped[Rattachement] = relationship(back_populates="habilitations")


class Sollicitation(Base):
    """A request (access to an espace, rattachement...) sent to a structure's gestionnaire."""

    __tablename__ = "sollicitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    demandeur_id: Mapped[int] = mapped_column(ForeignKey("utilisateur.id"))
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    categorie: Mapped[str] = mapped_column(String(50))
    sous_categorie: Mapped[str] = mapped_column(String(50))
    espace: Mapped[str | None] = mapped_column(String(30))
    niveau: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    etat: Mapped[str] = mapped_column(String(20), default="brouillon")
    reponse: Mapped[str | None] = mapped_column(Text)
    traite_par_id: Mapped[int | None] = mapped_column(ForeignKey("utilisateur.id"))
    cree_le: Mapped[datetime]
    envoye_le: Mapped[datetime | None]
    traite_le: Mapped[datetime | None]


class JournalGestion(Base):
    """What a gestionnaire (or an administrator) did to users: who, when, to whom, why.

    Logins are kept as text so the journal outlives a deleted user."""

    __tablename__ = "journal_gestion"
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("budget.id"), index=True)
    le: Mapped[datetime]
    auteur: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(40))
    cible: Mapped[str | None] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(Text, default="")
