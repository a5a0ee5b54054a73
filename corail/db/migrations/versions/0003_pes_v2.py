"""PES V2 : fichiers PES Aller, acquittements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import corail.db.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pes_aller',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('nom_fichier', sa.String(length=255), nullable=False),
    sa.Column('chemin', sa.Text(), nullable=False),
    sa.Column('nom_fic', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('taille', sa.BigInteger(), nullable=False),
    sa.Column('date_str', sa.Date(), nullable=False),
    sa.Column('nb_bordereaux', sa.Integer(), nullable=False),
    sa.Column('nb_pieces', sa.Integer(), nullable=False),
    sa.Column('nb_pj', sa.Integer(), nullable=False),
    sa.Column('montant', corail.db.types.Cents(), nullable=False),
    sa.Column('etat', sa.String(length=20), nullable=False),
    sa.Column('genere_le', corail.db.types.UTCDateTime(), nullable=False),
    sa.Column('genere_par', sa.String(length=50), nullable=False),
    sa.Column('acquitte_le', corail.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_pes_aller_budget_id_budget')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pes_aller')),
    sa.UniqueConstraint('nom_fic', name=op.f('uq_pes_aller_nom_fic'))
    )
    op.create_index(op.f('ix_pes_aller_budget_id'), 'pes_aller', ['budget_id'], unique=False)
    op.create_index(op.f('ix_pes_aller_etat'), 'pes_aller', ['etat'], unique=False)
    op.create_index(op.f('ix_pes_aller_genere_le'), 'pes_aller', ['genere_le'], unique=False)
    op.create_index(op.f('ix_pes_aller_sha256'), 'pes_aller', ['sha256'], unique=False)
    op.create_table('pes_acquittement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pes_aller_id', sa.Integer(), nullable=False),
    sa.Column('nom_fichier', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('taille', sa.BigInteger(), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('nom_fic', sa.String(length=100), nullable=False),
    sa.Column('etat', sa.String(length=20), nullable=False),
    sa.Column('nb_acceptes', sa.Integer(), nullable=False),
    sa.Column('nb_rejetes', sa.Integer(), nullable=False),
    sa.Column('motif', sa.Text(), nullable=True),
    sa.Column('importe_le', corail.db.types.UTCDateTime(), nullable=False),
    sa.Column('importe_par', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['pes_aller_id'], ['pes_aller.id'], name=op.f('fk_pes_acquittement_pes_aller_id_pes_aller')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pes_acquittement')),
    sa.UniqueConstraint('sha256', name=op.f('uq_pes_acquittement_sha256'))
    )
    op.create_index(op.f('ix_pes_acquittement_etat'), 'pes_acquittement', ['etat'], unique=False)
    op.create_index(op.f('ix_pes_acquittement_importe_le'), 'pes_acquittement', ['importe_le'], unique=False)
    op.create_index(op.f('ix_pes_acquittement_pes_aller_id'), 'pes_acquittement', ['pes_aller_id'], unique=False)
    op.create_table('pes_aller_bordereau',
    sa.Column('pes_aller_id', sa.Integer(), nullable=False),
    sa.Column('bordereau_id', sa.Integer(), nullable=False),
    sa.Column('ordre', sa.Integer(), nullable=False),
    sa.Column('type_piece', sa.String(length=10), nullable=False),
    sa.Column('annee', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('type_bord', sa.String(length=2), nullable=False),
    sa.Column('nb_pieces', sa.Integer(), nullable=False),
    sa.Column('montant', corail.db.types.Cents(), nullable=False),
    sa.Column('etat', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['bordereau_id'], ['bordereau.id'], name=op.f('fk_pes_aller_bordereau_bordereau_id_bordereau')),
    sa.ForeignKeyConstraint(['pes_aller_id'], ['pes_aller.id'], name=op.f('fk_pes_aller_bordereau_pes_aller_id_pes_aller')),
    sa.PrimaryKeyConstraint('pes_aller_id', 'bordereau_id', name=op.f('pk_pes_aller_bordereau'))
    )
    op.create_index(op.f('ix_pes_aller_bordereau_bordereau_id'), 'pes_aller_bordereau', ['bordereau_id'], unique=False)
    op.create_table('pes_aller_pj',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pes_aller_id', sa.Integer(), nullable=False),
    sa.Column('id_unique', sa.String(length=50), nullable=False),
    sa.Column('pj_id', sa.Integer(), nullable=True),
    sa.Column('piece_id', sa.Integer(), nullable=True),
    sa.Column('nom_pj', sa.String(length=255), nullable=False),
    sa.Column('type_pj', sa.String(length=3), nullable=False),
    sa.Column('taille', sa.BigInteger(), nullable=False),
    sa.Column('etat', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['pes_aller_id'], ['pes_aller.id'], name=op.f('fk_pes_aller_pj_pes_aller_id_pes_aller')),
    sa.ForeignKeyConstraint(['piece_id'], ['piece.id'], name=op.f('fk_pes_aller_pj_piece_id_piece')),
    sa.ForeignKeyConstraint(['pj_id'], ['pj.id'], name=op.f('fk_pes_aller_pj_pj_id_pj')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pes_aller_pj')),
    sa.UniqueConstraint('id_unique', name=op.f('uq_pes_aller_pj_id_unique'))
    )
    op.create_index(op.f('ix_pes_aller_pj_pes_aller_id'), 'pes_aller_pj', ['pes_aller_id'], unique=False)
    op.create_index(op.f('ix_pes_aller_pj_piece_id'), 'pes_aller_pj', ['piece_id'], unique=False)
    op.create_index(op.f('ix_pes_aller_pj_pj_id'), 'pes_aller_pj', ['pj_id'], unique=False)
    op.create_table('pes_acquittement_erreur',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acquittement_id', sa.Integer(), nullable=False),
    sa.Column('domaine', sa.String(length=2), nullable=True),
    sa.Column('bordereau_id', sa.Integer(), nullable=True),
    sa.Column('piece_id', sa.Integer(), nullable=True),
    sa.Column('pes_aller_pj_id', sa.Integer(), nullable=True),
    sa.Column('exercice', sa.Integer(), nullable=True),
    sa.Column('numero_bordereau', sa.String(length=20), nullable=True),
    sa.Column('numero_piece', sa.String(length=20), nullable=True),
    sa.Column('numero_ligne', sa.String(length=10), nullable=True),
    sa.Column('id_unique', sa.String(length=50), nullable=True),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('libelle', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['acquittement_id'], ['pes_acquittement.id'], name=op.f('fk_pes_acquittement_erreur_acquittement_id_pes_acquittement')),
    sa.ForeignKeyConstraint(['bordereau_id'], ['bordereau.id'], name=op.f('fk_pes_acquittement_erreur_bordereau_id_bordereau')),
    sa.ForeignKeyConstraint(['pes_aller_pj_id'], ['pes_aller_pj.id'], name=op.f('fk_pes_acquittement_erreur_pes_aller_pj_id_pes_aller_pj')),
    sa.ForeignKeyConstraint(['piece_id'], ['piece.id'], name=op.f('fk_pes_acquittement_erreur_piece_id_piece')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pes_acquittement_erreur'))
    )
    op.create_index(op.f('ix_pes_acquittement_erreur_acquittement_id'), 'pes_acquittement_erreur', ['acquittement_id'], unique=False)
    op.create_index(op.f('ix_pes_acquittement_erreur_bordereau_id'), 'pes_acquittement_erreur', ['bordereau_id'], unique=False)
    op.create_index(op.f('ix_pes_acquittement_erreur_pes_aller_pj_id'), 'pes_acquittement_erreur', ['pes_aller_pj_id'], unique=False)
    op.create_index(op.f('ix_pes_acquittement_erreur_piece_id'), 'pes_acquittement_erreur', ['piece_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pes_acquittement_erreur_piece_id'), table_name='pes_acquittement_erreur')
    op.drop_index(op.f('ix_pes_acquittement_erreur_pes_aller_pj_id'), table_name='pes_acquittement_erreur')
    op.drop_index(op.f('ix_pes_acquittement_erreur_bordereau_id'), table_name='pes_acquittement_erreur')
    op.drop_index(op.f('ix_pes_acquittement_erreur_acquittement_id'), table_name='pes_acquittement_erreur')
    op.drop_table('pes_acquittement_erreur')
    op.drop_index(op.f('ix_pes_aller_pj_pj_id'), table_name='pes_aller_pj')
    op.drop_index(op.f('ix_pes_aller_pj_piece_id'), table_name='pes_aller_pj')
    op.drop_index(op.f('ix_pes_aller_pj_pes_aller_id'), table_name='pes_aller_pj')
    op.drop_table('pes_aller_pj')
    op.drop_index(op.f('ix_pes_aller_bordereau_bordereau_id'), table_name='pes_aller_bordereau')
    op.drop_table('pes_aller_bordereau')
    op.drop_index(op.f('ix_pes_acquittement_pes_aller_id'), table_name='pes_acquittement')
    op.drop_index(op.f('ix_pes_acquittement_importe_le'), table_name='pes_acquittement')
    op.drop_index(op.f('ix_pes_acquittement_etat'), table_name='pes_acquittement')
    op.drop_table('pes_acquittement')
    op.drop_index(op.f('ix_pes_aller_sha256'), table_name='pes_aller')
    op.drop_index(op.f('ix_pes_aller_genere_le'), table_name='pes_aller')
    op.drop_index(op.f('ix_pes_aller_etat'), table_name='pes_aller')
    op.drop_index(op.f('ix_pes_aller_budget_id'), table_name='pes_aller')
    op.drop_table('pes_aller')
