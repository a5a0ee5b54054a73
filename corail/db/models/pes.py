"""PES V2: PES Aller files sent to Hélios, the PJ they carried, and the acquittements back.

``PesAller`` is one generated file (its Enveloppe NomFic is unique); ``PesAllerBordereau``
links it to the bordereaux it carried (with the amounts sent, and each bordereau's
result); ``PesAllerPJ`` is one PES_PJ of the file, whose ``id_unique`` is never reused.
``PesAcquittement`` is an acquittement read (PES_ACQUIT v2 or the older PES_Acquit /
PES_NonAcquit), matched to its PES Aller by NomFic; its sha256 refuses reading it twice.
``PesAcquittementErreur`` is one error it reported, linked to the bordereau, the pièce
(mandat or titre) or the PJ concerned when they are known.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corail.db.base import Base
from corail.domain.etats import EtatPesAller


class PesAller(Base):
    __tablename__ = "pes_aller"
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), index=True)
    nom_fichier: Mapped[str] = mapped_column(String(255))  # file name written on disk
    chemin: Mapped[str] = mapped_column(Text)  # full path where it was written
    nom_fic: Mapped[str] = mapped_column(String(100), unique=True)  # Enveloppe/Parametres/NomFic
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    taille: Mapped[int] = mapped_column(BigInteger)
    date_str: Mapped[date]  # EnTetePES/DteStr
    nb_bordereaux: Mapped[int] = mapped_column(Integer)
    nb_pieces: Mapped[int] = mapped_column(Integer)
    nb_pj: Mapped[int] = mapped_column(Integer, default=0)
    montant: Mapped[Decimal]  # Σ of the bordereaux' amounts (mandats and titres alike)
    etat: Mapped[str] = mapped_column(String(20), default=EtatPesAller.TRANSMIS, index=True)
    genere_le: Mapped[datetime] = mapped_column(index=True)
    genere_par: Mapped[str] = mapped_column(String(50))
    acquitte_le: Mapped[datetime | None]

    bordereaux: Mapped[list[PesAllerBordereau]] = relationship(
        back_populates="pes_aller", cascade="all, delete-orphan", order_by="PesAllerBordereau.ordre")


class PesAllerBordereau(Base):
    """A bordereau carried by a PES Aller, as it was sent, and its acquittement result."""

    __tablename__ = "pes_aller_bordereau"
    pes_aller_id: Mapped[int] = mapped_column(ForeignKey("pes_aller.id"), primary_key=True)
    bordereau_id: Mapped[int] = mapped_column(ForeignKey("bordereau.id"), primary_key=True,
                                              index=True)
    ordre: Mapped[int] = mapped_column(Integer, default=1)
    type_piece: Mapped[str] = mapped_column(String(10))  # mandat | titre
    annee: Mapped[int] = mapped_column(Integer)  # Exer
    numero: Mapped[int] = mapped_column(Integer)  # IdBord
    type_bord: Mapped[str] = mapped_column(String(2))
    nb_pieces: Mapped[int] = mapped_column(Integer)
    montant: Mapped[Decimal]
    etat: Mapped[str] = mapped_column(String(20), default=EtatPesAller.TRANSMIS)

    pes_aller: Mapped[PesAller] = relationship(back_populates="bordereaux")


class PesAllerPJ(Base):
    """A PES_PJ of a PES Aller: ``id_unique`` (IdUnique) is unique forever."""

    __tablename__ = "pes_aller_pj"
    id: Mapped[int] = mapped_column(primary_key=True)
    pes_aller_id: Mapped[int] = mapped_column(ForeignKey("pes_aller.id"), index=True)
    id_unique: Mapped[str] = mapped_column(String(50), unique=True)
    pj_id: Mapped[int | None] = mapped_column(ForeignKey("pj.id"), index=True)
    piece_id: Mapped[int | None] = mapped_column(ForeignKey("piece.id"), index=True)
    nom_pj: Mapped[str] = mapped_column(String(255))
    type_pj: Mapped[str] = mapped_column(String(3))  # TypePJ: 003 dépense, 002 recette, 006 facture
    taille: Mapped[int] = mapped_column(BigInteger, default=0)
    etat: Mapped[str] = mapped_column(String(20), default=EtatPesAller.TRANSMIS)


class PesAcquittement(Base):
    __tablename__ = "pes_acquittement"
    id: Mapped[int] = mapped_column(primary_key=True)
    pes_aller_id: Mapped[int] = mapped_column(ForeignKey("pes_aller.id"), index=True)
    nom_fichier: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    taille: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(20))  # PES_ACQUIT | PES_Acquit | PES_NonAcquit
    nom_fic: Mapped[str] = mapped_column(String(100))  # NomFic of the PES Aller acknowledged
    etat: Mapped[str] = mapped_column(String(20), index=True)  # accepte | rejete | accepte_partiel
    nb_acceptes: Mapped[int] = mapped_column(Integer, default=0)
    nb_rejetes: Mapped[int] = mapped_column(Integer, default=0)
    motif: Mapped[str | None] = mapped_column(Text)  # PES_NonAcquit/Motif
    importe_le: Mapped[datetime] = mapped_column(index=True)
    importe_par: Mapped[str] = mapped_column(String(50))

    erreurs: Mapped[list[PesAcquittementErreur]] = relationship(
        back_populates="acquittement", cascade="all, delete-orphan",
        order_by="PesAcquittementErreur.id")


class PesAcquittementErreur(Base):
    """An error of an acquittement: on the file, a bordereau, a pièce, a line or a PJ."""

    __tablename__ = "pes_acquittement_erreur"
    id: Mapped[int] = mapped_column(primary_key=True)
    acquittement_id: Mapped[int] = mapped_column(ForeignKey("pes_acquittement.id"), index=True)
    domaine: Mapped[str | None] = mapped_column(String(2))  # DomaineAck
    bordereau_id: Mapped[int | None] = mapped_column(ForeignKey("bordereau.id"), index=True)
    piece_id: Mapped[int | None] = mapped_column(ForeignKey("piece.id"), index=True)
    pes_aller_pj_id: Mapped[int | None] = mapped_column(ForeignKey("pes_aller_pj.id"), index=True)
    exercice: Mapped[int | None] = mapped_column(Integer)  # ExerciceBord
    numero_bordereau: Mapped[str | None] = mapped_column(String(20))  # NumBord
    numero_piece: Mapped[str | None] = mapped_column(String(20))  # NumPiece
    numero_ligne: Mapped[str | None] = mapped_column(String(10))  # NumLigne
    id_unique: Mapped[str | None] = mapped_column(String(50))  # IdUnique of a PJ
    code: Mapped[str] = mapped_column(String(100))  # NumAnoAck
    libelle: Mapped[str] = mapped_column(Text, default="")  # LibelleAnoAck

    acquittement: Mapped[PesAcquittement] = relationship(back_populates="erreurs")
