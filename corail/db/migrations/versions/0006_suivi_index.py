"""Suivi démat : index de recherche

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

The Facture démat search (services/suivi.py) leads each criterion through an index that also
holds the flux, the budget and the état: the collectivité's flux by reading date, the
invoices by flux and état, by amount, by supplier's name, by number (``text_pattern_ops`` on
PostgreSQL so that ``LIKE 'x%'`` uses it whatever the database's collation). The composite
indexes replace the single-column ones they start with.
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

import corail.db.types  # noqa: F401

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(op.f('ix_flux_collectivite_id'), table_name='flux')
    op.create_index('ix_flux_collectivite_lu_le', 'flux', ['collectivite_id', 'lu_le'], unique=False)
    op.drop_index(op.f('ix_facture_demat_flux_id'), table_name='facture_demat')
    op.drop_index(op.f('ix_facture_demat_fournisseur_raison_sociale'), table_name='facture_demat')
    op.drop_index(op.f('ix_facture_demat_montant_ttc'), table_name='facture_demat')
    op.drop_index(op.f('ix_facture_demat_numero'), table_name='facture_demat')
    op.create_index('ix_facture_demat_flux_etat', 'facture_demat',
                    ['flux_id', 'etat', 'budget_id'], unique=False)
    op.create_index('ix_facture_demat_fournisseur_flux', 'facture_demat',
                    ['fournisseur_raison_sociale', 'flux_id', 'budget_id', 'etat'], unique=False)
    op.create_index('ix_facture_demat_montant_ttc_flux', 'facture_demat',
                    ['montant_ttc', 'flux_id', 'budget_id', 'etat'], unique=False)
    op.create_index('ix_facture_demat_numero', 'facture_demat', ['numero'], unique=False,
                    postgresql_ops={'numero': 'text_pattern_ops'})


def downgrade() -> None:
    op.drop_index('ix_facture_demat_numero', table_name='facture_demat')
    op.create_index(op.f('ix_facture_demat_numero'), 'facture_demat', ['numero'], unique=False)
    op.drop_index('ix_facture_demat_montant_ttc_flux', table_name='facture_demat')
    op.drop_index('ix_facture_demat_fournisseur_flux', table_name='facture_demat')
    op.drop_index('ix_facture_demat_flux_etat', table_name='facture_demat')
    op.create_index(op.f('ix_facture_demat_montant_ttc'), 'facture_demat', ['montant_ttc'],
                    unique=False)
    op.create_index(op.f('ix_facture_demat_fournisseur_raison_sociale'), 'facture_demat',
                    ['fournisseur_raison_sociale'], unique=False)
    op.create_index(op.f('ix_facture_demat_flux_id'), 'facture_demat', ['flux_id'], unique=False)
    op.drop_index('ix_flux_collectivite_lu_le', table_name='flux')
    op.create_index(op.f('ix_flux_collectivite_id'), 'flux', ['collectivite_id'], unique=False)
