"""Pièces jointes: metadata, and their bytes stored once per content in chunk rows (≤ 1 MB).

``PJContenu`` is a content, identified by its sha256 (deduplicated: the same PDF
delivered twice is stored once); its bytes are ``PJChunk`` rows written while the
hash is computed, and read back the same way, so a 40 MB attachment never sits
whole in memory (services/pj.py). ``PJ`` is one attachment of an invoice (or
added by a user) pointing at its content.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from corail.db.base import Base

CHUNK_SIZE = 1024 * 1024


class PJContenu(Base):
    __tablename__ = "pj_contenu"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)  # null while spooling
    taille: Mapped[int] = mapped_column(BigInteger, default=0)
    cree_le: Mapped[datetime]


class PJChunk(Base):
    __tablename__ = "pj_chunk"
    contenu_id: Mapped[int] = mapped_column(
        ForeignKey("pj_contenu.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PJ(Base):
    __tablename__ = "pj"
    id: Mapped[int] = mapped_column(primary_key=True)
    facture_demat_id: Mapped[int | None] = mapped_column(ForeignKey("facture_demat.id"), index=True)
    contenu_id: Mapped[int] = mapped_column(ForeignKey("pj_contenu.id"), index=True)
    numordre: Mapped[int] = mapped_column(Integer, default=1)
    nom: Mapped[str] = mapped_column(String(255))
    nom_origine: Mapped[str | None] = mapped_column(String(255))
    categorie: Mapped[str | None] = mapped_column(String(50))
    type_pj: Mapped[str] = mapped_column(String(2), default="02")  # 01 facture | 02 complémentaire
    # PES_PJ TypePJ (3 digits: 006 PES Facture ASAP…); None: not decided by the PJ itself
    type_pj_pes: Mapped[str | None] = mapped_column(String(3))
    mime: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    mime_declare: Mapped[str | None] = mapped_column(String(100))  # MimeTypePJ of the pivot
    taille: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    origine: Mapped[str] = mapped_column(String(20), default="chorus")  # chorus | utilisateur | asap
    cree_le: Mapped[datetime]
    cree_par: Mapped[str] = mapped_column(String(50))


class PiecePJ(Base):
    """A PJ attached to a mandat or a titre (the invoice's PJ are linked, not copied)."""

    __tablename__ = "piece_pj"
    piece_id: Mapped[int] = mapped_column(ForeignKey("piece.id"), primary_key=True)
    pj_id: Mapped[int] = mapped_column(ForeignKey("pj.id"), primary_key=True)
    ordre: Mapped[int] = mapped_column(Integer, default=1)
