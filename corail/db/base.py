"""Declarative base: naming convention (stable constraint names for alembic) and type map."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase

from corail.db.types import Cents, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: Cents(),
        datetime: UTCDateTime(),
        str: String(255),
    }
