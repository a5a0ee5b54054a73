"""Suivi démat › Facture démat: the search of flux and of their invoices, paged in SQL.

Criteria (PRODUCT.md): flux lu entre le … et le …, montant TTC de … à …, état actuel du flux,
état actuel de la facture, n° de facture (its beginning, capitals or not), nom du fournisseur
(every word typed, accents and case ignored). Each is a SQL condition on an indexed column.
The supplier's name is first matched against the raisons sociales received, each kept once
with its folded form (``fournisseur_nom``, a few thousand rows), so that accents are ignored the
same way on SQLite and PostgreSQL; the matches go into SQL as ``IN (…)``.

The perimeter is that of *Intégration des flux pivots*: the invoices of the budget en cours and
those of the collectivité's flux that no budget took. A flux is listed when at least one such
invoice matches. Every list comes as a ``Page`` (LIMIT/OFFSET) with its total count.

A page of flux and its total are not one ``count(*) OVER ()`` under a LIMIT: PostgreSQL plans
that as if it stopped after the page, then the window reads on, probing every flux. With a
selective criterion the matching flux are found once (invoices' index) for page and total;
otherwise the flux lead in reading order, the page stops at its end, the total is counted apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import PARIS, parse_date_fr
from corail.db.models import MANDAT, Facture, FactureDemat, Flux, FournisseurNom, Piece
from corail.domain.etats import EtatFactureDemat, EtatFlux, EtatPiece, libelle_etat
from corail.domain.roles import CONSULTATION, SUIVI_DEMAT, TELEPROCEDURES
from corail.errors import NotFound, ValidationError
from corail.money import parse_fr
from corail.services.etapes import EtapeLigne, etapes_facture
from corail.services.habilitations import exiger
from corail.texte import plier

T = TypeVar("T")
TAILLE_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, and how many rows the whole list has."""

    lignes: tuple[T, ...]
    total: int
    debut: int = 0
    taille: int = TAILLE_PAGE

    @property
    def fin(self) -> int:
        return self.debut + len(self.lignes)

    @property
    def precedente(self) -> int | None:
        return max(0, self.debut - self.taille) if self.debut > 0 else None

    @property
    def suivante(self) -> int | None:
        return self.fin if self.fin < self.total else None

    @property
    def libelle(self) -> str:
        if not self.total:
            return "Aucun résultat"
        return f"{self.debut + 1}–{self.fin} sur {self.total}"


@dataclass(frozen=True)
class CriteresSuivi:
    lu_du: date | None = None
    lu_au: date | None = None
    ttc_min: Decimal | None = None
    ttc_max: Decimal | None = None
    etat_flux: str | None = None
    etat_facture: str | None = None
    numero: str = ""
    fournisseur: str = ""

    @property
    def sur_factures(self) -> bool:
        """Does a criterion bear on the invoices (not only on the flux)?"""
        return any((self.ttc_min is not None, self.ttc_max is not None, self.etat_facture,
                    self.numero.strip(), self.fournisseur.strip()))


def lire_criteres(*, du: str = "", au: str = "", ttc_min: str = "", ttc_max: str = "",
                  etat_flux: str | None = None, etat_facture: str | None = None,
                  numero: str = "", fournisseur: str = "") -> CriteresSuivi:
    """The criteria as typed on the screen (dates JJ/MM/AAAA, amounts ``3 277,42``), checked."""
    def une_date(texte: str, champ: str) -> date | None:
        if not (texte or "").strip():
            return None
        try:
            return parse_date_fr(texte)
        except ValueError as exc:
            raise ValidationError(f"{champ} : {exc}") from None

    def un_montant(texte: str, champ: str) -> Decimal | None:
        if not (texte or "").strip():
            return None
        try:
            return parse_fr(texte)
        except ValidationError as exc:
            raise ValidationError(f"{champ} : {exc}") from None

    criteres = CriteresSuivi(
        une_date(du, "Flux lu entre le"), une_date(au, "Flux lu et le"),
        un_montant(ttc_min, "Montant TTC de"), un_montant(ttc_max, "Montant TTC à"),
        etat_flux or None, etat_facture or None, (numero or "").strip(), (fournisseur or "").strip())
    return verifier_criteres(criteres)


def verifier_criteres(c: CriteresSuivi) -> CriteresSuivi:
    if c.lu_du and c.lu_au and c.lu_du > c.lu_au:
        raise ValidationError(f"Flux lu entre le {c.lu_du:%d/%m/%Y} et le {c.lu_au:%d/%m/%Y} : "
                              f"la première date est après la seconde")
    if c.ttc_min is not None and c.ttc_max is not None and c.ttc_min > c.ttc_max:
        raise ValidationError("Montant TTC : le minimum est plus grand que le maximum")
    if c.etat_flux and c.etat_flux not in EtatFlux._value2member_map_:
        raise ValidationError(f"État du flux inconnu : « {c.etat_flux} »",
                              choix=[f"{e.value} ({libelle_etat(e)})" for e in EtatFlux])
    if c.etat_facture and c.etat_facture not in EtatFactureDemat._value2member_map_:
        raise ValidationError(f"État de facture inconnu : « {c.etat_facture} »",
                              choix=[f"{e.value} ({libelle_etat(e)})" for e in EtatFactureDemat])
    return c


# --- the rows -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FluxSuivi:
    id: int
    etat: str
    lu_le: datetime
    nom: str
    nb_factures: int  # invoices of this flux in the list (budget en cours, criteria)
    nb_total: int  # invoices in the file
    id_flx: str | None
    lu_par: str

    @property
    def etat_libelle(self) -> str:
        return libelle_etat(self.etat)


@dataclass(frozen=True)
class FactureSuivi:
    id: int
    flux_id: int
    etat: str
    numero: str
    type_facture: str
    tiers: str
    montant_ttc: Decimal
    date_reception: date
    lu_le: datetime
    piece_id: int | None  # the mandat created (the last one not cancelled)
    piece_numero: int | None
    piece_etat: str | None
    facture_id: int | None  # the register's facture

    @property
    def etat_libelle(self) -> str:
        return libelle_etat(self.etat)

    @property
    def acces(self) -> str:
        """What was created from it: the *Accès* column."""
        if self.piece_id is not None:
            numero = f"n° {self.piece_numero}" if self.piece_numero else "non numéroté"
            return f"Mandat {numero} ({libelle_etat(self.piece_etat or '').lower()})"
        if self.facture_id is not None:
            return "Facture (registre)"
        return ""


# --- conditions -----------------------------------------------------------------------------

def _debut_jour(jour: date) -> datetime:
    """Midnight in Paris of ``jour``, as an aware datetime (lu_le is stored in UTC)."""
    return datetime.combine(jour, time(), PARIS)


def _conditions_flux(ctx: Context, c: CriteresSuivi) -> list[ColumnElement[bool]]:
    conds = [Flux.collectivite_id == ctx.collectivite_id]
    if c.lu_du:
        conds.append(Flux.lu_le >= _debut_jour(c.lu_du))
    if c.lu_au:
        conds.append(Flux.lu_le < _debut_jour(c.lu_au + timedelta(days=1)))
    if c.etat_flux:
        conds.append(Flux.etat == c.etat_flux)
    return conds


def _variantes(texte: str) -> list[str]:
    """The number as typed, in capitals and in small letters (invoice numbers are mostly
    capitals; a user often types them in small letters)."""
    return list(dict.fromkeys((texte, texte.upper(), texte.lower())))


def _numero_commence(session: Session, texte: str) -> ColumnElement[bool]:
    """``numero`` begins with ``texte`` (any of its variants), through the numero index:
    ``GLOB 'x*'`` on SQLite (whose LIKE would not use a case-sensitive index), ``LIKE 'x%'`` on
    PostgreSQL (the index is ``text_pattern_ops``)."""
    if session.get_bind().dialect.name == "sqlite":
        glob = {"*": "[*]", "?": "[?]", "[": "[[]"}
        return or_(*(FactureDemat.numero.op("GLOB")("".join(glob.get(ch, ch) for ch in v) + "*")
                     for v in _variantes(texte)))
    return or_(*(FactureDemat.numero.like(
        v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", escape="\\")
        for v in _variantes(texte)))


@lru_cache(maxsize=65_536)
def _plie(nom: str) -> str:
    return plier(nom)


def fournisseurs_correspondants(session: Session, texte: str,
                                flux_id: int | None = None) -> list[str]:
    """The raisons sociales received (or in flux ``flux_id``) whose words hold every word of
    ``texte`` (accents and case ignored). All flux: from ``fournisseur_nom`` (each name once,
    folded when it was first received); one flux: its invoices' names, each folded once. Kept in
    ``session.info``."""
    cle = (tuple(plier(texte).split()), flux_id)
    cache = session.info.setdefault("suivi_fournisseurs", {})
    if cle not in cache:
        if flux_id is None:
            cache[cle] = list(session.scalars(select(FournisseurNom.nom).where(
                *(FournisseurNom.nom_plie.contains(mot, autoescape=True) for mot in cle[0]))
                .order_by(FournisseurNom.nom)))
        else:
            noms = select(FactureDemat.fournisseur_raison_sociale).distinct().where(
                FactureDemat.flux_id == flux_id)
            cache[cle] = [n for n in session.scalars(noms) if all(m in _plie(n) for m in cle[0])]
    return cache[cle]


def _perimetre(session: Session, ctx: Context) -> ColumnElement[bool]:
    """The budget's invoices and those no budget took. SQLite, without statistics, would lead a
    search by the budget (nearly every invoice passes): ``coalesce`` keeps it on the criteria's
    indexes. PostgreSQL estimates the plain form right, and a function of it wrong."""
    if session.get_bind().dialect.name == "sqlite":
        return func.coalesce(FactureDemat.budget_id, ctx.budget_id) == ctx.budget_id
    return or_(FactureDemat.budget_id == ctx.budget_id, FactureDemat.budget_id.is_(None))


def _selective(c: CriteresSuivi) -> bool:
    """Does a criterion pick few invoices out of many (number, supplier, amount range)?"""
    return bool(c.numero.strip() or c.fournisseur.strip() or c.ttc_min is not None
                or c.ttc_max is not None)


def _conditions_factures(session: Session, ctx: Context, c: CriteresSuivi,
                         flux_id: int | None = None) -> list[ColumnElement[bool]]:
    """The invoices matching ``c`` (those of flux ``flux_id`` only, if given)."""
    conds: list[ColumnElement[bool]] = [_perimetre(session, ctx)]
    if flux_id is not None:
        conds.append(FactureDemat.flux_id == flux_id)
    if c.ttc_min is not None:
        conds.append(FactureDemat.montant_ttc >= c.ttc_min)
    if c.ttc_max is not None:
        conds.append(FactureDemat.montant_ttc <= c.ttc_max)
    if c.etat_facture:
        conds.append(FactureDemat.etat == c.etat_facture)
    if c.numero.strip():
        conds.append(_numero_commence(session, c.numero.strip()))
    if c.fournisseur.strip():
        noms = fournisseurs_correspondants(session, c.fournisseur, flux_id)
        conds.append(FactureDemat.fournisseur_raison_sociale.in_(noms))
    return conds


def _ayant_factures(conditions: list[ColumnElement[bool]], selective: bool) -> ColumnElement[bool]:
    """The flux having a matching invoice. With a selective criterion the invoices' index leads
    (``IN``); otherwise the flux, in reading order, each probed on (flux, budget, état)."""
    if selective:
        return Flux.id.in_(select(FactureDemat.flux_id).where(*conditions))
    return exists().where(FactureDemat.flux_id == Flux.id, *conditions)


# --- the flux -------------------------------------------------------------------------------

_COLONNES_FLUX = (Flux.id, Flux.etat, Flux.lu_le, Flux.nom_fichier, Flux.nb_factures,
                  Flux.id_flx, Flux.lu_par)


def _page_flux(session: Session, where: list[ColumnElement[bool]], selective: bool,
               debut: int, taille: int) -> tuple[list, int]:
    """The page of flux (the last read first) and the total (see the module's docstring)."""
    if selective:  # the matching flux found once: a CTE read twice, so materialized by both
        trouves = (select(Flux.id, Flux.lu_le).where(*where).cte("flux_trouves")
                   .prefix_with("MATERIALIZED", dialect="postgresql"))
        page = (select(trouves.c.id, trouves.c.lu_le)
                .order_by(trouves.c.lu_le.desc(), trouves.c.id.desc())
                .offset(debut).limit(taille).subquery("page"))
        total = select(func.count()).select_from(trouves).scalar_subquery().label("total_")
        rows = session.execute(select(*_COLONNES_FLUX, total).join(page, page.c.id == Flux.id)
                               .order_by(page.c.lu_le.desc(), page.c.id.desc())).all()
        if rows:
            return rows, rows[0].total_
    else:  # the flux lead in reading order: the page stops at its last row
        rows = session.execute(select(*_COLONNES_FLUX).where(*where).offset(debut).limit(taille)
                               .order_by(Flux.lu_le.desc(), Flux.id.desc())).all()
    if len(rows) < taille and (rows or not debut):  # the last page, or nothing at all
        return rows, debut + len(rows)
    return rows, session.scalar(select(func.count()).select_from(Flux).where(*where)) or 0


def rechercher_flux(session: Session, ctx: Context, criteres: CriteresSuivi = CriteresSuivi(), *,
                    debut: int = 0, taille: int = TAILLE_PAGE) -> Page[FluxSuivi]:
    """The collectivité's flux matching the criteria, the last read first."""
    exiger(session, ctx, SUIVI_DEMAT, CONSULTATION, "rechercher dans le Suivi démat")
    criteres = verifier_criteres(criteres)
    factures = _conditions_factures(session, ctx, criteres)
    selective = _selective(criteres)
    where = [*_conditions_flux(ctx, criteres), _ayant_factures(factures, selective)]
    rows, total = _page_flux(session, where, selective, max(0, debut), taille)
    ids = [r.id for r in rows]
    comptes = dict(session.execute(
        select(FactureDemat.flux_id, func.count()).where(FactureDemat.flux_id.in_(ids), *factures)
        .group_by(FactureDemat.flux_id)).all()) if ids else {}
    lignes = tuple(FluxSuivi(r.id, r.etat, r.lu_le, r.nom_fichier, comptes.get(r.id, 0),
                             r.nb_factures, r.id_flx, r.lu_par) for r in rows)
    return Page(lignes, total, max(0, debut), taille)


# --- the invoices ---------------------------------------------------------------------------

_COLONNES = (FactureDemat.id, FactureDemat.flux_id, FactureDemat.etat, FactureDemat.numero,
             FactureDemat.type_facture, FactureDemat.fournisseur_raison_sociale,
             FactureDemat.montant_ttc, FactureDemat.date_reception, Flux.lu_le)


def _lignes(session: Session, rows) -> tuple[FactureSuivi, ...]:
    """Rows of ``_COLONNES`` with what was created from each invoice (two queries per page)."""
    ids = [r.id for r in rows]
    pieces: dict[int, tuple[int, int | None, str]] = {}
    registre: dict[int, int] = {}
    if ids:
        for fid, pid, numero, etat, type_piece in session.execute(
                select(Piece.facture_demat_id, Piece.id, Piece.numero, Piece.etat, Piece.type_piece)
                .where(Piece.facture_demat_id.in_(ids)).order_by(Piece.id)):
            if type_piece == MANDAT and (etat != EtatPiece.ANNULE or fid not in pieces):
                pieces[fid] = (pid, numero, etat)
        registre = dict(session.execute(select(Facture.facture_demat_id, Facture.id)
                                        .where(Facture.facture_demat_id.in_(ids))).all())
    return tuple(
        FactureSuivi(r.id, r.flux_id, r.etat, r.numero, r.type_facture,
                     r.fournisseur_raison_sociale, r.montant_ttc, r.date_reception, r.lu_le,
                     *(pieces.get(r.id) or (None, None, None)), registre.get(r.id))
        for r in rows)


def factures_du_flux(session: Session, ctx: Context, flux_id: int,
                     criteres: CriteresSuivi = CriteresSuivi(), *, debut: int = 0,
                     taille: int = TAILLE_PAGE) -> Page[FactureSuivi]:
    """The invoices of one flux (budget en cours, criteria), in the file's order."""
    exiger(session, ctx, SUIVI_DEMAT, CONSULTATION, "voir les factures d'un flux")
    if session.scalar(select(Flux.id).where(Flux.id == flux_id,
                                            Flux.collectivite_id == ctx.collectivite_id)) is None:
        raise NotFound(f"Flux {flux_id} introuvable pour cette collectivité")
    where = _conditions_factures(session, ctx, verifier_criteres(criteres), flux_id)
    rows = session.execute(  # one flux's invoices: a window is cheap; past the end, a count
        select(*_COLONNES, func.count().over().label("total_"))
        .join(Flux, Flux.id == FactureDemat.flux_id).where(*where)
        .order_by(FactureDemat.numordre, FactureDemat.id).offset(max(0, debut)).limit(taille)).all()
    total = rows[0].total_ if rows else session.scalar(
        select(func.count()).select_from(FactureDemat).where(*where)) or 0
    return Page(_lignes(session, rows), total, max(0, debut), taille)


def verifier_facture(session: Session, ctx: Context, facture_id: int) -> None:
    """NotFound unless the invoice is in the perimeter (budget en cours, or no budget)."""
    visible = session.scalar(
        select(FactureDemat.id).join(Flux, Flux.id == FactureDemat.flux_id)
        .where(FactureDemat.id == facture_id, Flux.collectivite_id == ctx.collectivite_id,
               _perimetre(session, ctx)))
    if visible is None:
        raise NotFound(f"Facture dématérialisée {facture_id} introuvable pour ce budget")


def etapes(session: Session, ctx: Context, facture_id: int) -> list[EtapeLigne]:
    """The étapes of an invoice: date (JJ/MM/AAAA HHhMM), étape, complément and user."""
    exiger(session, ctx, (SUIVI_DEMAT, TELEPROCEDURES), CONSULTATION, "voir les étapes d'une facture")
    verifier_facture(session, ctx, facture_id)
    return etapes_facture(session, facture_id)

