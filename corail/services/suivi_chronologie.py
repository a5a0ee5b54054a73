"""The timeline of one facture dématérialisée (Suivi démat): Lecture flux → Facturée/Mandatée →
Bordereau → PES Aller → Acquitté → statut Chorus Pro.

Each step says whether it is done (with its date and what it produced), still to come, refused
(rejected invoice, bordereau rejected by Hélios, status not delivered) or without object (a
rejected invoice has no bordereau). It is read from the invoice and its flux, the mandat made
from it, that mandat's bordereau, the PES Aller that carried the bordereau and its
acquittement, the statuses queued for Chorus Pro — and the étapes, for the dates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import format_date
from corail.db.models import (
    MANDAT,
    Bordereau,
    EtapeFacture,
    Facture,
    FactureDemat,
    Flux,
    PesAcquittement,
    PesAcquittementErreur,
    PesAller,
    PesAllerBordereau,
    Piece,
    StatutChorus,
)
from corail.domain.etats import (
    STATUTS_CHORUS,
    EnvoiStatut,
    Etape,
    EtatBordereau,
    EtatFactureDemat,
    EtatPesAller,
    EtatPiece,
    libelle_etat,
)
from corail.domain.roles import CONSULTATION, SUIVI_DEMAT, TELEPROCEDURES
from corail.services.habilitations import exiger
from corail.services.suivi import verifier_facture

FAIT, A_VENIR, REFUS, SANS_OBJET = "fait", "a_venir", "refus", "sans_objet"
REFUSEES = {EtatFactureDemat.REJETEE: Etape.REJET, EtatFactureDemat.SUSPENDUE: Etape.SUSPENSION,
            EtatFactureDemat.A_RECYCLER: Etape.A_RECYCLER, EtatFactureDemat.ANOMALIE: Etape.ANOMALIE}


@dataclass(frozen=True)
class Jalon:
    """One step of the timeline."""

    libelle: str  # "Lecture flux", "Mandatée", "Bordereau", "PES Aller", "Acquitté"…
    statut: str  # fait | a_venir | refus | sans_objet
    quand: datetime | None
    detail: str  # what it produced: file, mandat, bordereau, motif, errors


@dataclass(frozen=True)
class Chronologie:
    facture_id: int
    numero: str
    jalons: tuple[Jalon, ...]

    @property
    def dernier_fait(self) -> Jalon | None:
        faits = [j for j in self.jalons if j.statut in (FAIT, REFUS)]
        return faits[-1] if faits else None


def _dates_etapes(session: Session, facture_id: int) -> dict[str, tuple[datetime, str]]:
    """The last date (and complément) of each étape of the invoice."""
    dates: dict[str, tuple[datetime, str]] = {}
    for etape, quand, complement in session.execute(
            select(EtapeFacture.etape, EtapeFacture.horodatage, EtapeFacture.complement)
            .where(EtapeFacture.facture_demat_id == facture_id)
            .order_by(EtapeFacture.horodatage, EtapeFacture.id)):
        dates[etape] = (quand, complement or "")
    return dates


def _mandat(session: Session, facture_id: int) -> Piece | None:
    """The mandat made from the invoice: the last one not cancelled (else the last one)."""
    pieces = session.scalars(select(Piece).where(Piece.facture_demat_id == facture_id,
                                                 Piece.type_piece == MANDAT)
                             .order_by(Piece.id)).all()
    vivants = [p for p in pieces if p.etat != EtatPiece.ANNULE]
    return (vivants or pieces or [None])[-1]


def _traitement(session: Session, fd: FactureDemat, piece: Piece | None,
                etapes: dict[str, tuple[datetime, str]]) -> Jalon:
    if piece is not None:
        quand = etapes.get(Etape.MANDATEMENT, (piece.cree_le, ""))[0]
        numero = f"n° {piece.numero}" if piece.numero else "non numéroté"
        return Jalon("Mandatée", FAIT, quand,
                     f"Mandat {numero} ({libelle_etat(piece.etat).lower()})")
    if fd.etat in REFUSEES:
        quand, complement = etapes.get(REFUSEES[fd.etat], (None, ""))
        motif = " — ".join(x for x in (fd.motif_rejet, fd.complement_rejet) if x)
        return Jalon(libelle_etat(fd.etat), REFUS, quand, motif or fd.anomalie or complement)
    if fd.etat == EtatFactureDemat.FACTUREE:
        registre = session.scalar(select(Facture.id).where(Facture.facture_demat_id == fd.id))
        return Jalon("Facturée", FAIT, etapes.get(Etape.FACTURATION, (None, ""))[0],
                     "Inscrite au registre des factures" if registre else "")
    return Jalon("Facturée / Mandatée", A_VENIR, None, "À traiter")


def _pes(session: Session,
         bordereau: Bordereau) -> tuple[PesAller | None, PesAllerBordereau | None]:
    """The last PES Aller that carried the bordereau, and the bordereau's result in it."""
    lien = session.scalars(select(PesAllerBordereau).join(PesAller)
                           .where(PesAllerBordereau.bordereau_id == bordereau.id)
                           .order_by(PesAller.genere_le.desc(), PesAller.id.desc())).first()
    return (lien.pes_aller if lien else None), lien


def _acquittement(session: Session, piece: Piece, bordereau: Bordereau, pa: PesAller | None,
                  lien: PesAllerBordereau | None,
                  etapes: dict[str, tuple[datetime, str]]) -> Jalon:
    etat = lien.etat if lien is not None else bordereau.etat
    quand = (pa.acquitte_le if pa is not None else None) or etapes.get(Etape.ACQUITTEMENT,
                                                                       (None, ""))[0]
    if etat in (EtatPesAller.REJETE, EtatBordereau.REJETE) or piece.etat == EtatPiece.REJETE:
        erreurs = []
        if pa is not None:
            erreurs = session.execute(
                select(PesAcquittementErreur.code, PesAcquittementErreur.libelle)
                .join(PesAcquittement).where(PesAcquittement.pes_aller_id == pa.id,
                                             (PesAcquittementErreur.piece_id == piece.id)
                                             | (PesAcquittementErreur.bordereau_id == bordereau.id))
                .order_by(PesAcquittementErreur.id)).all()
        detail = " ; ".join(f"{code} {libelle}".strip() for code, libelle in erreurs)
        return Jalon("Rejeté par Hélios", REFUS, quand, detail or "Bordereau rejeté")
    if etat in (EtatPesAller.ACCEPTE, EtatBordereau.ACCEPTE) or piece.etat in (EtatPiece.ACCEPTE,
                                                                              EtatPiece.PAYE):
        return Jalon("Acquitté", FAIT, quand, "Bordereau accepté par Hélios")
    return Jalon("Acquitté", A_VENIR, None, "")


def _statut_chorus(session: Session, fd: FactureDemat) -> Jalon:
    statut = session.scalars(select(StatutChorus).where(StatutChorus.facture_demat_id == fd.id)
                             .order_by(StatutChorus.horodatage.desc(), StatutChorus.id.desc())).first()
    if statut is None:
        return Jalon("Statut Chorus Pro", A_VENIR, None, "")
    texte = f"{statut.code} {STATUTS_CHORUS.get(statut.code, ('', ''))[1]}".strip()
    if statut.envoi == EnvoiStatut.TRANSMIS:
        return Jalon("Statut Chorus Pro", FAIT, statut.transmis_le or statut.horodatage,
                     f"{texte} — transmis")
    if statut.envoi == EnvoiStatut.ECHEC:
        return Jalon("Statut Chorus Pro", REFUS, statut.horodatage,
                     f"{texte} — échec de l'envoi" + (f" : {statut.message}" if statut.message else ""))
    return Jalon("Statut Chorus Pro", A_VENIR, statut.horodatage, f"{texte} — à transmettre")


def chronologie(session: Session, ctx: Context, facture_id: int) -> Chronologie:
    """The six steps of one invoice of the budget en cours (NotFound otherwise)."""
    exiger(session, ctx, (SUIVI_DEMAT, TELEPROCEDURES), CONSULTATION, "voir le parcours d'une facture")
    verifier_facture(session, ctx, facture_id)
    fd = session.get(FactureDemat, facture_id)
    flux = session.get(Flux, fd.flux_id)
    etapes = _dates_etapes(session, facture_id)
    piece = _mandat(session, facture_id)
    jalons = [Jalon("Lecture flux", FAIT, flux.lu_le, flux.nom_fichier),
              _traitement(session, fd, piece, etapes)]
    arret = piece is None and fd.etat in REFUSEES
    bordereau = session.get(Bordereau, piece.bordereau_id) if piece and piece.bordereau_id else None
    if bordereau is None:
        suite = SANS_OBJET if arret else A_VENIR
        jalons += [Jalon(nom, suite, None, "") for nom in ("Bordereau", "PES Aller", "Acquitté")]
    else:
        jalons.append(Jalon("Bordereau", FAIT,
                            etapes.get(Etape.BORDEREAU, (bordereau.cree_le, ""))[0],
                            f"Bordereau n° {bordereau.numero} du {format_date(bordereau.date_emission)}"))
        pa, lien = _pes(session, bordereau)
        if pa is not None:
            jalons.append(Jalon("PES Aller", FAIT, pa.genere_le, pa.nom_fichier))
        elif Etape.PES_ALLER in etapes:
            quand, complement = etapes[Etape.PES_ALLER]
            jalons.append(Jalon("PES Aller", FAIT, quand, complement))
        else:
            jalons.append(Jalon("PES Aller", A_VENIR, None, ""))
        jalons.append(_acquittement(session, piece, bordereau, pa, lien, etapes)
                      if jalons[-1].statut == FAIT else Jalon("Acquitté", A_VENIR, None, ""))
    jalons.append(_statut_chorus(session, fd))
    return Chronologie(fd.id, fd.numero, tuple(jalons))
