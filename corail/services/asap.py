"""The ASAP invoice of a titre (*PES Facture ASAP*), entered or imported, and its PES_Facture.

* ``saisir_asap``: the lines (libellé, quantité, prix unitaire HT, taux de TVA) entered in Corail;
  amounts computed exactly (each line's HT = quantité × prix to the cent, TVA = HT × taux to
  the cent, TTC = HT + TVA; totals are the sums), checked against the titre's total (TTC on a
  titre *Saisie TTC*, HT on a titre saisi HT).
* ``importer_asap``: a PES_Facture produced by a billing program, checked (TypeFact 09, the ASAP
  rules of the schema, RefTitre = the titre, totals = the titre's, debtor = the titre's tiers).
* Either way the PES_Facture is a PJ of the titre (``origine='asap'``, ``type_pj_pes='006'``).
  An entered ASAP references the titre's and its bordereau's numbers: its file is built as soon
  as the titre is numbered (at once if it is, else by ``preparer_asap``, which the PES Aller
  export calls). An ASAP is replaced freely until the titre is transmitted.
* ``asap_du_titre`` tells the PES Aller writer what to send (``AsapInfo``).

A refused ASAP writes nothing (the caller's transaction is rolled back on the exception).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import PJ, Piece, PiecePJ, Tiers
from corail.db.models.asap import IMPORT, SAISIE, AsapFacture, AsapLigne
from corail.domain.etats import Etape, EtatPiece
from corail.domain.roles import CONSULTATION, MODIFICATION, RECETTES
from corail.errors import NotFound, ValidationError
from corail.formats.pes_facture import construire
from corail.money import ZERO, format_eur, to_money
from corail.services.asap_regles import (
    ExigencesChorus,
    Signataire,
    controler_debiteur,
    facture_du_titre,
    lire_exigences,
    references,
    signataire_de,
    type_asap_du_titre,
    verifier_parametrage,
)
from corail.services.etapes import ajouter_etape
from corail.services.habilitations import exiger
from corail.services.pj import enregistrer_pj, supprimer_pj
from corail.services.titres import nom_titre, piece_titre

TYPE_PJ_ASAP = "006"
#: états of a titre whose ASAP may still be entered, imported or replaced
REMPLACABLES = (EtatPiece.BROUILLON, EtatPiece.VALIDE, EtatPiece.NUMEROTE, EtatPiece.REJETE)


@dataclass(frozen=True)
class LigneSaisie:
    """A line as typed: ``quantite`` (5 digits at most, 2 decimals), ``prix_unitaire_ht``
    (> 0, to the cent), ``taux_tva`` in percent (20, 5.5, 0)."""

    libelle: str
    quantite: Decimal
    prix_unitaire_ht: Decimal
    taux_tva: Decimal
    date: date | None = None  # of the prestation; the titre's date when None


@dataclass(frozen=True)
class LigneCalculee:
    ordre: int
    libelle: str
    quantite: Decimal
    prix_unitaire_ht: Decimal
    taux_tva: Decimal
    montant_ht: Decimal
    montant_tva: Decimal
    montant_ttc: Decimal
    date: date | None = None


@dataclass(frozen=True)
class TotauxAsap:
    lignes: tuple[LigneCalculee, ...]
    ht: Decimal
    tva: Decimal
    ttc: Decimal


@dataclass(frozen=True)
class AsapInfo:
    """What the PES Aller writes for a titre with an ASAP: ``Edition`` = ``type_asap``; the PJ
    (PES_PJ TypePJ ``type_pj_pes``, NomPJ ``nom_pj``) with a PJRef from the titre's BlocPiece;
    for 02 ``code_service`` / ``numero_engagement`` in the BlocPiece. ``pj_id`` None: the file
    is still to build (``preparer_asap``)."""

    piece_id: int
    type_asap: str
    origine: str
    pj_id: int | None
    nom_pj: str | None
    type_pj_pes: str
    montant_ttc: Decimal
    code_service: str | None
    numero_engagement: str | None


@dataclass(frozen=True)
class AsapDetail:
    titre_id: int
    titre: str  # "Titre n° 12"
    type_asap: str
    origine: str  # saisie | import
    numero_facture: str
    objet: str
    date_emission: date
    lignes: tuple[LigneCalculee, ...]
    montant_ht: Decimal
    montant_tva: Decimal
    montant_ttc: Decimal
    signataire: Signataire
    mode_recouvrement: str
    code_service: str | None
    numero_engagement: str | None
    pj_id: int | None
    nom_pj: str | None
    talon: tuple[str, str] | None
    cree_le: object
    cree_par: str


# --------------------------------------------------------------------------- computing

def _decimal(valeur: Decimal | str | int, champ: str) -> Decimal:
    if isinstance(valeur, float):
        raise TypeError("jamais de float pour un montant ou une quantité")
    try:
        d = Decimal(str(valeur).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ArithmeticError:
        raise ValidationError(f"{champ} illisible : « {valeur} »") from None
    if not d.is_finite():
        raise ValidationError(f"{champ} invalide : « {valeur} »")
    return d


def calculer_lignes(lignes: list[LigneSaisie] | tuple[LigneSaisie, ...]) -> TotauxAsap:
    """The lines' amounts and the totals, exact to the cent (what the entry dialog shows)."""
    if not lignes:
        raise ValidationError("Facture ASAP : saisissez au moins une ligne")
    calculees = []
    for n, l in enumerate(lignes, 1):
        ou = f"Ligne {n}"
        libelle = " ".join((l.libelle or "").split())
        if not libelle:
            raise ValidationError(f"{ou} : libellé manquant")
        if len(libelle) > 200:
            raise ValidationError(f"{ou} : libellé trop long ({len(libelle)} caractères, 200 au plus)")
        q = _decimal(l.quantite, f"{ou} : quantité")
        chiffres = q.normalize().as_tuple()
        if q <= 0 or -chiffres.exponent > 2 or len(q.quantize(Decimal("0.01")).normalize().as_tuple().digits) > 5:
            raise ValidationError(f"{ou} : quantité « {l.quantite} » invalide (positive, 5 chiffres au "
                                  f"plus dont 2 décimales)")
        pu = _decimal(l.prix_unitaire_ht, f"{ou} : prix unitaire HT")
        if pu <= 0 or pu != pu.quantize(Decimal("0.01")):
            raise ValidationError(f"{ou} : prix unitaire HT « {l.prix_unitaire_ht} » invalide (positif, "
                                  f"au centime)")
        taux = _decimal(l.taux_tva, f"{ou} : taux de TVA")
        if not ZERO <= taux < 100 or taux != taux.quantize(Decimal("0.01")):
            raise ValidationError(f"{ou} : taux de TVA « {l.taux_tva} » invalide (0 à 99,99 %)")
        ht = to_money(q * pu)
        tva = to_money(ht * taux / 100)
        calculees.append(LigneCalculee(n, libelle, q, to_money(pu), taux, ht, tva, ht + tva, l.date))
    ht = sum((l.montant_ht for l in calculees), ZERO)
    tva = sum((l.montant_tva for l in calculees), ZERO)
    return TotauxAsap(tuple(calculees), ht, tva, ht + tva)


def montant_reference(piece: Piece) -> tuple[Decimal, str]:
    """The titre's total an ASAP must equal: HT for a titre saisi HT (avec TVA), else TTC."""
    if piece.avec_tva and not piece.saisie_ttc and piece.montant_ht is not None:
        return piece.montant_ht, "HT"
    return piece.montant, "TTC"


def _comparer_totaux(piece: Piece, ht: Decimal, ttc: Decimal, *, ou: str = "ASAP") -> None:
    attendu, nature = montant_reference(piece)
    donne = ht if nature == "HT" else ttc
    if donne != attendu:
        raise ValidationError(
            f"{ou} : total {nature} {format_eur(donne)} différent du montant {nature} du "
            f"{nom_titre(piece).lower()} ({format_eur(attendu)}, écart {format_eur(donne - attendu)})")


# --------------------------------------------------------------------------- storing

def _titre_modifiable(session: Session, ctx: Context, titre_id: int) -> Piece:
    piece = piece_titre(session, ctx, titre_id)
    if piece.etat not in REMPLACABLES:
        raise ValidationError(f"{nom_titre(piece)} : {piece.etat}, son ASAP ne se saisit ni ne se "
                              f"remplace plus (le titre est parti au comptable)")
    return piece


def _asap(session: Session, piece_id: int) -> AsapFacture | None:
    return session.scalars(select(AsapFacture).where(AsapFacture.piece_id == piece_id)).one_or_none()


def _retirer(session: Session, asap: AsapFacture) -> None:
    """Drop an ASAP and its PES_Facture PJ (before a replacement or a deletion)."""
    pj_id = asap.pj_id
    session.delete(asap)
    session.flush()
    if pj_id is not None:
        session.execute(delete(PiecePJ).where(PiecePJ.pj_id == pj_id, PiecePJ.piece_id == asap.piece_id))
        supprimer_pj(session, pj_id)


def retirer_asap_du_titre(session: Session, piece_id: int) -> None:
    """The titre is being deleted (a draft): its ASAP and PES_Facture PJ go with it."""
    asap = _asap(session, piece_id)
    if asap is not None:
        _retirer(session, asap)


def nom_fichier(piece: Piece) -> str:
    """NomPJ of the PES_Facture: ``PES_Facture_ASAP_2026_T12.xml`` (or the titre id, draft)."""
    return f"PES_Facture_ASAP_{piece.annee}_{f'T{piece.numero}' if piece.numero else f'ID{piece.id}'}.xml"


def _attacher(session: Session, ctx: Context, piece: Piece, asap: AsapFacture, contenu: bytes, *,
              nom_origine: str | None = None) -> None:
    exercice, bordereau, numero = references(session, piece)
    pj = enregistrer_pj(session, ctx, contenu, nom=nom_fichier(piece), type_pj="02",
                        mime="application/xml", origine="asap", nom_origine=nom_origine)
    pj.type_pj_pes = TYPE_PJ_ASAP
    ordre = (session.scalar(select(func.max(PiecePJ.ordre)).where(PiecePJ.piece_id == piece.id)) or 0) + 1
    session.add(PiecePJ(piece_id=piece.id, pj_id=pj.id, ordre=ordre))
    asap.pj_id = pj.id
    asap.ref_exercice, asap.ref_bordereau, asap.ref_titre = exercice, bordereau, numero
    session.flush()


def _generer(session: Session, ctx: Context, piece: Piece, asap: AsapFacture) -> None:
    """Build the entered ASAP's PES_Facture and attach it (the titre is numbered)."""
    reglage = verifier_parametrage(session, ctx, signataire=Signataire(
        asap.signataire_nom, asap.signataire_prenom, asap.signataire_fonction))
    facture = facture_du_titre(session, piece, session.get(Tiers, piece.tiers_id), asap, reglage)
    asap.talon_ligne1, asap.talon_ligne2 = facture.talon
    _attacher(session, ctx, piece, asap, construire(facture))


def _numerote(session: Session, piece: Piece) -> bool:
    return all(references(session, piece))


def saisir_asap(session: Session, ctx: Context, titre_id: int, lignes: list[LigneSaisie], *,
                objet: str | None = None, signataire: Signataire | None = None,
                code_service: str | None = None, numero_engagement: str | None = None) -> AsapDetail:
    """Enter (or replace) the ASAP of a titre; its PES_Facture is built now if the titre is
    numbered, else when it is (``preparer_asap``)."""
    exiger(session, ctx, RECETTES, MODIFICATION, "saisir une facture ASAP")
    piece = _titre_modifiable(session, ctx, titre_id)
    type_asap = type_asap_du_titre(piece)
    reglage = verifier_parametrage(session, ctx, signataire=signataire)
    tiers = session.get(Tiers, piece.tiers_id) if piece.tiers_id else None
    code_service = (code_service or "").strip() or None
    numero_engagement = (numero_engagement or "").strip() or None
    exigences = lire_exigences(session, ctx, tiers.id) if tiers else ExigencesChorus()
    raisons = controler_debiteur(tiers, type_asap, code_service=code_service,
                                 numero_engagement=numero_engagement, exigences=exigences)
    if raisons:
        raise ValidationError(f"{nom_titre(piece)} : ASAP {type_asap} impossible :", choix=raisons)
    totaux = calculer_lignes(lignes)
    _comparer_totaux(piece, totaux.ht, totaux.ttc)
    objet = " ".join((objet or piece.objet or f"{nom_titre(piece)}").split())
    if len(objet) > 160:
        raise ValidationError(f"Objet de l'ASAP trop long ({len(objet)} caractères, 160 au plus)")
    ancien = _asap(session, piece.id)
    if ancien is not None:
        _retirer(session, ancien)
    sig = signataire_de(reglage, signataire)
    emission = piece.date_emission or ctx.today()
    asap = AsapFacture(
        piece_id=piece.id, origine=SAISIE, type_asap=type_asap, date_facture=ctx.today(),
        date_emission=emission, numero_facture=f"ASAP-{piece.annee}-{piece.id}", objet=objet,
        montant_ht=totaux.ht, montant_tva=totaux.tva, montant_ttc=totaux.ttc,
        signataire_nom=sig.nom, signataire_prenom=sig.prenom, signataire_fonction=sig.fonction,
        mode_recouvrement=reglage.mode_recouvrement,
        code_service=code_service or exigences.code_service or None,
        numero_engagement=numero_engagement, cree_le=ctx.now(), cree_par=ctx.utilisateur,
        lignes=[AsapLigne(ordre=l.ordre, libelle=l.libelle, date_prestation=l.date, quantite=l.quantite,
                          prix_unitaire_ht=l.prix_unitaire_ht, taux_tva=l.taux_tva,
                          montant_ht=l.montant_ht, montant_tva=l.montant_tva, montant_ttc=l.montant_ttc)
                for l in totaux.lignes])
    session.add(asap)
    session.flush()
    if _numerote(session, piece):
        _generer(session, ctx, piece, asap)
    ajouter_etape(session, ctx, Etape.FACTURE_ASAP, piece_id=piece.id,
                  facture_demat_id=piece.facture_demat_id,
                  complement=f"ASAP {type_asap} saisie ({format_eur(totaux.ttc)} TTC)"
                  + (" en remplacement de la précédente" if ancien is not None else ""))
    session.flush()
    return detail(session, piece, asap)


def supprimer_asap(session: Session, ctx: Context, titre_id: int) -> None:
    """Remove the ASAP of a titre not transmitted (and its PES_Facture PJ)."""
    exiger(session, ctx, RECETTES, MODIFICATION, "supprimer une facture ASAP")
    piece = _titre_modifiable(session, ctx, titre_id)
    asap = _asap(session, piece.id)
    if asap is None:
        raise NotFound(f"{nom_titre(piece)} : pas de facture ASAP")
    _retirer(session, asap)
    ajouter_etape(session, ctx, Etape.FACTURE_ASAP, piece_id=piece.id,
                  facture_demat_id=piece.facture_demat_id, complement="ASAP supprimée")


# --------------------------------------------------------------------------- reading

def detail(session: Session, piece: Piece, asap: AsapFacture) -> AsapDetail:
    pj = session.get(PJ, asap.pj_id) if asap.pj_id else None
    return AsapDetail(
        titre_id=piece.id, titre=nom_titre(piece), type_asap=asap.type_asap, origine=asap.origine,
        numero_facture=asap.numero_facture, objet=asap.objet, date_emission=asap.date_emission,
        lignes=tuple(LigneCalculee(l.ordre, l.libelle, l.quantite, l.prix_unitaire_ht, l.taux_tva,
                                   l.montant_ht, l.montant_tva, l.montant_ttc, l.date_prestation)
                     for l in asap.lignes),
        montant_ht=asap.montant_ht, montant_tva=asap.montant_tva, montant_ttc=asap.montant_ttc,
        signataire=Signataire(asap.signataire_nom, asap.signataire_prenom, asap.signataire_fonction),
        mode_recouvrement=asap.mode_recouvrement, code_service=asap.code_service,
        numero_engagement=asap.numero_engagement, pj_id=asap.pj_id, nom_pj=pj.nom if pj else None,
        talon=(asap.talon_ligne1, asap.talon_ligne2) if asap.talon_ligne1 else None,
        cree_le=asap.cree_le, cree_par=asap.cree_par)


def lire_asap_titre(session: Session, ctx: Context, titre_id: int) -> AsapDetail | None:
    """The ASAP of a titre (None: none entered nor imported)."""
    exiger(session, ctx, RECETTES, CONSULTATION, "consulter une facture ASAP")
    piece = piece_titre(session, ctx, titre_id)
    asap = _asap(session, piece.id)
    return detail(session, piece, asap) if asap else None


def _info(session: Session, piece: Piece, asap: AsapFacture) -> AsapInfo:
    pj = session.get(PJ, asap.pj_id) if asap.pj_id else None
    return AsapInfo(piece.id, piece.type_asap, asap.origine, asap.pj_id, pj.nom if pj else None,
                    TYPE_PJ_ASAP, asap.montant_ttc, asap.code_service, asap.numero_engagement)


def asap_du_titre(session: Session, piece_id: int) -> AsapInfo | None:
    """The ASAP the PES Aller sends with this titre; None when the titre has no ASAP or no
    Type ASAP PES any more. Read only (see ``preparer_asap`` to build a missing file)."""
    piece = session.get(Piece, piece_id)
    asap = _asap(session, piece_id) if piece is not None else None
    if asap is None or piece.type_asap is None:
        return None
    return _info(session, piece, asap)


def preparer_asap(session: Session, ctx: Context, piece_id: int) -> AsapInfo | None:
    """Make the ASAP of a numbered titre ready to send: an entered ASAP's PES_Facture is
    (re)built when missing or built with other numbers; an imported one must reference the
    titre. The totals must still equal the titre's. ValidationError otherwise."""
    piece = session.get(Piece, piece_id)
    asap = _asap(session, piece_id) if piece is not None else None
    if asap is None or piece.type_asap is None:
        return None
    refs = references(session, piece)
    if not all(refs):
        raise ValidationError(f"{nom_titre(piece)} : numérotez le titre avant d'envoyer son ASAP "
                              f"(la PES Facture référence son numéro et celui de son bordereau)")
    _comparer_totaux(piece, asap.montant_ht, asap.montant_ttc, ou=f"ASAP du {nom_titre(piece).lower()}")
    if (asap.ref_exercice, asap.ref_bordereau, asap.ref_titre) != refs or asap.pj_id is None:
        if asap.origine == IMPORT:
            raise ValidationError(f"{nom_titre(piece)} : la PES Facture importée référence le titre "
                                  f"{asap.ref_titre} du bordereau {asap.ref_bordereau} ; importez-la "
                                  f"de nouveau depuis le logiciel de facturation")
        if asap.pj_id is not None:
            pj_id, asap.pj_id = asap.pj_id, None
            session.execute(delete(PiecePJ).where(PiecePJ.pj_id == pj_id))
            session.flush()
            supprimer_pj(session, pj_id)
        _generer(session, ctx, piece, asap)
    return _info(session, piece, asap)
