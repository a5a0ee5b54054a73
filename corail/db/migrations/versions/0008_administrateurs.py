"""Administrateurs déclarés

Aucune opération de schéma : les administrateurs de la base (``services/administrateurs.py``,
``corail users admin list|ajouter|retirer``) sont la colonne ``utilisateur.administrateur``,
présente depuis 0001 ; qui les a déclarés ou retirés, quand et pourquoi est écrit dans
``journal_gestion`` (0005, actions ``ajout_administrateur`` / ``retrait_administrateur``).
La révision reste, vide, pour garder la chaîne 0007 → 0008 → 0009.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import corail.db.types  # noqa: F401

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # nothing to change: see the docstring


def downgrade() -> None:
    pass
