"""Dépenses and recettes: trains, bordereaux, engagements, the factures register, pièces
(mandats and titres) with their imputations."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corail.db.base import Base
from corail.db.types import Taux
from corail.domain.etats import EtatBordereau, EtatFacture, EtatPiece

MANDAT = "mandat"
TITRE = "titre"


class Train(Base):
    """A batch of mandats (or titres) numbered and printed together; *attente* holds them back."""

    __tablename__ = "train"
    __table_args__ = (UniqueConstraint("budget_id", "nom"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    nom: Mapped[str] = mapped_column(String(50))
    attente: Mapped[bool] = mapped_column(Boolean, default=False)
    # a waiting train released by the trésorier's bordereau de régularisation
    reference_regularisation: Mapped[str | None] = mapped_column(String(50))
    date_regularisation: Mapped[date | None]
    cree_le: Mapped[datetime]


class Bordereau(Base):
    __tablename__ = "bordereau"
    __table_args__ = (UniqueConstraint("budget_id", "annee", "type_piece", "type_bord", "numero"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    annee: Mapped[int] = mapped_column(Integer)
    type_piece: Mapped[str] = mapped_column(String(10))  # mandat | titre
    numero: Mapped[int] = mapped_column(Integer)  # IdBord, ≤ 7 digits
    type_bord: Mapped[str] = mapped_column(String(2), default="01")  # PES TypBord
    etat: Mapped[str] = mapped_column(String(20), default=EtatBordereau.CREE, index=True)
    date_emission: Mapped[date]
    train_id: Mapped[int | None] = mapped_column(ForeignKey("train.id"))
    nb_pieces: Mapped[int] = mapped_column(Integer, default=0)
    montant: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    # a waiting train released by the trésorier's bordereau de régularisation
    reference_regularisation: Mapped[str | None] = mapped_column(String(50))
    date_regularisation: Mapped[date | None]
    cree_le: Mapped[datetime]
    cree_par: Mapped[str] = mapped_column(String(50))


class Engagement(Base):
    __tablename__ = "engagement"
    __table_args__ = (UniqueConstraint("budget_id", "numero"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    annee: Mapped[int] = mapped_column(Integer)
    numero: Mapped[str] = mapped_column(String(50))
    tiers_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    article: Mapped[str] = mapped_column(String(10))
    objet: Mapped[str] = mapped_column(String(255), default="")
    montant: Mapped[Decimal]
    date_engagement: Mapped[date]
    numero_marche: Mapped[str | None] = mapped_column(String(50))


class Facture(Base):
    """The register of invoices waiting for their mandat, with the délai global de paiement."""

    __tablename__ = "facture"
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), index=True)
    annee: Mapped[int] = mapped_column(Integer)
    facture_demat_id: Mapped[int | None] = mapped_column(ForeignKey("facture_demat.id"), index=True)
    tiers_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    numero: Mapped[str] = mapped_column(String(50))
    type_facture: Mapped[str] = mapped_column(String(10), default="facture")
    date_emission: Mapped[date]
    date_reception: Mapped[date]
    montant_ht: Mapped[Decimal]
    montant_ttc: Mapped[Decimal]
    montant_net: Mapped[Decimal]
    etat: Mapped[str] = mapped_column(String(20), default=EtatFacture.A_MANDATER, index=True)
    cree_le: Mapped[datetime]

    suspensions: Mapped[list[SuspensionFacture]] = relationship(
        cascade="all, delete-orphan", order_by="SuspensionFacture.debut"
    )


class SuspensionFacture(Base):
    """A suspension of the délai global de paiement (from ``debut`` to ``fin``)."""

    __tablename__ = "suspension_facture"
    id: Mapped[int] = mapped_column(primary_key=True)
    facture_id: Mapped[int] = mapped_column(ForeignKey("facture.id"), index=True)
    debut: Mapped[date]
    fin: Mapped[date | None]
    motif: Mapped[str] = mapped_column(String(255), default="")


class Piece(Base):
    """A mandat (``type_piece='mandat'``) or a titre de recettes (``'titre'``)."""

    __tablename__ = "piece"
    __table_args__ = (UniqueConstraint("budget_id", "annee", "type_piece", "numero"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    type_piece: Mapped[str] = mapped_column(String(10), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), index=True)
    annee: Mapped[int] = mapped_column(Integer)
    numero: Mapped[int | None] = mapped_column(Integer)  # given at numbering, gapless
    etat: Mapped[str] = mapped_column(String(20), default=EtatPiece.BROUILLON, index=True)
    tiers_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"), index=True)
    compte_bancaire_id: Mapped[int | None] = mapped_column(ForeignKey("compte_bancaire.id"))
    train_id: Mapped[int | None] = mapped_column(ForeignKey("train.id"), index=True)
    bordereau_id: Mapped[int | None] = mapped_column(ForeignKey("bordereau.id"), index=True)
    facture_demat_id: Mapped[int | None] = mapped_column(ForeignKey("facture_demat.id"), index=True)
    facture_id: Mapped[int | None] = mapped_column(ForeignKey("facture.id"), index=True)
    piece_origine_id: Mapped[int | None] = mapped_column(ForeignKey("piece.id"))  # annulation/réduction
    montant: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    montant_ht: Mapped[Decimal | None]
    objet: Mapped[str] = mapped_column(String(255), default="")
    pieces_justificatives: Mapped[str] = mapped_column(String(255), default="")
    date_reception: Mapped[date | None]
    date_emission: Mapped[date | None]
    marche: Mapped[str | None] = mapped_column(String(50))
    lot: Mapped[str | None] = mapped_column(String(20))
    mode_reglement: Mapped[str | None] = mapped_column(String(2))  # PES ModRegl
    # Compl 1
    type_pce: Mapped[str | None] = mapped_column(String(2))  # PES TypPce (05 régularisation)
    nat_pce: Mapped[str | None] = mapped_column(String(2))  # PES NatPce
    regularisation: Mapped[bool] = mapped_column(Boolean, default=False)
    sommes_admises: Mapped[bool] = mapped_column(Boolean, default=False)
    motif_sommes_admises: Mapped[str | None] = mapped_column(String(255))
    # Compl 2
    libelle_virement1: Mapped[str | None] = mapped_column(String(100))
    libelle_virement2: Mapped[str | None] = mapped_column(String(100))
    date_echeance: Mapped[date | None]
    compte_tiers: Mapped[str | None] = mapped_column(String(20))
    # Délai/Subv
    dgp_date_suspension: Mapped[date | None]
    dgp_date_reprise: Mapped[date | None]
    dgp_date_echeance: Mapped[date | None]
    dgp_code_interets: Mapped[str | None] = mapped_column(String(2))
    dgp_taux_interets: Mapped[Decimal | None] = mapped_column(Taux())
    subvention: Mapped[bool] = mapped_column(Boolean, default=False)
    # Inventaire
    numero_inventaire: Mapped[str | None] = mapped_column(String(50))
    # Recettes
    code_produit: Mapped[str | None] = mapped_column(String(10))
    type_asap: Mapped[str | None] = mapped_column(String(2))  # 01 | 02 | 04
    saisie_ttc: Mapped[bool] = mapped_column(Boolean, default=True)
    avec_tva: Mapped[bool] = mapped_column(Boolean, default=False)
    references_rattachement: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    cree_le: Mapped[datetime]
    cree_par: Mapped[str] = mapped_column(String(50))

    imputations: Mapped[list[Imputation]] = relationship(
        back_populates="piece", cascade="all, delete-orphan", order_by="Imputation.ordre"
    )


class Imputation(Base):
    __tablename__ = "imputation"
    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("piece.id"), index=True)
    ordre: Mapped[int] = mapped_column(Integer, default=1)
    article: Mapped[str] = mapped_column(String(10))  # code of the budget's nomenclature
    designation: Mapped[str] = mapped_column(String(200), default="")
    fonction: Mapped[str | None] = mapped_column(String(10))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagement.id"))
    montant: Mapped[Decimal]
    montant_ht: Mapped[Decimal | None]
    montant_tva: Mapped[Decimal | None]
    taux_tva: Mapped[Decimal | None] = mapped_column(Taux())
    numero_inventaire: Mapped[str | None] = mapped_column(String(50))

    piece: Mapped[Piece] = relationship(back_populates="imputations")
