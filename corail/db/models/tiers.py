"""Tiers (suppliers and debtors) and their bank accounts, with the history of IBAN changes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corail.db.base import Base


class Tiers(Base):
    __tablename__ = "tiers"
    __table_args__ = (UniqueConstraint("collectivite_id", "siret"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    collectivite_id: Mapped[int] = mapped_column(ForeignKey("collectivite.id"))
    nom: Mapped[str] = mapped_column(String(100), index=True)
    prenom: Mapped[str | None] = mapped_column(String(50))
    civilite: Mapped[str | None] = mapped_column(String(10))
    # PES NatIdTiers (5.3): 01 SIRET, 02 SIREN, 03 FINESS, 04 NIR, 05 TVA intracom, 06 hors UE,
    # 07 TAHITI, 08 RIDET, 09 en cours d'immatriculation
    type_identifiant: Mapped[str | None] = mapped_column(String(2))
    identifiant: Mapped[str | None] = mapped_column(String(50))
    siret: Mapped[str | None] = mapped_column(String(14), index=True)
    cat_tiers: Mapped[str | None] = mapped_column(String(2))  # PES CatTiers
    nat_jur: Mapped[str | None] = mapped_column(String(2))  # PES NatJur
    adresse1: Mapped[str | None] = mapped_column(String(100))
    adresse2: Mapped[str | None] = mapped_column(String(100))
    code_postal: Mapped[str | None] = mapped_column(String(10))
    ville: Mapped[str | None] = mapped_column(String(100))
    code_pays: Mapped[str] = mapped_column(String(2), default="FR")
    email: Mapped[str | None] = mapped_column(String(150))
    telephone: Mapped[str | None] = mapped_column(String(30))
    actif: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str | None] = mapped_column(Text)
    cree_le: Mapped[datetime]

    comptes: Mapped[list[CompteBancaire]] = relationship(
        back_populates="tiers", cascade="all, delete-orphan", order_by="CompteBancaire.id"
    )


class CompteBancaire(Base):
    """A bank account. A changed IBAN closes the old row (date_fin) instead of editing it."""

    __tablename__ = "compte_bancaire"
    id: Mapped[int] = mapped_column(primary_key=True)
    tiers_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"), index=True)
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    titulaire: Mapped[str | None] = mapped_column(String(100))
    etablissement: Mapped[str | None] = mapped_column(String(100))
    iban_valide: Mapped[bool] = mapped_column(Boolean, default=True)
    principal: Mapped[bool] = mapped_column(Boolean, default=False)
    origine: Mapped[str] = mapped_column(String(20), default="saisie")  # saisie | chorus | rib
    date_debut: Mapped[date | None]
    date_fin: Mapped[date | None]
    cree_le: Mapped[datetime]
    cree_par: Mapped[str | None] = mapped_column(String(50))

    tiers: Mapped[Tiers] = relationship(back_populates="comptes")
