"""Suivi démat : les raisons sociales des fournisseurs, une fois chacune

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

The Suivi démat's supplier criterion (``services/suivi.fournisseurs_correspondants``) looked
for the names holding the words typed (accents and case ignored) among the distinct names of
every invoice: one index descent per distinct name, 13 ms on PostgreSQL for 2,000 suppliers
at each search. ``fournisseur_nom`` keeps each name once with its folded form
(``corail.texte.plier``), written with the invoices by ``services/flux.py``; filled here from
the invoices already read.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import corail.db.types  # noqa: F401
from corail.texte import plier

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'fournisseur_nom',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nom', sa.String(length=255), nullable=False),
        sa.Column('nom_plie', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fournisseur_nom')),
        sa.UniqueConstraint('nom', name=op.f('uq_fournisseur_nom_nom')),
    )
    noms = op.get_bind().execute(sa.text(
        "SELECT DISTINCT fournisseur_raison_sociale FROM facture_demat")).scalars().all()
    if noms:
        op.bulk_insert(table, [{"nom": n, "nom_plie": plier(n)} for n in sorted(noms)])


def downgrade() -> None:
    op.drop_table('fournisseur_nom')
