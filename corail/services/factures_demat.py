"""Listing and showing factures dématérialisées (the three lists, *Détail*, ``pivot list|show``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import PJ, FactureDemat, Flux, Piece, StatutChorus
from corail.domain.etats import EtatFactureDemat, EtatFlux, libelle_etat
from corail.domain.roles import CONSULTATION, DEPENSES, SUIVI_DEMAT, TELEPROCEDURES
from corail.errors import NotFound
from corail.services.etapes import EtapeLigne, etapes_facture
from corail.services.habilitations import exiger

#: The three lists of *Intégration des flux pivots*.
LISTES = {
    "a_creer": (EtatFactureDemat.A_TRAITER,),
    "creees": (EtatFactureDemat.FACTUREE, EtatFactureDemat.MANDATEE, EtatFactureDemat.TITREE),
    "anomalies": (EtatFactureDemat.ANOMALIE, EtatFactureDemat.REJETEE, EtatFactureDemat.SUSPENDUE,
                  EtatFactureDemat.A_RECYCLER),
}


@dataclass(frozen=True)
class FactureDematLigne:
    id: int
    numero: str
    type: str  # facture | avoir
    fournisseur: str
    siret: str
    date_reception: date
    montant_ht: Decimal
    montant_ttc: Decimal
    montant_net: Decimal
    etat: str
    nb_pj: int
    flux_id: int
    lu_le: datetime
    budget_id: int | None
    pj_facture: bool
    motif: str  # anomaly or rejection reason ("" when none)
    piece_id: int | None

    @property
    def etat_libelle(self) -> str:
        return libelle_etat(self.etat)


@dataclass(frozen=True)
class PJLigne:
    id: int
    numordre: int
    nom: str
    type_pj: str
    mime: str
    taille: int


@dataclass(frozen=True)
class FactureDematDetail:
    ligne: FactureDematLigne
    champs: tuple[tuple[str, str], ...]  # every pivot field, labelled, in reading order
    lignes: tuple[tuple[str, str, str, Decimal, str], ...]  # réf., PU, qté, HT, taux
    tvas: tuple[tuple[str, Decimal, Decimal], ...]  # taux, base HT, TVA
    pjs: tuple[PJLigne, ...]
    etapes: tuple[EtapeLigne, ...]
    statuts: tuple[tuple[str, str, str], ...]  # code, motif, envoi


def _perimetre(ctx: Context):
    """The budget's invoices, and those of the collectivité's flux that no budget took."""
    return or_(FactureDemat.budget_id == ctx.budget_id,
               and_(FactureDemat.budget_id.is_(None), Flux.collectivite_id == ctx.collectivite_id))


def _motif(fd: FactureDemat) -> str:
    if fd.etat in (EtatFactureDemat.REJETEE, EtatFactureDemat.SUSPENDUE, EtatFactureDemat.A_RECYCLER):
        texte = f"Rejet : {fd.motif_rejet or ''}"
        if fd.etat == EtatFactureDemat.SUSPENDUE:
            texte = f"Suspension : {fd.motif_rejet or ''}"
        elif fd.etat == EtatFactureDemat.A_RECYCLER:
            texte = f"À recycler : {fd.motif_rejet or ''}"
        return texte + (f" — {fd.complement_rejet}" if fd.complement_rejet else "")
    return fd.anomalie or ""


def lister_factures(session: Session, ctx: Context, *, etat: str | None = None,
                    liste: str | None = None, flux_id: int | None = None, texte: str | None = None,
                    limite: int | None = None) -> list[FactureDematLigne]:
    exiger(session, ctx, (TELEPROCEDURES, SUIVI_DEMAT), CONSULTATION,
           "consulter les factures dématérialisées")
    nb_pj = (select(PJ.facture_demat_id, func.count(PJ.id).label("n"),
                    func.min(PJ.type_pj).label("t1"))
             .group_by(PJ.facture_demat_id).subquery())
    piece = (select(Piece.facture_demat_id, func.max(Piece.id).label("piece_id"))
             .where(Piece.facture_demat_id.is_not(None)).group_by(Piece.facture_demat_id).subquery())
    stmt = (select(FactureDemat, Flux.lu_le, nb_pj.c.n, nb_pj.c.t1, piece.c.piece_id)
            .join(Flux, Flux.id == FactureDemat.flux_id)
            .outerjoin(nb_pj, nb_pj.c.facture_demat_id == FactureDemat.id)
            .outerjoin(piece, piece.c.facture_demat_id == FactureDemat.id)
            .where(_perimetre(ctx)))
    if etat:
        stmt = stmt.where(FactureDemat.etat == etat)
    if liste:
        stmt = stmt.where(FactureDemat.etat.in_([str(e) for e in LISTES[liste]]))
    if flux_id is not None:
        stmt = stmt.where(FactureDemat.flux_id == flux_id)
    if texte:
        like = f"%{texte.lower()}%"
        stmt = stmt.where(or_(func.lower(FactureDemat.numero).like(like),
                              func.lower(FactureDemat.fournisseur_raison_sociale).like(like)))
    stmt = stmt.order_by(FactureDemat.date_reception, FactureDemat.id)
    if limite:
        stmt = stmt.limit(limite)
    return [
        FactureDematLigne(
            fd.id, fd.numero, fd.type_facture, fd.fournisseur_raison_sociale,
            fd.fournisseur_identifiant, fd.date_reception, fd.montant_ht, fd.montant_ttc,
            fd.montant_net, fd.etat, n or 0, fd.flux_id, lu_le, fd.budget_id, t1 == "01",
            _motif(fd), piece_id)
        for fd, lu_le, n, t1, piece_id in session.execute(stmt)
    ]


def facture_demat(session: Session, ctx: Context, facture_id: int) -> FactureDemat:
    fd = session.scalars(select(FactureDemat).join(Flux).where(
        FactureDemat.id == facture_id, _perimetre(ctx))).one_or_none()
    if fd is None:
        raise NotFound(f"Facture dématérialisée {facture_id} introuvable pour ce budget")
    return fd


def _champs(fd: FactureDemat) -> tuple[tuple[str, str], ...]:
    from corail.dates import format_date
    from corail.money import format_eur

    valeurs = [
        ("N° facture", fd.numero), ("Type", "Avoir" if fd.type_facture == "avoir" else "Facture"),
        ("Cadre", fd.cadre), ("Identifiant Chorus Pro", fd.id_cpro), ("Renvoi", fd.renvoi),
        ("Facture d'origine", fd.id_facture_origine),
        ("Date d'émission", format_date(fd.date_emission)),
        ("Réception Chorus Pro", format_date(fd.date_reception)),
        ("Flux lu le", format_date(fd.flux.lu_le)), ("Date de livraison", format_date(fd.date_livraison)),
        ("Mode de paiement", f"{fd.mode_paiement_code or ''} {fd.mode_paiement_libelle or ''}".strip()),
        ("Devise", fd.devise), ("Montant HT", format_eur(fd.montant_ht)),
        ("Montant TTC", format_eur(fd.montant_ttc)), ("Net à payer", format_eur(fd.montant_net)),
        ("N° marché", fd.numero_marche), ("N° engagement", fd.numero_engagement),
        ("Fournisseur", fd.fournisseur_raison_sociale),
        ("Identifiant fournisseur", f"{fd.fournisseur_identifiant} (type {fd.fournisseur_type_identifiant})"),
        ("Pays", fd.fournisseur_code_pays),
        ("Référence bancaire", " ".join(x for x in (fd.reference_bancaire_type,
                                                      fd.reference_bancaire_compte) if x)),
        ("Établissement", fd.reference_bancaire_etablissement), ("Mode d'émission", fd.mode_emission),
        ("Destinataire", f"{fd.debiteur_nom or ''} (SIRET {fd.debiteur_identifiant})"),
        ("Service", " — ".join(x for x in (fd.code_service, fd.nom_service) if x)),
        ("État", libelle_etat(fd.etat)), ("Anomalie / rejet", _motif(fd)),
    ]
    return tuple((k, str(v)) for k, v in valeurs if v not in (None, ""))


def detail_facture(session: Session, ctx: Context, facture_id: int) -> FactureDematDetail:
    exiger(session, ctx, (TELEPROCEDURES, DEPENSES, SUIVI_DEMAT), CONSULTATION,
           "consulter une facture dématérialisée")
    fd = facture_demat(session, ctx, facture_id)
    (ligne,) = [l for l in lister_factures(session, ctx, flux_id=fd.flux_id) if l.id == fd.id]
    pjs = session.scalars(select(PJ).where(PJ.facture_demat_id == fd.id).order_by(PJ.numordre, PJ.id))
    statuts = session.scalars(select(StatutChorus).where(StatutChorus.facture_demat_id == fd.id)
                              .order_by(StatutChorus.id))
    return FactureDematDetail(
        ligne, _champs(fd),
        tuple((l.reference_produit or "", l.prix_unitaire, l.quantite, l.montant_ht, l.taux_tva or "")
              for l in fd.lignes),
        tuple((t.taux, t.base_ht, t.montant_tva) for t in fd.tvas),
        tuple(PJLigne(p.id, p.numordre, p.nom, p.type_pj, p.mime, p.taille) for p in pjs),
        tuple(etapes_facture(session, fd.id)),
        tuple((s.code, s.motif or "", s.envoi) for s in statuts),
    )


def actualiser_etat_flux(session: Session, flux_id: int) -> str:
    """lu (nothing processed), partiel, traite (every invoice processed)."""
    a_traiter = (str(EtatFactureDemat.A_TRAITER), str(EtatFactureDemat.ANOMALIE))
    total, restants = session.execute(  # counted in the database (index flux_id, etat)
        select(func.count(), func.count().filter(FactureDemat.etat.in_(a_traiter)))
        .where(FactureDemat.flux_id == flux_id)).one()
    etat = EtatFlux.TRAITE if restants == 0 else EtatFlux.LU if restants == total else EtatFlux.PARTIEL
    flux = session.get(Flux, flux_id)
    flux.etat = etat
    return etat


def repartition_par_budget(session: Session, flux_ids: list[int]) -> list[tuple[str, int]]:
    """How the invoices of some flux were routed: ("045-01 Budget principal", n), ("sans budget", n)."""
    from corail.db.models import Budget

    rows = session.execute(
        select(Budget.code_col, Budget.code_bud, Budget.libelle, func.count(FactureDemat.id))
        .select_from(FactureDemat).outerjoin(Budget, Budget.id == FactureDemat.budget_id)
        .where(FactureDemat.flux_id.in_(flux_ids))
        .group_by(Budget.code_col, Budget.code_bud, Budget.libelle)
        .order_by(Budget.code_col, Budget.code_bud)).all()
    return [(f"{col}-{bud} {libelle}" if col else "sans budget (anomalie)", n)
            for col, bud, libelle, n in rows]


def montant_du(session: Session, piece) -> Decimal | None:
    """What the pièce's dematerialized invoice (or avoir) asks: net à payer, or HT on a budget
    assujetti à la TVA; None when the pièce comes from no invoice."""
    from corail.db.models import Budget

    if piece.facture_demat_id is None:
        return None
    fd = session.get(FactureDemat, piece.facture_demat_id)
    budget = session.get(Budget, piece.budget_id)
    return fd.montant_ht if budget.assujetti_tva else fd.montant_net
