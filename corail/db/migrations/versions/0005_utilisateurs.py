"""Utilisateurs et habilitations

Un seul gestionnaire principal actif par structure (index unique partiel, SQLite et
PostgreSQL), mot de passe (empreinte salée), date de désactivation, journal des gestionnaires.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import corail.db.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_UN_SEUL_GP = "role = 'gestionnaire_principal' AND actif"


def upgrade() -> None:
    op.create_table('journal_gestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=True),
    sa.Column('le', corail.db.types.UTCDateTime(), nullable=False),
    sa.Column('auteur', sa.String(length=50), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('cible', sa.String(length=50), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_journal_gestion_budget_id_budget')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_gestion'))
    )
    op.create_index(op.f('ix_journal_gestion_budget_id'), 'journal_gestion', ['budget_id'], unique=False)
    op.create_index('uq_rattachement_gestionnaire_principal', 'rattachement', ['budget_id'],
                    unique=True, sqlite_where=sa.text(_UN_SEUL_GP),
                    postgresql_where=sa.text(_UN_SEUL_GP))
    with op.batch_alter_table('utilisateur', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_desactivation', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('mot_de_passe', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('utilisateur', schema=None) as batch_op:
        batch_op.drop_column('mot_de_passe')
        batch_op.drop_column('date_desactivation')
    op.drop_index('uq_rattachement_gestionnaire_principal', table_name='rattachement')
    op.drop_index(op.f('ix_journal_gestion_budget_id'), table_name='journal_gestion')
    op.drop_table('journal_gestion')
