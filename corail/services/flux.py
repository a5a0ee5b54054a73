"""Recording a flux pivot's invoices: routing to a budget, anomalies, PJ, étapes.

The reader (formats) turns a file into ``PivotFlux``; this service records it in
the caller's transaction. Amounts are rounded to the cent here, once
(``money.to_money``).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import format_date
from corail.db.models import (
    PJ, Budget, EtapeFacture, FactureDemat, FactureDematLigne, FactureDematTva, Flux, FournisseurNom,
    ServiceChorus,
)
from corail.domain.etats import Etape, EtatFactureDemat, EtatFlux
from corail.errors import ValidationError
from corail.formats.mime import sniff
from corail.formats.pivot_types import PivotFacture, PivotFlux, PivotPJ
from corail.money import format_eur, to_money
from corail.services.pj import DonneesHachees, nom_sur, stocker_contenu, stocker_contenus
from corail.texte import plier

MOTIF_PAS_POUR_NOUS = "Cette facture ne nous est pas destinée"
RENVOIS = ("complétée", "completee", "recyclée", "recyclee")
ANOMALIE_DESTINATAIRE, ANOMALIE_MONTANTS, ANOMALIE_DOUBLON = "destinataire", "montants", "doublon"


@dataclass(frozen=True)
class Routage:
    budget_id: int | None
    anomalie: str | None


@dataclass(frozen=True)
class DejaRecue:
    id: int
    lu_le: datetime
    nom_fichier: str


@dataclass(frozen=True)
class FactureEnregistree:
    id: int
    etat: str


@dataclass(frozen=True)
class FluxEnregistre:
    flux_id: int
    nb_factures: int
    a_traiter: int
    anomalies: int


def router(session: Session, siret: str, code_service: str | None) -> Routage:
    """The budget an invoice is addressed to: SIRET, then the Chorus Pro service code when
    several budgets share the SIRET. No match or several → an anomaly naming them."""
    budgets = session.scalars(select(Budget).where(Budget.siret == siret, Budget.actif.is_(True))).all()
    if not budgets:
        return Routage(None, f"{MOTIF_PAS_POUR_NOUS} : aucun budget n'a le SIRET {siret}")
    if len(budgets) == 1 and not code_service:
        return Routage(budgets[0].id, None)
    if code_service:
        ids = [b.id for b in budgets]
        par_service = session.scalars(
            select(ServiceChorus.budget_id).where(ServiceChorus.budget_id.in_(ids),
                                                  ServiceChorus.code == code_service)
        ).all()
        if len(par_service) == 1:
            return Routage(par_service[0], None)
        if len(budgets) == 1 and not budgets[0].services_chorus:
            return Routage(budgets[0].id, None)  # a budget with no service codes takes them all
        noms = ", ".join(f"{b.code_complet} {b.libelle}" for b in budgets)
        if not par_service:
            return Routage(None, f"{MOTIF_PAS_POUR_NOUS} : le service « {code_service} » "
                                 f"n'est celui d'aucun budget du SIRET {siret} ({noms})")
        return Routage(None, f"Plusieurs budgets ont le service « {code_service} » : {noms}")
    noms = ", ".join(f"{b.code_complet} {b.libelle}" for b in budgets)
    return Routage(None, f"Plusieurs budgets ont le SIRET {siret} et la facture ne porte pas de "
                         f"code service : {noms}")


def facture_connue(session: Session, f: PivotFacture) -> DejaRecue | None:
    """An invoice already received: same Chorus Pro id, or same supplier, number and date."""
    return _connues(session, [f])[0]


def _valeurs(flux: Flux, f: PivotFacture, routage: Routage) -> dict:
    """The facture_demat row of a pivot invoice (amounts rounded to the cent here, once)."""
    return dict(
        flux_id=flux.id, numordre=f.numordre, budget_id=routage.budget_id,
        etat=(EtatFactureDemat.ANOMALIE if routage.anomalie else EtatFactureDemat.A_TRAITER).value,
        anomalie=routage.anomalie, numero=f.numero, id_cpro=f.id_cpro, renvoi=f.renvoi,
        id_facture_origine=f.id_facture_origine,
        type_facture="avoir" if f.est_avoir else "facture", cadre=f.cadre,
        date_emission=f.date_emission, date_reception=f.date_reception,
        date_livraison=f.date_livraison, mode_paiement_code=f.mode_paiement_code,
        mode_paiement_libelle=f.mode_paiement_libelle, devise=f.devise,
        montant_ht=to_money(f.montant_ht), montant_ttc=to_money(f.montant_ttc),
        montant_net=to_money(f.montant_net), numero_marche=f.numero_marche or None,
        numero_engagement=f.numero_engagement or None,
        fournisseur_type_identifiant=f.fournisseur_type_identifiant,
        fournisseur_identifiant=f.fournisseur_identifiant,
        fournisseur_raison_sociale=f.fournisseur_raison_sociale,
        fournisseur_code_pays=f.fournisseur_code_pays,
        reference_bancaire_type=f.reference_bancaire_type,
        reference_bancaire_compte=f.reference_bancaire_compte,
        reference_bancaire_etablissement=f.reference_bancaire_etablissement,
        mode_emission=f.mode_emission, debiteur_identifiant=f.debiteur_identifiant,
        debiteur_nom=f.debiteur_nom, code_service=f.code_service, nom_service=f.nom_service,
    )


# statements built once, parameters given apart: compiled once, cached (thousands of invoices)
# multi-row INSERT … RETURNING: rows come back in no set order, told apart by supplier, number and
# date (``_sans_repetition`` makes them unique within a lot)
_INSERT_FACTURES = insert(FactureDemat).returning(
    FactureDemat.fournisseur_identifiant, FactureDemat.numero, FactureDemat.date_emission,
    FactureDemat.id)
_CONNUES_CPRO = select(FactureDemat.id_cpro, FactureDemat.id, Flux.lu_le, Flux.nom_fichier).join(
    Flux).where(FactureDemat.id_cpro.in_(bindparam("cles", expanding=True))).order_by(FactureDemat.id)
_CONNUES_NUMERO = select(
    FactureDemat.fournisseur_identifiant, FactureDemat.numero, FactureDemat.date_emission,
    FactureDemat.id, Flux.lu_le, Flux.nom_fichier,
).join(Flux).where(FactureDemat.numero.in_(bindparam("cles", expanding=True))).order_by(FactureDemat.id)


_INSERTS = {t: insert(t) for t in (FactureDematTva, FactureDematLigne, PJ, EtapeFacture)}
# a name already known is left as it is (another lot, or another workstation at the same time)
_INSERT_NOMS = {
    nom: insert_dialecte(FournisseurNom).on_conflict_do_nothing(index_elements=["nom"])
    for nom, insert_dialecte in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _noter_fournisseurs(session: Session, noms: set[str]) -> None:
    """The lot's raisons sociales in ``fournisseur_nom`` (the Suivi démat's supplier search), in
    one statement; in sorted order, so that two workstations never wait on each other in turn."""
    session.connection().execute(_INSERT_NOMS[session.get_bind().dialect.name],
                                 [dict(nom=n, nom_plie=plier(n)) for n in sorted(noms)])


def _inserer(session: Session, table, lignes: list[dict]) -> None:
    if lignes:  # on the connection: plain Core, no ORM autoflush nor bookkeeping
        session.connection().execute(_INSERTS[table], lignes)


def verifier_non_lu(session: Session, sha256: str, nom_fichier: str) -> None:
    """Refuse a flux already read (same sha256: the same bytes), naming when and under what name."""
    deja = session.execute(select(Flux.lu_le, Flux.nom_fichier).where(Flux.sha256 == sha256)).first()
    if deja is not None:
        raise ValidationError(
            f"Flux « {nom_fichier} » déjà lu le {format_date(deja.lu_le)} "
            f"(sous le nom « {deja.nom_fichier} »)"
        )


def creer_flux(session: Session, ctx: Context, *, nom_fichier: str, sha256: str, taille: int,
               id_flx: str | None = None, date_production=None, version: str | None = None,
               source: str = "fichier") -> Flux:
    """The Flux row; a flux already read (same bytes) is refused with the date it was read."""
    verifier_non_lu(session, sha256, nom_fichier)
    flux = Flux(collectivite_id=ctx.collectivite_id, nom_fichier=nom_fichier[:255], sha256=sha256,
                taille=taille, id_flx=id_flx, date_production=date_production, version=version,
                source=source, etat=EtatFlux.LU, nb_factures=0, lu_le=ctx.now(),
                lu_par=ctx.utilisateur)
    session.add(flux)
    session.flush()
    return flux


def _ecart_montants(f: PivotFacture) -> str | None:
    """HT + TVA ≠ TTC (beyond a cent of rounding), when the VAT breakdown is given."""
    if not f.tvas:
        return None
    tva = sum((t.montant_tva for t in f.tvas), Decimal("0"))
    if abs(f.montant_ht + tva - f.montant_ttc) <= Decimal("0.01"):
        return None
    return (f"Montants incohérents : HT {format_eur(to_money(f.montant_ht))} + TVA "
            f"{format_eur(to_money(tva))} ≠ TTC {format_eur(to_money(f.montant_ttc))}")


def enregistrer_facture(session: Session, ctx: Context, flux: Flux, f: PivotFacture,
                        pjs: Iterable[tuple[PivotPJ, object, str]], *,
                        routages: dict | None = None) -> FactureEnregistree:
    """One invoice of ``flux``: routing, anomalies, its PJ (``(meta, source of bytes, mime)``),
    its étapes. A Renvoi (Complétée/Recyclée) is linked to its earlier delivery.
    ``routages`` caches the routing of a flux's invoices (same debtor, same answer)."""
    return enregistrer_factures(session, ctx, flux, [(f, pjs)], routages=routages)[0]


def enregistrer_factures(session: Session, ctx: Context, flux: Flux,
                         lot: Sequence[tuple[PivotFacture, Iterable[tuple[PivotPJ, object, str]]]], *,
                         routages: dict | None = None) -> list[FactureEnregistree]:
    """Several invoices of ``flux`` (a lot read from the file), as ``enregistrer_facture`` does
    one by one but in a few statements: one query for the invoices already received, one
    multi-row insert per table. An invoice repeating an earlier one of the lot waits for it to
    be written, so that it is seen as already received (or as its Renvoi)."""
    routages = {} if routages is None else routages
    resultats: list[FactureEnregistree] = []
    for morceau in _sans_repetition(lot):
        resultats += _enregistrer_lot(session, ctx, flux, morceau, routages)
    return resultats


def _sans_repetition(lot):
    morceau: list = []
    cles: set = set()
    for element in lot:
        f = element[0]
        siennes = {("meme", f.fournisseur_identifiant, f.numero, f.date_emission)}
        if f.id_cpro is not None:
            siennes.add(("cpro", f.id_cpro))
        if siennes & cles:
            yield morceau
            morceau, cles = [], set()
        morceau.append(element)
        cles |= siennes
    if morceau:
        yield morceau


def _connues(session: Session, factures: list[PivotFacture]) -> list[DejaRecue | None]:
    """``facture_connue`` of each invoice, in two queries for the whole lot."""
    conn = session.connection()
    par_cpro: dict = {}
    cpros = list({f.id_cpro for f in factures if f.id_cpro is not None})
    if cpros:
        for cpro, *deja in conn.execute(_CONNUES_CPRO, {"cles": cpros}):
            par_cpro.setdefault(cpro, DejaRecue(*deja))
    par_numero: dict = {}
    for fournisseur, numero, emission, *deja in conn.execute(
            _CONNUES_NUMERO, {"cles": list({f.numero for f in factures})}):
        par_numero.setdefault((fournisseur, numero, emission), DejaRecue(*deja))
    return [par_cpro.get(f.id_cpro) or par_numero.get((f.fournisseur_identifiant, f.numero,
                                                        f.date_emission))
            for f in factures]


def _enregistrer_lot(session: Session, ctx: Context, flux: Flux, lot: list,
                     routages: dict) -> list[FactureEnregistree]:
    factures = [f for f, _ in lot]
    with session.no_autoflush:
        for f in factures:
            cle = (f.debiteur_identifiant, f.code_service)
            if cle not in routages:
                routages[cle] = router(session, *cle)
        connues = _connues(session, factures)
    lignes_factures, etapes = [], []
    for f, connue in zip(factures, connues):
        routage = routages[(f.debiteur_identifiant, f.code_service)]
        anomalie, code = routage.anomalie, ANOMALIE_DESTINATAIRE if routage.anomalie else None
        if anomalie is None and (ecart := _ecart_montants(f)):
            anomalie, code = ecart, ANOMALIE_MONTANTS
        precedente = None
        if connue is not None:
            if (f.renvoi or "").strip().lower() in RENVOIS:
                precedente = connue
            elif anomalie is None:
                anomalie = (f"Facture déjà reçue (flux du {format_date(connue.lu_le)}, "
                            f"« {connue.nom_fichier} »)")
                code = ANOMALIE_DOUBLON
        valeurs = _valeurs(flux, f, Routage(routage.budget_id, anomalie))
        valeurs["facture_precedente_id"] = precedente.id if precedente else None
        valeurs["code_anomalie"] = code
        lignes_factures.append(valeurs)
        complement = flux.nom_fichier
        if precedente is not None:
            complement += (f" — renvoi ({f.renvoi}) de la facture reçue le "
                           f"{format_date(precedente.lu_le)}")
        etapes.append([(Etape.LECTURE_FLUX, complement)]
                      + ([(Etape.ANOMALIE, anomalie)] if anomalie else []))
    # Core multi-row inserts: thousands of invoices without the ORM's bookkeeping
    par_cle = {tuple(cle): fid for *cle, fid in session.connection().execute(_INSERT_FACTURES,
                                                                              lignes_factures)}
    _noter_fournisseurs(session, {f.fournisseur_raison_sociale for f in factures})
    ids = [par_cle[(f.fournisseur_identifiant, f.numero, f.date_emission)] for f in factures]
    tvas, lignes, pj_rows = [], [], []
    maintenant = ctx.now()
    for fid, f in zip(ids, factures):
        tvas += [dict(facture_demat_id=fid, taux=f"{t.taux:f}", base_ht=to_money(t.base_ht),
                      montant_tva=to_money(t.montant_tva)) for t in f.tvas]
        lignes += [dict(facture_demat_id=fid, numordre=lg.numordre,
                        reference_produit=lg.reference_produit,
                        prix_unitaire=f"{lg.prix_unitaire:f}", quantite=f"{lg.quantite:f}",
                        montant_ht=to_money(lg.montant_ht),
                        taux_tva=None if lg.taux_tva is None else f"{lg.taux_tva:f}")
                   for lg in f.lignes]
    for fid, (meta, contenu, mime) in _pjs_stockees(session, ctx, ids, lot):
        pj_rows.append(dict(facture_demat_id=fid, contenu_id=contenu.id, numordre=meta.numordre,
                            nom=nom_sur(meta.nom), nom_origine=meta.nom_origine,
                            categorie=meta.categorie, type_pj=meta.type_pj, mime=mime,
                            mime_declare=meta.mime, taille=contenu.taille, sha256=contenu.sha256,
                            origine="chorus", cree_le=maintenant, cree_par=ctx.utilisateur))
    _inserer(session, FactureDematTva, tvas)
    _inserer(session, FactureDematLigne, lignes)
    _inserer(session, PJ, pj_rows)
    _inserer(session, EtapeFacture, [
        dict(facture_demat_id=fid, horodatage=maintenant, etape=e.value, complement=c,
             utilisateur=ctx.utilisateur) for fid, siennes in zip(ids, etapes) for e, c in siennes])
    return [FactureEnregistree(fid, v["etat"]) for fid, v in zip(ids, lignes_factures)]


def _pjs_stockees(session: Session, ctx: Context, ids: list[int], lot: list):
    """``(facture id, (meta, Contenu, mime))`` of every PJ of the lot: contents already hashed
    are stored together (``stocker_contenus``), any other source one by one."""
    hachees, autres = [], []
    for fid, (_, pjs) in zip(ids, lot):
        for meta, source, mime in pjs:
            if isinstance(source, (bytes, bytearray)):
                source = DonneesHachees(bytes(source), hashlib.sha256(source).hexdigest(), len(source))
            if isinstance(source, DonneesHachees):
                hachees.append((fid, meta, source, mime))
            else:
                autres.append((fid, (meta, stocker_contenu(session, ctx, source, nom=meta.nom), mime)))
    contenus = stocker_contenus(session, ctx, [h[2] for h in hachees])
    return [(fid, (meta, contenu, mime)) for (fid, meta, _, mime), contenu in zip(hachees, contenus)
            ] + autres


def enregistrer_flux(
    session: Session,
    ctx: Context,
    pivot: PivotFlux,
    *,
    nom_fichier: str,
    sha256: str,
    taille: int,
    version: str | None = None,
    source: str = "fichier",
) -> FluxEnregistre:
    """Record a flux held in memory (the demo, tests); files go through ``pivot_import``."""
    flux = creer_flux(session, ctx, nom_fichier=nom_fichier, sha256=sha256, taille=taille,
                      id_flx=pivot.id_flx, date_production=pivot.date_production,
                      version=version, source=source)
    rows = enregistrer_factures(session, ctx, flux, [
        (f, [(pj, pj.contenu, sniff(pj.contenu[:4096], declare=pj.mime)) for pj in f.pjs])
        for f in pivot.factures])
    anomalies = sum(row.etat == EtatFactureDemat.ANOMALIE for row in rows)
    flux.nb_factures = len(pivot.factures)
    session.flush()
    n = len(pivot.factures)
    return FluxEnregistre(flux.id, n, n - anomalies, anomalies)
