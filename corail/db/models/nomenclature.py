"""Nomenclature (M57 by default): chapitres, articles, fonctions; a budget's opérations and services."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from corail.db.base import Base


class Chapitre(Base):
    __tablename__ = "chapitre"
    __table_args__ = (UniqueConstraint("nomenclature", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    nomenclature: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(10))
    libelle: Mapped[str] = mapped_column(String(200))
    section: Mapped[str] = mapped_column(String(1))  # F fonctionnement | I investissement


class Article(Base):
    """An article (compte par nature) at its voted level."""

    __tablename__ = "article"
    __table_args__ = (UniqueConstraint("nomenclature", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    nomenclature: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(10), index=True)
    libelle: Mapped[str] = mapped_column(String(200))
    chapitre: Mapped[str] = mapped_column(String(10))
    section: Mapped[str] = mapped_column(String(1))
    sens: Mapped[str] = mapped_column(String(2))  # D | R | DR
    niveau: Mapped[int] = mapped_column(Integer)


class Fonction(Base):
    __tablename__ = "fonction"
    __table_args__ = (UniqueConstraint("nomenclature", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    nomenclature: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(10))
    libelle: Mapped[str] = mapped_column(String(200))
    niveau: Mapped[int] = mapped_column(Integer)


class ArticleBudget(Base):
    """An article marked as used by a budget (Environnement › Nomenclature)."""

    __tablename__ = "article_budget"
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), primary_key=True)


class Operation(Base):
    """An equipment operation number (investment)."""

    __tablename__ = "operation"
    __table_args__ = (UniqueConstraint("budget_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    code: Mapped[str] = mapped_column(String(20))
    libelle: Mapped[str] = mapped_column(String(200))
    actif: Mapped[bool] = mapped_column(Boolean, default=True)


class Service(Base):
    """An internal service (analytic axis of an imputation)."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("budget_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    code: Mapped[str] = mapped_column(String(20))
    libelle: Mapped[str] = mapped_column(String(200))
    actif: Mapped[bool] = mapped_column(Boolean, default=True)
