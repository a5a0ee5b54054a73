"""Flux pivots read, their factures dématérialisées, étapes and Chorus Pro statuses."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corail.db.base import Base
from corail.domain.etats import EnvoiStatut, EtatFactureDemat, EtatFlux


class Flux(Base):
    """A pivot file read (Lecture). ``sha256`` of its bytes refuses reading it twice."""

    __tablename__ = "flux"
    __table_args__ = (  # Suivi démat: the collectivité's flux by reading date (migration 0006)
        Index("ix_flux_collectivite_lu_le", "collectivite_id", "lu_le"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    collectivite_id: Mapped[int] = mapped_column(ForeignKey("collectivite.id"))
    nom_fichier: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    taille: Mapped[int] = mapped_column(BigInteger)
    id_flx: Mapped[str | None] = mapped_column(String(100))
    date_production: Mapped[date | None]
    version: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20), default="fichier")  # fichier | api
    etat: Mapped[str] = mapped_column(String(20), default=EtatFlux.LU, index=True)
    nb_factures: Mapped[int] = mapped_column(Integer, default=0)
    lu_le: Mapped[datetime] = mapped_column(index=True)
    lu_par: Mapped[str] = mapped_column(String(50))

    factures: Mapped[list[FactureDemat]] = relationship(
        back_populates="flux", order_by="FactureDemat.numordre"
    )


class FactureDemat(Base):
    """One invoice of a flux, as Chorus Pro delivered it (amounts rounded to the cent)."""

    __tablename__ = "facture_demat"
    # Suivi démat (migration 0006): each search criterion leads through an index that also holds
    # flux, budget and état, so a search never reads the table rows it does not show
    __table_args__ = (
        # …and its amount (0007): a flux's invoices probed on état and amount in the index alone
        Index("ix_facture_demat_flux_etat", "flux_id", "etat", "budget_id", "montant_ttc"),
        Index("ix_facture_demat_montant_ttc_flux", "montant_ttc", "flux_id", "budget_id", "etat"),
        Index("ix_facture_demat_fournisseur_flux", "fournisseur_raison_sociale", "flux_id",
              "budget_id", "etat"),
        # the beginning of a number (LIKE 'x%', GLOB 'x*') whatever PostgreSQL's collation
        Index("ix_facture_demat_numero", "numero", postgresql_ops={"numero": "text_pattern_ops"}),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    flux_id: Mapped[int] = mapped_column(ForeignKey("flux.id"))
    numordre: Mapped[int] = mapped_column(Integer, default=1)
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("budget.id"), index=True)
    etat: Mapped[str] = mapped_column(String(20), default=EtatFactureDemat.A_TRAITER, index=True)
    anomalie: Mapped[str | None] = mapped_column(Text)
    code_anomalie: Mapped[str | None] = mapped_column(String(20))  # destinataire | montants | doublon
    # DonneesFacture
    numero: Mapped[str] = mapped_column(String(50))
    id_cpro: Mapped[int | None] = mapped_column(BigInteger, index=True)
    renvoi: Mapped[str | None] = mapped_column(String(20))
    id_facture_origine: Mapped[str | None] = mapped_column(String(50))
    type_facture: Mapped[str] = mapped_column(String(10))  # facture | avoir
    cadre: Mapped[str | None] = mapped_column(String(5))
    date_emission: Mapped[date]
    date_reception: Mapped[date] = mapped_column(index=True)
    date_livraison: Mapped[date | None]
    mode_paiement_code: Mapped[str | None] = mapped_column(String(2))
    mode_paiement_libelle: Mapped[str | None] = mapped_column(String(100))
    devise: Mapped[str] = mapped_column(String(3), default="EUR")
    montant_ht: Mapped[Decimal]
    montant_ttc: Mapped[Decimal]
    montant_net: Mapped[Decimal]
    numero_marche: Mapped[str | None] = mapped_column(String(50))
    numero_engagement: Mapped[str | None] = mapped_column(String(50))
    # Fournisseur
    fournisseur_type_identifiant: Mapped[str] = mapped_column(String(2))
    fournisseur_identifiant: Mapped[str] = mapped_column(String(50), index=True)
    fournisseur_raison_sociale: Mapped[str] = mapped_column(String(255))
    fournisseur_code_pays: Mapped[str | None] = mapped_column(String(2))
    reference_bancaire_type: Mapped[str | None] = mapped_column(String(4))
    reference_bancaire_compte: Mapped[str | None] = mapped_column(String(50))
    reference_bancaire_etablissement: Mapped[str | None] = mapped_column(String(100))
    mode_emission: Mapped[str | None] = mapped_column(String(20))
    # Debiteur
    debiteur_identifiant: Mapped[str] = mapped_column(String(14))
    debiteur_nom: Mapped[str | None] = mapped_column(String(255))
    code_service: Mapped[str | None] = mapped_column(String(100))
    nom_service: Mapped[str | None] = mapped_column(String(255))
    # what we did with it
    tiers_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    motif_rejet: Mapped[str | None] = mapped_column(String(255))
    complement_rejet: Mapped[str | None] = mapped_column(String(255))
    code_rejet: Mapped[str | None] = mapped_column(String(20))
    # a Renvoi (Complétée / Recyclée) is linked to its earlier delivery
    facture_precedente_id: Mapped[int | None] = mapped_column(ForeignKey("facture_demat.id"))

    flux: Mapped[Flux] = relationship(back_populates="factures")
    facture_precedente: Mapped[FactureDemat | None] = relationship(remote_side="FactureDemat.id")
    tvas: Mapped[list[FactureDematTva]] = relationship(
        cascade="all, delete-orphan", order_by="FactureDematTva.id"
    )
    lignes: Mapped[list[FactureDematLigne]] = relationship(
        cascade="all, delete-orphan", order_by="FactureDematLigne.numordre"
    )
    etapes: Mapped[list[EtapeFacture]] = relationship(
        back_populates="facture_demat", order_by="EtapeFacture.id"
    )


class FournisseurNom(Base):
    """Each raison sociale of the invoices received (``facture_demat.fournisseur_raison_sociale``),
    once, with its folded form (``texte.plier``: lower case, no accents). Written with the
    invoices (``services/flux.py``, migration 0009 for those before): the Suivi démat's supplier
    search reads these few thousand rows instead of the names of every invoice."""

    __tablename__ = "fournisseur_nom"
    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(255), unique=True)
    nom_plie: Mapped[str] = mapped_column(Text)  # may be longer: « ß » folds to « ss »


class FactureDematTva(Base):
    __tablename__ = "facture_demat_tva"
    id: Mapped[int] = mapped_column(primary_key=True)
    facture_demat_id: Mapped[int] = mapped_column(ForeignKey("facture_demat.id"), index=True)
    taux: Mapped[str] = mapped_column(String(20))  # as written in the pivot (5.5 or 0.021)
    base_ht: Mapped[Decimal]
    montant_tva: Mapped[Decimal]


class FactureDematLigne(Base):
    __tablename__ = "facture_demat_ligne"
    id: Mapped[int] = mapped_column(primary_key=True)
    facture_demat_id: Mapped[int] = mapped_column(ForeignKey("facture_demat.id"), index=True)
    numordre: Mapped[int] = mapped_column(Integer)
    reference_produit: Mapped[str | None] = mapped_column(String(100))
    prix_unitaire: Mapped[str] = mapped_column(String(30))  # exact text: up to 6 decimals
    quantite: Mapped[str] = mapped_column(String(30))
    montant_ht: Mapped[Decimal]
    taux_tva: Mapped[str | None] = mapped_column(String(20))


class EtapeFacture(Base):
    """An étape in an invoice's (or a pièce's) history: date, étape, complément, user."""

    __tablename__ = "etape"
    id: Mapped[int] = mapped_column(primary_key=True)
    facture_demat_id: Mapped[int | None] = mapped_column(ForeignKey("facture_demat.id"), index=True)
    piece_id: Mapped[int | None] = mapped_column(ForeignKey("piece.id"), index=True)
    horodatage: Mapped[datetime]
    etape: Mapped[str] = mapped_column(String(30))
    complement: Mapped[str | None] = mapped_column(Text)
    utilisateur: Mapped[str] = mapped_column(String(50))

    facture_demat: Mapped[FactureDemat | None] = relationship(back_populates="etapes")


class StatutChorus(Base):
    """A status to set (or set) in Chorus Pro for a received invoice."""

    __tablename__ = "statut_chorus"
    id: Mapped[int] = mapped_column(primary_key=True)
    facture_demat_id: Mapped[int] = mapped_column(ForeignKey("facture_demat.id"), index=True)
    code: Mapped[str] = mapped_column(String(2))  # 01..12, formats-chorus-pro.md §2.2
    motif: Mapped[str | None] = mapped_column(String(255))
    numero_mandat: Mapped[str | None] = mapped_column(String(50))
    horodatage: Mapped[datetime]
    envoi: Mapped[str] = mapped_column(String(20), default=EnvoiStatut.A_TRANSMETTRE, index=True)
    mode: Mapped[str | None] = mapped_column(String(10))  # portail | service
    transmis_le: Mapped[datetime | None]
    message: Mapped[str | None] = mapped_column(Text)
    utilisateur: Mapped[str] = mapped_column(String(50))
    # migration 0004: who set it (corail, or chorus = read from Chorus Pro's history, e.g. by
    # Hélios), the history line's id there, failed sends, and the CPPStatut file it went into
    origine: Mapped[str] = mapped_column(String(10), default="corail", server_default="corail")
    id_historique: Mapped[int | None] = mapped_column(BigInteger)
    tentatives: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fichier: Mapped[str | None] = mapped_column(String(255))
    exporte_le: Mapped[datetime | None]
