"""Users, their rattachements to budgets (rôle), espaces with habilitation, sollicitations."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corail.db.base import Base

ROLES = ("gestionnaire_principal", "gestionnaire_secondaire", "utilisateur", "utilisateur_technique")
ESPACES = (
    "environnement", "depenses", "recettes", "teleprocedures", "suivi_demat",
    "activites_gestionnaire",
)
HABILITATIONS = ("consultation", "modification")


class Utilisateur(Base):
    __tablename__ = "utilisateur"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(50), unique=True)
    nom: Mapped[str] = mapped_column(String(100), default="")
    prenom: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(150))
    actif: Mapped[bool] = mapped_column(Boolean, default=True)
    administrateur: Mapped[bool] = mapped_column(Boolean, default=False)
    date_reactivation: Mapped[date | None]
    derniere_connexion: Mapped[datetime | None]
    cree_le: Mapped[datetime]

    rattachements: Mapped[list[Rattachement]] = relationship(
        back_populates="utilisateur", cascade="all, delete-orphan"
    )


class Rattachement(Base):
    """A user attached to a structure (budget) with a rôle."""

    __tablename__ = "rattachement"
    __table_args__ = (UniqueConstraint("utilisateur_id", "budget_id"),)
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
