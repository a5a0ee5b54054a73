"""*Génération du fichier de transfert des statuts des factures dématérialisées* (mode portail).

The statuses still to set in Chorus Pro (Tous les statuts / Un statut; Toutes les factures /
Une facture) are written as one CPPStatut file in the *Répertoire de transfert* (default: the
collectivité's, Gestion des collectivités › Transfert). The rows are marked with the file's name
and date, and stay *à transmettre*: in mode portail a status does not reach Chorus Pro by itself —
the user sets it there, then marks it *saisi* (``statuts.marquer_saisis``).
The rows are marked first and the file written last (beside, then renamed): a refusal or a
failure to write leaves neither a file nor a mark.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import to_paris
from corail.db.models import Budget, Collectivite, FactureDemat, Flux, StatutChorus
from corail.domain.etats import STATUTS_CHORUS
from corail.domain.roles import MODIFICATION, TELEPROCEDURES
from corail.errors import ValidationError
from corail.formats.cpp_statut import FluxStatut, StatutFacture, ecrire_cpp_statut
from corail.services.habilitations import exiger
from corail.services.statuts import ENVOYES


@dataclass(frozen=True)
class ExportStatuts:
    chemin: Path
    id_flx: str
    nb_statuts: int
    statut_ids: tuple[int, ...]
    factures: tuple[str, ...]  # invoice numbers, in the file's order


def repertoire_transfert(session: Session, ctx: Context) -> str:
    """The collectivité's *Répertoire de transfert* ("" when not set)."""
    coll = session.get(Collectivite, ctx.collectivite_id)
    return (coll.repertoire_transfert or "") if coll else ""


def _dossier(session: Session, ctx: Context, dossier: Path | str | None) -> Path:
    if dossier is None or not str(dossier).strip():
        dossier = repertoire_transfert(session, ctx)
        if not dossier:
            raise ValidationError("Répertoire de transfert non renseigné (Gestion des collectivités "
                                  "› Transfert) : choisissez le dossier où écrire le fichier")
    chemin = Path(dossier).expanduser()
    if not chemin.is_dir():
        raise ValidationError(f"Répertoire de transfert « {chemin} » introuvable : ce n'est pas un "
                              f"dossier existant")
    return chemin


def _statut_xml(s: StatutChorus, fd: FactureDemat) -> StatutFacture:
    return StatutFacture(
        id_statut=s.code, horodatage=s.horodatage, id_facture=fd.numero,
        fournisseur_identifiant=fd.fournisseur_identifiant,
        fournisseur_raison_sociale=fd.fournisseur_raison_sociale,
        fournisseur_type_identifiant=fd.fournisseur_type_identifiant,
        fournisseur_code_pays=fd.fournisseur_code_pays, debiteur_identifiant=fd.debiteur_identifiant,
        debiteur_nom=fd.debiteur_nom, code_service=fd.code_service, nom_service=fd.nom_service,
        commentaire=s.motif, date_facture=fd.date_emission, id_mandat_dp=s.numero_mandat)


def _choix(statut: str | None, facture_id: int | None) -> str:
    quoi = [f"au statut « {STATUTS_CHORUS.get(statut, ('', statut))[1]} »"] if statut else []
    quoi += [f"pour la facture {facture_id}"] if facture_id is not None else []
    return (" " + " ".join(quoi)) if quoi else ""


def exporter_statuts(session: Session, ctx: Context, dossier: Path | str | None = None, *,
                     statut: str | None = None, facture_id: int | None = None,
                     reexporter: bool = False) -> ExportStatuts:
    """Write the CPPStatut file of the statuses still to set in Chorus Pro (those already in a
    file are left out unless ``reexporter``) and mark them with the file."""
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "créer un flux de statut")
    if statut is not None and statut not in STATUTS_CHORUS:
        raise ValidationError(f"Statut « {statut} » inconnu : codes 01 à 12")
    cible = _dossier(session, ctx, dossier)
    stmt = (select(StatutChorus, FactureDemat).join(FactureDemat)
            .join(Flux, Flux.id == FactureDemat.flux_id)
            .where(or_(FactureDemat.budget_id == ctx.budget_id,
                       and_(FactureDemat.budget_id.is_(None),
                            Flux.collectivite_id == ctx.collectivite_id)),
                   StatutChorus.origine == "corail", StatutChorus.envoi.in_(ENVOYES),
                   StatutChorus.code != ""))
    if statut is not None:
        stmt = stmt.where(StatutChorus.code == statut)
    if facture_id is not None:
        stmt = stmt.where(StatutChorus.facture_demat_id == facture_id)
    if not reexporter:
        stmt = stmt.where(StatutChorus.exporte_le.is_(None))
    rows = session.execute(stmt.order_by(StatutChorus.horodatage, StatutChorus.id)).all()
    if not rows:
        deja = "" if reexporter else " (ceux déjà écrits dans un fichier ne sont pas repris)"
        raise ValidationError(f"Aucun statut à transférer{_choix(statut, facture_id)}{deja}")
    maintenant = ctx.now()
    budget = session.get(Budget, ctx.budget_id)
    coll = session.get(Collectivite, ctx.collectivite_id)
    horo = to_paris(maintenant).strftime("%Y%m%d%H%M%S")
    id_flx = f"CORAIL{horo}{rows[0][0].id:06d}"
    nom = f"CPPStatut_{budget.siret}_{horo}.xml"
    n = 1
    while (cible / nom).exists():
        n += 1
        nom = f"CPPStatut_{budget.siret}_{horo}_{n}.xml"
    for s, _fd in rows:
        s.fichier, s.exporte_le = nom, maintenant
    session.flush()
    flux = FluxStatut(id_flx=id_flx, date_production=to_paris(maintenant).date(),
                      statuts=tuple(_statut_xml(s, fd) for s, fd in rows),
                      emetteur_libelle=(coll.nom if coll else None))
    chemin = ecrire_cpp_statut(cible / nom, flux)
    return ExportStatuts(chemin, id_flx, len(rows), tuple(s.id for s, _ in rows),
                         tuple(fd.numero for _, fd in rows))
