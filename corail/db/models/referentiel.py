"""Collectivité, budgets, exercices, poste comptable, réglages, compteurs."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corail.db.base import Base
from corail.db.types import Taux


class PosteComptable(Base):
    """The trésorerie (DGFiP accountant) a collectivité sends its PES to."""

    __tablename__ = "poste_comptable"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_post: Mapped[str] = mapped_column(String(6), unique=True)  # IdPost, 6 digits
    nom: Mapped[str] = mapped_column(String(100), default="")
    adresse1: Mapped[str | None] = mapped_column(String(100))
    adresse2: Mapped[str | None] = mapped_column(String(100))
    code_postal: Mapped[str | None] = mapped_column(String(10))
    ville: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(150))
    telephone: Mapped[str | None] = mapped_column(String(30))


class Collectivite(Base):
    __tablename__ = "collectivite"
    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(100))
    siret: Mapped[str] = mapped_column(String(14))
    adresse1: Mapped[str | None] = mapped_column(String(100))
    adresse2: Mapped[str | None] = mapped_column(String(100))
    code_postal: Mapped[str | None] = mapped_column(String(10))
    ville: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(150))
    telephone: Mapped[str | None] = mapped_column(String(30))
    categorie: Mapped[str | None] = mapped_column(String(50))  # commune, EPCI, syndicat...
    nature_juridique: Mapped[str | None] = mapped_column(String(10))
    poste_comptable_id: Mapped[int | None] = mapped_column(ForeignKey("poste_comptable.id"))
    # Transfert (Environnement › Gestion des collectivités › Transfert)
    protocole: Mapped[str] = mapped_column(String(30), default="Indigo-Ocre")
    avec_seuil_helios: Mapped[bool] = mapped_column(Boolean, default=True)
    repertoire_transfert: Mapped[str | None] = mapped_column(Text)
    repertoire_flux: Mapped[str | None] = mapped_column(Text)
    cree_le: Mapped[datetime]

    poste_comptable: Mapped[PosteComptable | None] = relationship()
    budgets: Mapped[list[Budget]] = relationship(
        back_populates="collectivite", order_by="Budget.code_bud"
    )


class Budget(Base):
    """A budget: principal or annexe. SIRET is NOT unique: budgets may share one
    and are then told apart by their Chorus Pro service codes."""

    __tablename__ = "budget"
    __table_args__ = (UniqueConstraint("code_col", "code_bud"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    collectivite_id: Mapped[int] = mapped_column(ForeignKey("collectivite.id"))
    libelle: Mapped[str] = mapped_column(String(100))
    siret: Mapped[str] = mapped_column(String(14), index=True)
    code_col: Mapped[str] = mapped_column(String(3))  # CodCol
    code_bud: Mapped[str] = mapped_column(String(2))  # CodBud
    nomenclature: Mapped[str] = mapped_column(String(10), default="M57")
    assujetti_tva: Mapped[bool] = mapped_column(Boolean, default=False)
    budget_rattache_id: Mapped[int | None] = mapped_column(ForeignKey("budget.id"))
    actif: Mapped[bool] = mapped_column(Boolean, default=True)
    # Réglage
    seuil_marches: Mapped[Decimal | None]
    delai_paiement_jours: Mapped[int] = mapped_column(Integer, default=30)
    indemnite_forfaitaire: Mapped[Decimal] = mapped_column(default=Decimal("40.00"))
    # Défaut
    article_defaut: Mapped[str | None] = mapped_column(String(10))
    mode_reglement_defaut: Mapped[str | None] = mapped_column(String(2))
    train_defaut: Mapped[str | None] = mapped_column(String(50))

    collectivite: Mapped[Collectivite] = relationship(back_populates="budgets")
    services_chorus: Mapped[list[ServiceChorus]] = relationship(
        back_populates="budget", cascade="all, delete-orphan", order_by="ServiceChorus.code"
    )
    exercices: Mapped[list[Exercice]] = relationship(
        back_populates="budget", order_by="Exercice.annee"
    )

    @property
    def code_complet(self) -> str:
        return f"{self.code_col}-{self.code_bud}"


class ServiceChorus(Base):
    """A Chorus Pro service code (code service exécutant) that routes invoices to a budget."""

    __tablename__ = "service_chorus"
    __table_args__ = (UniqueConstraint("budget_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    code: Mapped[str] = mapped_column(String(100))
    libelle: Mapped[str | None] = mapped_column(String(100))
    budget: Mapped[Budget] = relationship(back_populates="services_chorus")


class Exercice(Base):
    __tablename__ = "exercice"
    __table_args__ = (UniqueConstraint("budget_id", "annee"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    annee: Mapped[int] = mapped_column(Integer)
    clos: Mapped[bool] = mapped_column(Boolean, default=False)
    courant: Mapped[bool] = mapped_column(Boolean, default=False)
    date_cloture: Mapped[date | None]
    budget: Mapped[Budget] = relationship(back_populates="exercices")


class TauxInterets(Base):
    """Dated table of the ECB rate; late-payment interest = taux BCE + majoration (8 points)."""

    __tablename__ = "taux_interets"
    id: Mapped[int] = mapped_column(primary_key=True)
    date_debut: Mapped[date] = mapped_column(unique=True)
    taux_bce: Mapped[Decimal] = mapped_column(Taux())
    majoration: Mapped[Decimal] = mapped_column(Taux(), default=Decimal("8"))


class Parametre(Base):
    """Other settings, as JSON text, scoped to a collectivité and/or a budget (both null: global)."""

    __tablename__ = "parametre"
    __table_args__ = (UniqueConstraint("collectivite_id", "budget_id", "cle"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    collectivite_id: Mapped[int | None] = mapped_column(ForeignKey("collectivite.id"))
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("budget.id"))
    cle: Mapped[str] = mapped_column(String(100))
    valeur: Mapped[str] = mapped_column(Text, default="null")


class Compteur(Base):
    """Next number of a kind (mandat, titre, bordereau_mandat...) per budget and exercice.

    Taken under a lock (see services/compteurs.py) in the same transaction as the
    piece it numbers, so numbers are unique and gapless with several workstations.
    """

    __tablename__ = "compteur"
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), primary_key=True)
    annee: Mapped[int] = mapped_column(Integer, primary_key=True)
    nature: Mapped[str] = mapped_column(String(30), primary_key=True)
    prochain: Mapped[int] = mapped_column(Integer, default=1)
    utilise: Mapped[bool] = mapped_column(Boolean, default=False)
