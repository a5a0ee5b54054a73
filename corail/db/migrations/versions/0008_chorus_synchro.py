"""Synchronisation Chorus Pro : table ``synchro_chorus``

One row per Chorus Pro structure (collectivité + SIRET): the synchronisation running now (its
token, user, machine, pid and last step), the invoices downloaded but not yet integrated
(``a_integrer``, JSON list of Chorus Pro ids) and the end of the last complete one. It lets the
synchronisation work in short transactions between its network calls (corail/chorus/synchro.py).

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
    op.create_table(
        'synchro_chorus',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('collectivite_id', sa.Integer(), nullable=False),
        sa.Column('siret', sa.String(length=14), nullable=False),
        sa.Column('jeton', sa.String(length=32), nullable=True),
        sa.Column('utilisateur', sa.String(length=50), nullable=True),
        sa.Column('machine', sa.String(length=100), nullable=True),
        sa.Column('pid', sa.Integer(), nullable=True),
        sa.Column('vu_le', corail.db.types.UTCDateTime(), nullable=True),
        sa.Column('a_integrer', sa.Text(), server_default='[]', nullable=False),
        sa.Column('terminee_le', corail.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['collectivite_id'], ['collectivite.id'],
                                name=op.f('fk_synchro_chorus_collectivite_id_collectivite')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_synchro_chorus')),
        sa.UniqueConstraint('collectivite_id', 'siret',
                            name=op.f('uq_synchro_chorus_collectivite_id_siret')),
    )


def downgrade() -> None:
    op.drop_table('synchro_chorus')
