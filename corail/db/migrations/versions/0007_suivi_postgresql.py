"""Suivi démat : recherche sur PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

The Facture démat search (services/suivi.py) probes each flux of a date range for an invoice
of an état and an amount: ``ix_facture_demat_flux_etat`` (flux, état, budget) gains the TTC
amount, so that the probe reads the index alone. Without it PostgreSQL, counting a heap visit
per probe, led such a search by the amount index instead (half the invoices scanned for
« montant ≥ 500 »; the benchmark's « dates + état + montant » statement ran 29.7 ms instead of
3.9 ms in EXPLAIN ANALYZE). On SQLite the index merely grows by a column.
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

import corail.db.types  # noqa: F401

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_facture_demat_flux_etat', table_name='facture_demat')
    op.create_index('ix_facture_demat_flux_etat', 'facture_demat',
                    ['flux_id', 'etat', 'budget_id', 'montant_ttc'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_facture_demat_flux_etat', table_name='facture_demat')
    op.create_index('ix_facture_demat_flux_etat', 'facture_demat',
                    ['flux_id', 'etat', 'budget_id'], unique=False)
