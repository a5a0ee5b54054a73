"""*Facturer* and *Mandater* a facture dématérialisée (PRODUCT.md, Téléprocédures).

Mandater builds the mandat from the pivot: the tiers (matched by SIRET, created
if unknown, the pivot's IBAN checked), reception date, marché, engagement, mode de
règlement, objet and pièces, **every PJ attached**, imputations pre-filled (one line
per pivot line, else per VAT rate, else one line; the rounding cents on the last
line so the total is the net à payer — HT on a TVA budget). A direct debit
(ModePaiement 49) becomes a mandat de régularisation in the waiting train.
Facturer puts the invoice in the Dépenses register instead.

A lot (*Mandater tout*) is read once, not invoice by invoice (``_Lot``): the suppliers' tiers,
engagements, register lines, PJ, pivot lines and VAT of all its invoices in a few queries, each
article and train checked once; the rows are written in three flushes (tiers and accounts, the
mandats and their imputations, then PJ links and étapes) and each flux's état set once.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, attributes

from corail.context import Context
from corail.db.models import (
    MANDAT, PJ, Article, Budget, Engagement, Facture, FactureDemat, FactureDematLigne,
    FactureDematTva, Imputation, Piece, PiecePJ, Train,
)
from corail.domain.etats import (
    TRANSITIONS_FACTURE, TRANSITIONS_FACTURE_DEMAT, Etape, EtatFacture, EtatFactureDemat, EtatPiece,
    libelle_etat,
)
from corail.domain.roles import DEPENSES, MODIFICATION
from corail.domain.workflow import changer_etat
from corail.errors import NotFound, ValidationError
from corail.money import ZERO, format_eur, to_money
from corail.services.etapes import ajouter_etape
from corail.services.factures_demat import actualiser_etat_flux, facture_demat
from corail.services.fournisseurs import FournisseurEnCours, FournisseursDuLot
from corail.services.habilitations import exiger
from corail.services.nomenclature import article_imputable

#: pivot ModePaiement → PES ModRegl
MODES_REGLEMENT = {"10": "01", "20": "02", "30": "03", "31": "03", "42": "03", "49": "10"}
DEBIT_OFFICE = "49"
#: invoices prepared together at Mandater tout (read in a few queries, written in three flushes)
TAILLE_LOT = 500


@dataclass(frozen=True)
class FactureTraitee:
    facture_id: int
    numero: str
    piece_id: int | None
    montant: Decimal
    avertissements: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ignoree:
    facture_id: int
    numero: str
    raison: str


@dataclass(frozen=True)
class Traitement:
    traitees: tuple[FactureTraitee, ...]
    ignorees: tuple[Ignoree, ...] = field(default_factory=tuple)


def resume(res: Traitement, verbe: str) -> str:
    out = []
    if not res.traitees:
        out.append("Aucune facture à mandater." if verbe == "mandatée" else "Aucune facture à facturer.")
    out += [f"Facture {t.numero} {verbe} ({format_eur(t.montant)})"
           + (f" — mandat {t.piece_id}" if t.piece_id else "")
           + "".join(f"\n  ⚠ {a}" for a in t.avertissements) for t in res.traitees]
    out += [f"Facture {i.numero} ignorée : {i.raison}" for i in res.ignorees]
    return "\n".join(out)


def _raison_inéligible(fd: FactureDemat, etats: tuple[str, ...]) -> str | None:
    if fd.type_facture == "avoir":
        return "c'est un avoir : il s'émet en titre de recettes (Emettre titre)"
    if fd.etat not in etats:
        raison = f"état « {libelle_etat(fd.etat)} »"
        return raison + (f" ({fd.anomalie})" if fd.etat == EtatFactureDemat.ANOMALIE else "")
    return None


def _choisir(session: Session, ctx: Context, ids: list[int] | None,
             etats: tuple[str, ...]) -> tuple[list[FactureDemat], list[Ignoree]]:
    # locked (PostgreSQL): another workstation processing the same invoices waits, then sees
    # them processed — an invoice is never mandated twice
    if ids is None:  # --all: every eligible invoice of the budget, the others listed as skipped
        candidats = session.scalars(select(FactureDemat).where(
            FactureDemat.budget_id == ctx.budget_id,
            FactureDemat.etat.in_([EtatFactureDemat.A_TRAITER, EtatFactureDemat.FACTUREE,
                                   EtatFactureDemat.ANOMALIE, EtatFactureDemat.SUSPENDUE]))
            .order_by(FactureDemat.id).with_for_update(of=FactureDemat)
            .execution_options(populate_existing=True)).all()
        ok, ignorees = [], []
        for fd in candidats:
            raison = _raison_inéligible(fd, etats)
            if raison:
                ignorees.append(Ignoree(fd.id, fd.numero, raison))
            else:
                ok.append(fd)
        return ok, ignorees
    choisies = []
    session.scalars(select(FactureDemat.id).where(FactureDemat.id.in_(ids)).order_by(FactureDemat.id)
                    .with_for_update()).all()
    for i in dict.fromkeys(ids):
        fd = facture_demat(session, ctx, i)
        raison = _raison_inéligible(fd, etats)
        if raison:
            raise ValidationError(f"Facture {fd.numero} (id {fd.id}) : {raison}")
        choisies.append(fd)
    return choisies, []


def _registre(session: Session, ctx: Context, fd: FactureDemat, tiers_id: int) -> Facture:
    facture = Facture(budget_id=ctx.budget_id, annee=ctx.exercice, facture_demat_id=fd.id,
                      tiers_id=tiers_id, numero=fd.numero, type_facture=fd.type_facture,
                      date_emission=fd.date_emission, date_reception=fd.date_reception,
                      montant_ht=fd.montant_ht, montant_ttc=fd.montant_ttc,
                      montant_net=fd.montant_net, etat=EtatFacture.A_MANDATER, cree_le=ctx.now())
    session.add(facture)
    return facture


def facturer(session: Session, ctx: Context, ids: list[int] | None) -> Traitement:
    exiger(session, ctx, DEPENSES, MODIFICATION, "facturer")
    factures, ignorees = _choisir(session, ctx, ids, (EtatFactureDemat.A_TRAITER,))
    fournisseurs = FournisseursDuLot(session, ctx, factures)
    en_cours = [fournisseurs.tiers(fd) for fd in factures]
    session.flush()
    traitees = []
    for fd, fournisseur in zip(factures, en_cours):
        tiers = fournisseur.fige()
        _registre(session, ctx, fd, tiers.tiers_id)
        changer_etat(fd, TRANSITIONS_FACTURE_DEMAT, EtatFactureDemat.FACTUREE, nom=f"Facture {fd.numero}")
        ajouter_etape(session, ctx, Etape.FACTURATION, facture_demat_id=fd.id,
                      complement="Registre des factures")
        traitees.append(FactureTraitee(fd.id, fd.numero, None, fd.montant_net, tiers.avertissements))
    _actualiser_flux(session, factures)
    session.flush()
    return Traitement(tuple(traitees), tuple(ignorees))


def _actualiser_flux(session: Session, factures: Sequence[FactureDemat]) -> None:
    """The état of each flux of the lot, once."""
    for flux_id in sorted({fd.flux_id for fd in factures}):
        actualiser_etat_flux(session, flux_id)


def repartir(total: Decimal, poids: list[Decimal]) -> list[Decimal]:
    """``total`` shared in proportion to ``poids``, each rounded to the cent, the rounding
    difference on the last line: the lines always add up to ``total`` exactly."""
    total = to_money(total)
    somme = sum(poids, Decimal("0"))
    if not poids:
        return []
    if somme == 0:
        parts = [ZERO] * (len(poids) - 1)
    else:
        parts = [to_money(total * p / somme) for p in poids[:-1]]
    return parts + [total - sum(parts, ZERO)]


def _lignes_imputation(fd: FactureDemat, total: Decimal, assujetti: bool) -> list[tuple[str, Decimal]]:
    """(désignation, montant) pre-filled from the pivot lines, else the VAT rates, else one line."""
    if fd.lignes:
        poids = [l.montant_ht for l in fd.lignes]
        noms = [l.reference_produit or f"Ligne {l.numordre}" for l in fd.lignes]
    elif len(fd.tvas) > 1:
        poids = [t.base_ht if assujetti else t.base_ht + t.montant_tva for t in fd.tvas]
        noms = [f"Taux de TVA {t.taux}" for t in fd.tvas]
    else:
        return [(fd.fournisseur_raison_sociale[:200], total)]
    return list(zip((n[:200] for n in noms), repartir(total, poids)))


def _train(session: Session, ctx: Context, budget: Budget, nom: str | None, attente: bool) -> Train:
    stmt = select(Train).where(Train.budget_id == budget.id)
    if attente:
        train = session.scalars(stmt.where(Train.attente.is_(True)).order_by(Train.id)).first()
        if train is None:
            raise ValidationError("Aucun train d'attente pour ce budget : créez-en un (trains create NOM --attente)")
        return train
    nom = nom or budget.train_defaut or "Normal"
    train = session.scalars(stmt.where(Train.nom == nom)).one_or_none()
    if train is None:
        raise NotFound(f"Train « {nom} » inconnu pour ce budget")
    return train


class _Lot:
    """What the mandats of a lot of invoices (``TAILLE_LOT`` at most) need, read once for the lot."""

    def __init__(self, session: Session, ctx: Context, budget: Budget, factures: Sequence[FactureDemat]):
        self.session, self.ctx, self.budget = session, ctx, budget
        ids = [fd.id for fd in factures]
        self.pjs: dict[int, list[PJ]] = {}
        self.registres: dict[int, Facture] = {}
        lignes: dict[int, list[FactureDematLigne]] = {}
        tvas: dict[int, list[FactureDematTva]] = {}
        for pj in session.scalars(select(PJ).where(PJ.facture_demat_id.in_(ids))
                                  .order_by(PJ.numordre, PJ.id)):
            self.pjs.setdefault(pj.facture_demat_id, []).append(pj)
        for f in session.scalars(select(Facture).where(Facture.facture_demat_id.in_(ids))
                                 .order_by(Facture.id)):
            self.registres.setdefault(f.facture_demat_id, f)
        for l in session.scalars(select(FactureDematLigne).where(FactureDematLigne.facture_demat_id.in_(ids))
                                 .order_by(FactureDematLigne.numordre)):
            lignes.setdefault(l.facture_demat_id, []).append(l)
        for t in session.scalars(select(FactureDematTva).where(FactureDematTva.facture_demat_id.in_(ids))
                                 .order_by(FactureDematTva.id)):
            tvas.setdefault(t.facture_demat_id, []).append(t)
        for fd in factures:  # the collections _lignes_imputation reads, without a query each
            attributes.set_committed_value(fd, "lignes", lignes.get(fd.id, []))
            attributes.set_committed_value(fd, "tvas", tvas.get(fd.id, []))
        numeros = sorted({fd.numero_engagement for fd in factures if fd.numero_engagement})
        self.engagements = {e.numero: e for e in session.scalars(select(Engagement).where(
            Engagement.budget_id == budget.id, Engagement.numero.in_(numeros)))} if numeros else {}
        self._articles: dict[str, Article] = {}
        self._trains: dict[tuple[str | None, bool], Train] = {}

    def article(self, code: str) -> Article:
        if code not in self._articles:
            self._articles[code] = article_imputable(self.session, self.budget.nomenclature, code, sens="D")
        return self._articles[code]

    def train(self, nom: str | None, attente: bool) -> Train:
        if (nom, attente) not in self._trains:
            self._trains[nom, attente] = _train(self.session, self.ctx, self.budget, nom, attente)
        return self._trains[nom, attente]


@dataclass
class _Mandat:
    """A mandat being built: what its PJ links, étape and result need once it has an id."""

    fd: FactureDemat
    piece: Piece
    montant: Decimal
    pjs: list[PJ]
    complement: str
    avertissements: tuple[str, ...]


def _mandat(lot: _Lot, fd: FactureDemat, fournisseur: FournisseurEnCours, *, train: str | None,
            article: str | None, sommes_admises: Decimal | None, motif: str | None) -> _Mandat:
    budget, ctx = lot.budget, lot.ctx
    tiers = fournisseur.fige()
    avertissements = list(tiers.avertissements)
    net = fd.montant_ht if budget.assujetti_tva else fd.montant_net
    montant = net
    if sommes_admises is not None:
        montant = to_money(sommes_admises)
        if not ZERO < montant < net:
            raise ValidationError(f"Facture {fd.numero} : les sommes admises ({format_eur(montant)}) "
                                  f"doivent être positives et inférieures au montant dû ({format_eur(net)})")
    engagement = lot.engagements.get(fd.numero_engagement) if fd.numero_engagement else None
    if article is not None and not article.strip():
        raise ValidationError("Article vide : donnez un code d'article ou laissez l'article par défaut")
    code_article = (engagement.article if engagement else None) or article or budget.article_defaut
    if not code_article:
        raise ValidationError("Aucun article par défaut pour ce budget (Environnement › Défaut) : "
                              "précisez --article")
    art = lot.article(code_article)
    if art.section == "I":
        avertissements.append(f"Article d'investissement {art.code} : le n° d'inventaire sera "
                              f"exigé avant la validation (onglet Inventaire)")
    regularisation = fd.mode_paiement_code == DEBIT_OFFICE
    le_train = lot.train(train, regularisation)
    if regularisation:
        avertissements.append(f"Prélèvement (débit d'office) : mandat de régularisation placé dans le "
                              f"train d'attente « {le_train.nom} » jusqu'au bordereau de régularisation")
    pjs = lot.pjs.get(fd.id, [])
    nb_suppl = sum(p.type_pj == "02" for p in pjs)
    piece = Piece(
        type_piece=MANDAT, budget_id=budget.id, annee=ctx.exercice, etat=EtatPiece.BROUILLON,
        tiers_id=tiers.tiers_id, compte_bancaire_id=tiers.compte_id, train_id=le_train.id,
        facture_demat_id=fd.id, montant=montant, montant_ht=fd.montant_ht,
        objet=(f"Facture N° {fd.numero} du {fd.date_emission:%d/%m/%Y} "
               f"reçue le {fd.date_reception:%d/%m/%Y}")[:255],
        pieces_justificatives="Facture" + (f" et {nb_suppl} pièce(s) complémentaire(s)" if nb_suppl else ""),
        date_reception=fd.date_reception, date_emission=fd.date_emission, marche=fd.numero_marche,
        mode_reglement=MODES_REGLEMENT.get(fd.mode_paiement_code or "", budget.mode_reglement_defaut or "03"),
        type_pce="05" if regularisation else "01", nat_pce="02" if art.section == "I" else "01",
        regularisation=regularisation, sommes_admises=sommes_admises is not None,
        motif_sommes_admises=(motif or "").strip()[:255] or None,
        cree_le=ctx.now(), cree_par=ctx.utilisateur)
    for ordre, (designation, part) in enumerate(_lignes_imputation(fd, montant, budget.assujetti_tva), 1):
        piece.imputations.append(Imputation(
            ordre=ordre, article=art.code, designation=designation, montant=part,
            engagement_id=engagement.id if engagement else None))
    registre = lot.registres.get(fd.id)
    if registre is not None:
        changer_etat(registre, TRANSITIONS_FACTURE, EtatFacture.MANDATEE, nom=f"Facture {fd.numero}")
        piece.facture_id = registre.id
    changer_etat(fd, TRANSITIONS_FACTURE_DEMAT, EtatFactureDemat.MANDATEE, nom=f"Facture {fd.numero}")
    fd.tiers_id = tiers.tiers_id
    complement = f"Mandat (brouillon) de {format_eur(montant)}, train {le_train.nom}"
    if sommes_admises is not None:
        complement += f" — sommes admises sur {format_eur(net)} : {piece.motif_sommes_admises}"
    return _Mandat(fd, piece, montant, pjs, complement, tuple(avertissements))


def mandater(session: Session, ctx: Context, ids: list[int] | None, *, train: str | None = None,
             article: str | None = None, sommes_admises: Decimal | None = None,
             motif: str | None = None) -> Traitement:
    """Mandats (drafts) for the invoices ``ids`` (None: every eligible one), in one transaction."""
    exiger(session, ctx, DEPENSES, MODIFICATION, "mandater")
    if sommes_admises is not None and not (motif or "").strip():
        raise ValidationError("Le motif des sommes admises est obligatoire")
    factures, ignorees = _choisir(session, ctx, ids,
                                  (EtatFactureDemat.A_TRAITER, EtatFactureDemat.FACTUREE))
    budget = session.get(Budget, ctx.budget_id)
    traitees: list[FactureTraitee] = []
    for debut in range(0, len(factures), TAILLE_LOT):  # memory bounded by the size of a lot
        lot = factures[debut:debut + TAILLE_LOT]
        traitees += _mandater_lot(session, ctx, budget, lot, train=train, article=article,
                                  sommes_admises=sommes_admises, motif=motif)
    _actualiser_flux(session, factures)
    session.flush()
    return Traitement(tuple(traitees), tuple(ignorees))


def _mandater_lot(session: Session, ctx: Context, budget: Budget, factures: list[FactureDemat], *,
                  train: str | None, article: str | None, sommes_admises: Decimal | None,
                  motif: str | None) -> list[FactureTraitee]:
    lot = _Lot(session, ctx, budget, factures)
    fournisseurs = FournisseursDuLot(session, ctx, factures)
    en_cours = [fournisseurs.tiers(fd) for fd in factures]
    session.flush()  # the new tiers' accounts get their ids
    mandats = [_mandat(lot, fd, fournisseur, train=train, article=article, sommes_admises=sommes_admises,
                       motif=motif) for fd, fournisseur in zip(factures, en_cours)]
    session.add_all(m.piece for m in mandats)
    session.flush()  # the mandats get their ids
    for m in mandats:
        session.add_all(PiecePJ(piece_id=m.piece.id, pj_id=p.id, ordre=i) for i, p in enumerate(m.pjs, 1))
        ajouter_etape(session, ctx, Etape.MANDATEMENT, facture_demat_id=m.fd.id, piece_id=m.piece.id,
                      complement=m.complement)
    session.flush()
    return [FactureTraitee(m.fd.id, m.fd.numero, m.piece.id, m.montant, m.avertissements) for m in mandats]
