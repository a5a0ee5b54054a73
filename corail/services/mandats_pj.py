"""P. Jointes of a mandat: the invoice's PJ from Chorus Pro stay; a user adds or removes others."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import PJ, PiecePJ
from corail.domain.roles import DEPENSES, MODIFICATION
from corail.errors import ValidationError
from corail.formats.mime import sniff
from corail.services.habilitations import exiger
from corail.services.mandats import EDITABLES, _mandat, nom_mandat
from corail.services.pj import enregistrer_pj, supprimer_pj

TAILLE_MAX = 100 * 1024 * 1024


def ajouter_pj(session: Session, ctx: Context, mandat_id: int, chemin: Path | str) -> int:
    """Attach a file to the mandat (stored in the database, like Chorus Pro's PJ)."""
    exiger(session, ctx, DEPENSES, MODIFICATION, "joindre une PJ à un mandat")
    piece = _mandat(session, ctx, mandat_id)
    if piece.etat not in EDITABLES:
        raise ValidationError(f"{nom_mandat(piece)} : numéroté, ses pièces jointes ne changent plus")
    chemin = Path(chemin)
    if not chemin.is_file():
        raise ValidationError(f"Fichier « {chemin} » introuvable")
    with chemin.open("rb") as f:
        debut = f.read(4096)
    pj = enregistrer_pj(session, ctx, chemin, nom=chemin.name, type_pj="02",
                        mime=sniff(debut), origine="utilisateur", taille_max=TAILLE_MAX)
    ordre = (session.scalar(select(func.max(PiecePJ.ordre)).where(PiecePJ.piece_id == piece.id)) or 0) + 1
    session.add(PiecePJ(piece_id=piece.id, pj_id=pj.id, ordre=ordre))
    session.flush()
    return pj.id


def retirer_pj(session: Session, ctx: Context, mandat_id: int, pj_id: int) -> None:
    exiger(session, ctx, DEPENSES, MODIFICATION, "retirer une PJ d'un mandat")
    piece = _mandat(session, ctx, mandat_id)
    if piece.etat not in EDITABLES:
        raise ValidationError(f"{nom_mandat(piece)} : numéroté, ses pièces jointes ne changent plus")
    lien = session.get(PiecePJ, (piece.id, pj_id))
    if lien is None:
        raise ValidationError("Cette pièce jointe n'est pas celle du mandat")
    pj = session.get(PJ, pj_id)
    if pj.origine == "chorus":
        raise ValidationError(f"« {pj.nom} » vient de Chorus Pro : les pièces de la facture restent "
                              f"jointes au mandat")
    session.delete(lien)
    session.flush()
    if not session.scalar(select(func.count()).select_from(PiecePJ).where(PiecePJ.pj_id == pj_id)):
        supprimer_pj(session, pj_id)
