"""Titres de recettes: create, change, validate, duplicate, delete (drafts only), list, detail.

A titre is what a débiteur (a ``Tiers``) owes the collectivité: imputations on articles of
the recettes side of the nomenclature (sens R), each with its amount. *Avec TVA*, a line
carries a taux de TVA: typed HT (*Saisie HT*) its TVA is ``HT × taux`` rounded to the cent
and its TTC ``HT + TVA``; typed TTC (*Saisie TTC*) its HT is ``TTC / (1 + taux)`` rounded
to the cent and its TVA ``TTC − HT`` — so HT + TVA = TTC exactly, line by line and in total.
The titre's ``montant`` is the TTC total, ``montant_ht`` the HT total (PES MtHT).

Like a mandat, a titre is editable while *brouillon*, *validé* (a change sends it back to
brouillon) or *rejeté*; numbered (``services/titres_emission.numeroter_titres``) it is
read-only and corrected by a titre d'annulation/réduction. Paid, it shows *Encaissé*
(``TitreLigne.etat_libelle``). Compl 1 holds the PES codes (TypPce, NatPce of the recette
side, formats-pes-v2.md §4.2) and the **Type ASAP PES** (01, 02, 04 or none).

The lifecycle a titre shares with a mandat is ``services/pieces.py``; what differs (TVA,
PES codes, the avoir, ASAP, no waiting train) stays here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import TITRE, Bordereau, Budget, FactureDemat, Imputation, Piece, Tiers, Train
from corail.domain.etats import Etape, EtatFactureDemat, EtatPiece, libelle_etat
from corail.domain.identifiants import siret_valide
from corail.domain.roles import CONSULTATION, RECETTES
from corail.errors import ValidationError
from corail.money import ZERO, format_eur
from corail.services.factures_demat import montant_du
from corail.services.habilitations import exiger
from corail.services.nomenclature import article_imputable
from corail.services.pieces import (  # noqa: F401  (EDITABLES re-exported: screens and services use it)
    EDITABLES, GENRE_TITRE, avertissements, controles_communs, creer_piece, devalider_piece,
    modifier_piece, nature_pce, piece_du_genre, pj_de_piece, rendre_facture_demat, supprimer_brouillon,
    tiers_de_saisie, train_de_saisie, valider_piece, verifier_references,
)
from corail.services.reglages_demat import texte
from corail.services.titres_calcul import (  # noqa: F401  (re-exported: the titre's vocabulary)
    NAT_ANNULATION, NATURES_PCE, TYPES_ASAP, TYPES_PCE, MontantsLigne, calculer_ligne, lire_taux,
)

@dataclass(frozen=True)
class ImputationTitreSaisie:
    """A line of the titre as typed: ``montant`` is TTC on a titre *Saisie TTC*, HT otherwise
    (without TVA it is simply the amount); ``taux_tva`` in percent (20, 5.5) *Avec TVA*."""

    article: str
    montant: Decimal
    taux_tva: Decimal | None = None
    designation: str = ""
    fonction: str | None = None
    operation_id: int | None = None
    service_id: int | None = None
    engagement_id: int | None = None
    numero_inventaire: str | None = None


@dataclass(frozen=True)
class TitreSaisie:
    tiers_id: int  # the débiteur
    imputations: tuple[ImputationTitreSaisie, ...]
    objet: str = ""
    pieces_justificatives: str = ""
    train: str | None = None  # name; the budget's default train when None
    code_produit: str | None = None  # PES CodProdLoc
    saisie_ttc: bool = True
    avec_tva: bool = False
    # Compl 1
    type_pce: str = "01"
    nat_pce: str | None = None  # None: 02 when every article is of the investment section, else 01
    type_asap: str | None = None  # 01 | 02 | 04 | None
    references_rattachement: str | None = None
    # Compl 2
    date_echeance: date | None = None
    marche: str | None = None
    compte_tiers: str | None = None
    notes: str | None = None  # observations
    # Inventaire
    numero_inventaire: str | None = None


@dataclass(frozen=True)
class ImputationTitre:
    """A stored line, with its amounts computed."""

    ordre: int
    article: str
    designation: str
    fonction: str | None
    operation_id: int | None
    service_id: int | None
    engagement_id: int | None
    taux_tva: Decimal | None
    montant_ht: Decimal
    montant_tva: Decimal
    montant: Decimal  # TTC


@dataclass(frozen=True)
class TitreLigne:
    id: int
    numero: int | None
    etat: str
    tiers: str
    objet: str
    montant: Decimal  # TTC
    train: str
    bordereau_id: int | None
    facture_demat_id: int | None
    type_asap: str | None
    piece_origine_id: int | None  # set on a titre d'annulation/réduction

    @property
    def etat_libelle(self) -> str:
        return libelle_etat(self.etat, titre=True)


@dataclass(frozen=True)
class TitreDetail:
    ligne: TitreLigne
    saisie: TitreSaisie
    imputations: tuple[ImputationTitre, ...]
    montant_ht: Decimal
    montant_tva: Decimal
    date_emission: date | None
    bordereau: int | None  # the bordereau's number (IdBord)
    tiers_id: int | None
    pj: tuple[tuple[int, str, str], ...]  # (pj id, name, type)
    montant_du: Decimal | None  # what the avoir it comes from gives (None: no avoir)
    avertissements: tuple[str, ...] = field(default_factory=tuple)


def nom_titre(piece: Piece) -> str:
    return GENRE_TITRE.nom_de(piece)


def piece_titre(session: Session, ctx: Context, titre_id: int) -> Piece:
    """The titre's row in the budget in course, or NotFound."""
    return piece_du_genre(session, ctx, GENRE_TITRE, titre_id)


def train_des_titres(session: Session, budget: Budget, nom: str | None) -> Train:
    train = train_de_saisie(session, budget, nom)
    if train.attente:
        raise ValidationError(f"« {train.nom} » est un train d'attente (mandats de régularisation) : "
                              f"choisissez un autre train pour un titre")
    return train


def _codes(s: TitreSaisie) -> None:
    if s.type_pce not in TYPES_PCE:
        raise ValidationError(f"Compl 1 : type de pièce PES « {s.type_pce} » non admis pour un titre",
                              choix=[f"{c} {l}" for c, l in TYPES_PCE.items()])
    if s.nat_pce is not None and s.nat_pce not in NATURES_PCE:
        raise ValidationError(f"Compl 1 : nature de pièce PES « {s.nat_pce} » inconnue",
                              choix=[f"{c} {l}" for c, l in NATURES_PCE.items()])
    if s.nat_pce == NAT_ANNULATION:
        raise ValidationError("Compl 1 : la nature 06 (annulation-réduction) est réservée aux "
                              "annulations et réductions de titres")
    if s.type_asap is not None and s.type_asap not in TYPES_ASAP:
        raise ValidationError(f"Compl 1 : type ASAP PES « {s.type_asap} » inconnu",
                              choix=[f"{c} {l}" for c, l in TYPES_ASAP.items()])


def _appliquer(session: Session, ctx: Context, piece: Piece, s: TitreSaisie) -> None:
    budget = session.get(Budget, ctx.budget_id)
    tiers = tiers_de_saisie(session, ctx, s.tiers_id, "débiteur")
    if not s.imputations:
        raise ValidationError("Imputations : ajoutez au moins une imputation")
    _codes(s)
    piece.objet = texte(s.objet, "Objet", 255)
    piece.pieces_justificatives = texte(s.pieces_justificatives, "Pièces", 255)
    piece.code_produit = texte(s.code_produit, "Code produit", 10) or None
    piece.references_rattachement = texte(s.references_rattachement, "Références de rattachement",
                                          100) or None
    piece.marche = texte(s.marche, "N° de marché", 50) or None
    piece.compte_tiers = texte(s.compte_tiers, "Compte tiers", 20) or None
    piece.numero_inventaire = texte(s.numero_inventaire, "N° d'inventaire", 50) or None
    piece.notes = (s.notes or "").strip() or None
    piece.tiers_id = tiers.id
    piece.train_id = train_des_titres(session, budget, s.train).id
    piece.saisie_ttc, piece.avec_tva = s.saisie_ttc, s.avec_tva
    piece.type_pce, piece.type_asap, piece.date_echeance = s.type_pce, s.type_asap, s.date_echeance
    piece.imputations.clear()
    session.flush()
    sections = set()
    for ordre, i in enumerate(s.imputations, 1):
        try:
            art = article_imputable(session, budget.nomenclature, i.article, sens=GENRE_TITRE.sens)
            montants = calculer_ligne(i.montant, i.taux_tva, avec_tva=s.avec_tva, saisie_ttc=s.saisie_ttc)
        except ValidationError as exc:
            raise ValidationError(f"Imputation {ordre} : {exc.message}") from None
        sections.add(art.section)
        verifier_references(session, budget, ordre, i)
        piece.imputations.append(Imputation(
            ordre=ordre, article=art.code, designation=(i.designation or art.libelle)[:200],
            fonction=i.fonction or None, operation_id=i.operation_id, service_id=i.service_id,
            engagement_id=i.engagement_id, montant=montants.ttc, montant_ht=montants.ht,
            montant_tva=montants.tva if s.avec_tva else None,
            taux_tva=lire_taux(i.taux_tva) if s.avec_tva else None,
            numero_inventaire=i.numero_inventaire or None))
    piece.nat_pce = nature_pce(s.nat_pce, sections)
    piece.montant = sum((i.montant for i in piece.imputations), ZERO)
    piece.montant_ht = sum((i.montant_ht for i in piece.imputations), ZERO)
    session.flush()


def creer_titre(session: Session, ctx: Context, saisie: TitreSaisie) -> TitreDetail:
    """A new titre, *brouillon* (added to the session only once the saisie passed its checks)."""
    piece = creer_piece(session, ctx, GENRE_TITRE, lambda p: _appliquer(session, ctx, p, saisie))
    return detail_titre(session, ctx, piece.id)


def modifier_titre(session: Session, ctx: Context, titre_id: int, saisie: TitreSaisie) -> TitreDetail:
    """Change a titre not numbered yet; a validated one goes back to *brouillon*."""
    piece = modifier_piece(session, ctx, GENRE_TITRE, titre_id, lambda p: _appliquer(session, ctx, p, saisie))
    return detail_titre(session, ctx, piece.id)


def controler_titre(session: Session, piece: Piece) -> list[str]:
    """Every reason why the titre cannot be validated (empty: it can)."""
    erreurs = controles_communs(piece)
    total = sum((i.montant for i in piece.imputations), ZERO)
    erreurs += [f"imputation {i.ordre} : montant nul" for i in piece.imputations if i.montant == 0]
    du = montant_du(session, piece)
    if du is not None:
        budget = session.get(Budget, piece.budget_id)
        compare = piece.montant_ht if budget.assujetti_tva else total
        if compare != du:
            erreurs.append(f"titre différent de l'avoir : {format_eur(compare)} ≠ {format_eur(du)} "
                           f"(écart {format_eur(compare - du)})")
    tiers = session.get(Tiers, piece.tiers_id) if piece.tiers_id else None
    if tiers is None:
        erreurs.append("aucun débiteur")
    elif piece.type_asap == "02" and not (tiers.siret and siret_valide(tiers.siret)):
        erreurs.append(f"ASAP 02 (Chorus Pro) : le débiteur « {tiers.nom} » doit avoir un SIRET valide")
    elif piece.type_asap == "01" and not (tiers.adresse1 and tiers.code_postal and tiers.ville):
        erreurs.append(f"ASAP 01 (à éditer) : l'adresse postale du débiteur « {tiers.nom} » est "
                       f"incomplète (adresse, code postal, ville)")
    return erreurs


def _validable(piece: Piece) -> None:
    if piece.etat not in (EtatPiece.BROUILLON, EtatPiece.REJETE):
        raise ValidationError(f"{nom_titre(piece)} : {GENRE_TITRE.etat_en_clair(piece.etat).lower()}, "
                              f"seul un brouillon (ou un titre rejeté) se valide")


def valider_titre(session: Session, ctx: Context, titre_id: int) -> TitreDetail:
    piece = valider_piece(session, ctx, GENRE_TITRE, titre_id, controler_titre, verifier=_validable)
    return detail_titre(session, ctx, piece.id)


def devalider_titre(session: Session, ctx: Context, titre_id: int) -> TitreDetail:
    piece = devalider_piece(session, ctx, GENRE_TITRE, titre_id)
    return detail_titre(session, ctx, piece.id)


def _liberer(session: Session, ctx: Context, piece: Piece) -> None:
    """A deleted draft's avoir goes back to *Factures à créer*; its ASAP goes with it."""
    if piece.facture_demat_id is not None:
        fd = session.get(FactureDemat, piece.facture_demat_id)
        rendre_facture_demat(session, ctx, fd, EtatFactureDemat.A_TRAITER, nom=f"Avoir {fd.numero}",
                             etape=Etape.EMISSION_TITRE,
                             complement="Titre brouillon supprimé : avoir à traiter de nouveau")
    from corail.services.asap import retirer_asap_du_titre  # asap builds on titres

    retirer_asap_du_titre(session, piece.id)


def supprimer_titre(session: Session, ctx: Context, titre_id: int) -> None:
    """A draft only; the avoir it came from goes back to *Factures à créer*."""
    supprimer_brouillon(session, ctx, GENRE_TITRE, titre_id, lambda p: _liberer(session, ctx, p))


def dupliquer_titre(session: Session, ctx: Context, titre_id: int) -> TitreDetail:
    """A new draft with the same débiteur, objet, codes and imputations (no avoir, no PJ)."""
    GENRE_TITRE.exiger(session, ctx, "dupliquer")
    return creer_titre(session, ctx, detail_titre(session, ctx, titre_id).saisie)


def _ligne(p: Piece, tiers: str | None, train: str | None) -> TitreLigne:
    return TitreLigne(p.id, p.numero, p.etat, tiers or "", p.objet, p.montant, train or "",
                      p.bordereau_id, p.facture_demat_id, p.type_asap, p.piece_origine_id)


def lister_titres(session: Session, ctx: Context, *, etat: str | None = None, train: str | None = None,
                  numero: int | None = None, tiers: str | None = None) -> list[TitreLigne]:
    """The exercice's titres, numbered first in number order; ``tiers`` filters on the
    débiteur's name (contains, case ignored) or SIRET."""
    exiger(session, ctx, RECETTES, CONSULTATION, "consulter les titres")
    stmt = (select(Piece, Tiers.nom, Train.nom)
            .outerjoin(Tiers, Tiers.id == Piece.tiers_id).outerjoin(Train, Train.id == Piece.train_id)
            .where(Piece.budget_id == ctx.budget_id, Piece.annee == ctx.exercice,
                   Piece.type_piece == TITRE))
    if etat:
        stmt = stmt.where(Piece.etat == etat)
    if train:
        stmt = stmt.where(Train.nom == train)
    if numero is not None:
        stmt = stmt.where(Piece.numero == numero)
    if tiers:
        stmt = stmt.where(or_(Tiers.nom.ilike(f"%{tiers.strip()}%"), Tiers.siret == tiers.strip()))
    rows = session.execute(stmt.order_by(Piece.numero.is_(None), Piece.numero, Piece.id)).all()
    return [_ligne(p, nom_tiers, nom_train) for p, nom_tiers, nom_train in rows]


def saisie_du_titre(p: Piece, train: str | None) -> TitreSaisie:
    return TitreSaisie(
        tiers_id=p.tiers_id, objet=p.objet, pieces_justificatives=p.pieces_justificatives,
        train=train, code_produit=p.code_produit, saisie_ttc=p.saisie_ttc, avec_tva=p.avec_tva,
        type_pce=p.type_pce or "01", nat_pce=p.nat_pce, type_asap=p.type_asap,
        references_rattachement=p.references_rattachement, date_echeance=p.date_echeance,
        marche=p.marche, compte_tiers=p.compte_tiers, notes=p.notes,
        numero_inventaire=p.numero_inventaire,
        imputations=tuple(ImputationTitreSaisie(
            i.article, i.montant if (p.saisie_ttc or not p.avec_tva) else i.montant_ht, i.taux_tva,
            i.designation, i.fonction, i.operation_id, i.service_id, i.engagement_id,
            i.numero_inventaire) for i in p.imputations))


def detail_titre(session: Session, ctx: Context, titre_id: int) -> TitreDetail:
    GENRE_TITRE.exiger(session, ctx, "consulter", CONSULTATION)
    p = piece_titre(session, ctx, titre_id)
    train = session.get(Train, p.train_id) if p.train_id else None
    tiers = session.get(Tiers, p.tiers_id) if p.tiers_id else None
    bord = session.get(Bordereau, p.bordereau_id) if p.bordereau_id else None
    imputations = tuple(ImputationTitre(
        i.ordre, i.article, i.designation, i.fonction, i.operation_id, i.service_id, i.engagement_id,
        i.taux_tva, i.montant_ht if i.montant_ht is not None else i.montant,
        i.montant_tva or ZERO, i.montant) for i in p.imputations)
    ht = sum((i.montant_ht for i in imputations), ZERO)
    return TitreDetail(
        _ligne(p, tiers.nom if tiers else None, train.nom if train else None),
        saisie_du_titre(p, train.nom if train else None), imputations, ht, p.montant - ht,
        p.date_emission, bord.numero if bord else None, p.tiers_id, pj_de_piece(session, p.id),
        montant_du(session, p), avertissements(session, p, controler_titre))

