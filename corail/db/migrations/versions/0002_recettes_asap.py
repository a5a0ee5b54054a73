"""Recettes : facture ASAP (PES_Facture) des titres

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import corail.db.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asap_facture',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('piece_id', sa.Integer(), nullable=False),
    sa.Column('origine', sa.String(length=10), nullable=False),
    sa.Column('type_asap', sa.String(length=2), nullable=False),
    sa.Column('date_facture', sa.Date(), nullable=False),
    sa.Column('date_emission', sa.Date(), nullable=False),
    sa.Column('numero_facture', sa.String(length=50), nullable=False),
    sa.Column('objet', sa.String(length=160), nullable=False),
    sa.Column('montant_ht', corail.db.types.Cents(), nullable=False),
    sa.Column('montant_tva', corail.db.types.Cents(), nullable=False),
    sa.Column('montant_ttc', corail.db.types.Cents(), nullable=False),
    sa.Column('signataire_nom', sa.String(length=38), nullable=False),
    sa.Column('signataire_prenom', sa.String(length=38), nullable=False),
    sa.Column('signataire_fonction', sa.String(length=50), nullable=False),
    sa.Column('mode_recouvrement', sa.String(length=5), nullable=False),
    sa.Column('code_service', sa.String(length=100), nullable=True),
    sa.Column('numero_engagement', sa.String(length=50), nullable=True),
    sa.Column('talon_ligne1', sa.String(length=60), nullable=True),
    sa.Column('talon_ligne2', sa.String(length=60), nullable=True),
    sa.Column('pj_id', sa.Integer(), nullable=True),
    sa.Column('ref_exercice', sa.Integer(), nullable=True),
    sa.Column('ref_bordereau', sa.Integer(), nullable=True),
    sa.Column('ref_titre', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('cree_le', corail.db.types.UTCDateTime(), nullable=False),
    sa.Column('cree_par', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['piece_id'], ['piece.id'], name=op.f('fk_asap_facture_piece_id_piece'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pj_id'], ['pj.id'], name=op.f('fk_asap_facture_pj_id_pj'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asap_facture')),
    sa.UniqueConstraint('piece_id', name=op.f('uq_asap_facture_piece_id'))
    )
    op.create_table('asap_ligne',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asap_id', sa.Integer(), nullable=False),
    sa.Column('ordre', sa.Integer(), nullable=False),
    sa.Column('libelle', sa.String(length=200), nullable=False),
    sa.Column('date_prestation', sa.Date(), nullable=True),
    sa.Column('quantite', corail.db.types.Cents(), nullable=False),
    sa.Column('prix_unitaire_ht', corail.db.types.Cents(), nullable=False),
    sa.Column('taux_tva', corail.db.types.Taux(), nullable=False),
    sa.Column('montant_ht', corail.db.types.Cents(), nullable=False),
    sa.Column('montant_tva', corail.db.types.Cents(), nullable=False),
    sa.Column('montant_ttc', corail.db.types.Cents(), nullable=False),
    sa.ForeignKeyConstraint(['asap_id'], ['asap_facture.id'], name=op.f('fk_asap_ligne_asap_id_asap_facture'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asap_ligne'))
    )
    op.create_index(op.f('ix_asap_ligne_asap_id'), 'asap_ligne', ['asap_id'], unique=False)
    # PES_PJ TypePJ of a PJ (006: the PES_Facture of an ASAP), read by the PES Aller writer
    with op.batch_alter_table('pj') as batch:
        batch.add_column(sa.Column('type_pj_pes', sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pj') as batch:
        batch.drop_column('type_pj_pes')
    op.drop_index(op.f('ix_asap_ligne_asap_id'), table_name='asap_ligne')
    op.drop_table('asap_ligne')
    op.drop_table('asap_facture')
