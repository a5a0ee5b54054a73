"""The ASAP invoice (avis des sommes à payer) of a titre: its header and its lines.

One ``AsapFacture`` per titre at most, entered in Corail (``origine='saisie'``) or imported from
a billing program (``'import'``). Its PES_Facture XML is a PJ of the titre (``pj_id``: PJ with
``origine='asap'`` and ``type_pj_pes='006'``, linked through ``piece_pj``); for an entered ASAP it
is built once the titre is numbered, since the file references the titre's and its bordereau's
numbers (``ref_*`` keep those the file was built with).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corail.db.base import Base
from corail.db.types import Cents, Taux

SAISIE = "saisie"
IMPORT = "import"


class AsapFacture(Base):
    __tablename__ = "asap_facture"
    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("piece.id", ondelete="CASCADE"), unique=True)
    origine: Mapped[str] = mapped_column(String(10))  # saisie | import
    type_asap: Mapped[str] = mapped_column(String(2))  # the titre's Type ASAP PES when entered
    date_facture: Mapped[date]  # PES_Facture/Date
    date_emission: Mapped[date]  # FactureIndiv/DateEmission (the titre's)
    numero_facture: Mapped[str] = mapped_column(String(50))
    objet: Mapped[str] = mapped_column(String(160))
    montant_ht: Mapped[Decimal]
    montant_tva: Mapped[Decimal]
    montant_ttc: Mapped[Decimal]
    signataire_nom: Mapped[str] = mapped_column(String(38))
    signataire_prenom: Mapped[str] = mapped_column(String(38))
    signataire_fonction: Mapped[str] = mapped_column(String(50))
    mode_recouvrement: Mapped[str] = mapped_column(String(5))  # talon | tip
    # Chorus Pro (ASAP 02): written in the titre's BlocPiece by the PES Aller
    code_service: Mapped[str | None] = mapped_column(String(100))
    numero_engagement: Mapped[str | None] = mapped_column(String(50))
    talon_ligne1: Mapped[str | None] = mapped_column(String(60))
    talon_ligne2: Mapped[str | None] = mapped_column(String(60))
    # the PES_Facture PJ, and the references it was built with (None: to build at numbering)
    pj_id: Mapped[int | None] = mapped_column(ForeignKey("pj.id", ondelete="SET NULL"))
    ref_exercice: Mapped[int | None] = mapped_column(Integer)
    ref_bordereau: Mapped[int | None] = mapped_column(Integer)
    ref_titre: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    cree_le: Mapped[datetime]
    cree_par: Mapped[str] = mapped_column(String(50))

    lignes: Mapped[list[AsapLigne]] = relationship(
        back_populates="facture", cascade="all, delete-orphan", order_by="AsapLigne.ordre")


class AsapLigne(Base):
    __tablename__ = "asap_ligne"
    id: Mapped[int] = mapped_column(primary_key=True)
    asap_id: Mapped[int] = mapped_column(ForeignKey("asap_facture.id", ondelete="CASCADE"),
                                         index=True)
    ordre: Mapped[int] = mapped_column(Integer)
    libelle: Mapped[str] = mapped_column(String(200))
    date_prestation: Mapped[date | None]
    quantite: Mapped[Decimal] = mapped_column(Cents())  # hundredths, like an amount
    prix_unitaire_ht: Mapped[Decimal]
    taux_tva: Mapped[Decimal] = mapped_column(Taux())
    montant_ht: Mapped[Decimal]
    montant_tva: Mapped[Decimal]
    montant_ttc: Mapped[Decimal]

    facture: Mapped[AsapFacture] = relationship(back_populates="lignes")
