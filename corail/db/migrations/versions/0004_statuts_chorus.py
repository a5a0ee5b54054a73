"""Statuts Chorus Pro : historique et mode service

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import corail.db.types  # noqa: F401

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statut_chorus', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origine', sa.String(length=10), server_default='corail',
                                      nullable=False))
        batch_op.add_column(sa.Column('id_historique', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('tentatives', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('fichier', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('exporte_le', corail.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('statut_chorus', schema=None) as batch_op:
        batch_op.drop_column('exporte_le')
        batch_op.drop_column('fichier')
        batch_op.drop_column('tentatives')
        batch_op.drop_column('id_historique')
        batch_op.drop_column('origine')
