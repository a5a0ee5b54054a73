"""The printed avis des sommes à payer of a titre (PDF), from its ASAP.

An entered ASAP is printed from its rows and the paramétrage (a titre not numbered yet gives a
*PROJET*); an imported one from its PES_Facture file as received, so the debtor reads what the
DGFiP reads. The PDF is written aside then renamed (never a half-written file).
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import format_date
from corail.db.models import Budget, Tiers
from corail.db.models.asap import IMPORT
from corail.domain.roles import CONSULTATION, RECETTES
from corail.errors import NotFound
from corail.formats.pes_facture import lire
from corail.reports.asap_pdf import AvisImprime, ecrire_avis_pdf
from corail.reports.styles import format_siret
from corail.services.asap import _asap
from corail.services.asap_regles import facture_du_titre, references
from corail.services.edition import ecrire_pdf
from corail.services.habilitations import exiger
from corail.services.pj import lire_pj
from corail.services.reglages_demat import lire_asap
from corail.services.titres import nom_titre, piece_titre


def avis_du_titre(session: Session, ctx: Context, titre_id: int) -> AvisImprime:
    exiger(session, ctx, RECETTES, CONSULTATION, "imprimer une facture ASAP")
    piece = piece_titre(session, ctx, titre_id)
    asap = _asap(session, piece.id)
    if asap is None:
        raise NotFound(f"{nom_titre(piece)} : pas de facture ASAP (saisissez-la ou importez-la)")
    reglage = lire_asap(session, ctx)
    if asap.origine == IMPORT and asap.pj_id is not None:
        facture = lire(b"".join(lire_pj(session, asap.pj_id)), f"ASAP du {nom_titre(piece).lower()}")
    else:
        facture = facture_du_titre(session, piece, session.get(Tiers, piece.tiers_id), asap, reglage)
    budget = session.get(Budget, piece.budget_id)
    ville = (reglage.ville or "").strip()
    lieu = f"À {ville.title()}, le {format_date(asap.date_facture)}" if ville else \
        f"Le {format_date(asap.date_facture)}"
    return AvisImprime(facture=facture, type_asap=asap.type_asap,
                       projet=not all(references(session, piece)),
                       collectivite_siret=format_siret(budget.siret),
                       tresorerie_email=reglage.tresorerie_email, lieu_date=lieu)


def imprimer_asap(session: Session, ctx: Context, titre_id: int, chemin: Path | str) -> Path:
    """Write the avis des sommes à payer of the titre to ``chemin`` (PDF)."""
    avis = avis_du_titre(session, ctx, titre_id)
    ecrire_pdf(Path(chemin), lambda out: ecrire_avis_pdf(avis, out))
    return Path(chemin)
