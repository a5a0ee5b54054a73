"""Acquittements of PES Aller files: matched by NomFic, applied to bordereaux, pièces and PJ.

``importer_acquittement`` reads the file (formats/pes_acquit.py), finds the PES Aller it
answers, and marks each bordereau and PJ accepted or rejected with the errors Hélios
gave (stored, linked to the bordereau, the mandat or titre, the line or the PJ). A
rejected bordereau's pièces become *Rejeté* — editable again (services/mandats
EDITABLES) and sent again once corrected. The invoices of the mandats get the étape
*Acquittement*. The same acquittement twice, or a second one for an acquitted file, is
refused; so is anything that does not match the file sent: nothing is written then.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import (
    MANDAT,
    Bordereau,
    Budget,
    PesAcquittement,
    PesAcquittementErreur,
    PesAller,
    PesAllerBordereau,
    PesAllerPJ,
    Piece,
)
from corail.domain.etats import (
    TRANSITIONS_BORDEREAU,
    TRANSITIONS_PES_ALLER,
    TRANSITIONS_PIECE,
    Etape,
    EtatBordereau,
    EtatPesAller,
    EtatPiece,
)
from corail.domain.roles import CONSULTATION, MODIFICATION, SUIVI_DEMAT, TELEPROCEDURES
from corail.domain.workflow import changer_etat
from corail.errors import NotFound, ValidationError
from corail.formats import pes_acquit as fa
from corail.services.etapes import ajouter_etape
from corail.services.habilitations import exiger
from corail.services.pes_donnees import nom_bordereau, nom_piece


@dataclass(frozen=True)
class ErreurInfo:
    objet: str  # "Bordereau n° 3 (mandats 2026, type 01)", "Mandat n° 12, ligne 1", "PJ « f.pdf »"
    code: str
    libelle: str
    bordereau_id: int | None
    piece_id: int | None
    pes_aller_pj_id: int | None


@dataclass(frozen=True)
class AcquittementInfo:
    id: int
    nom_fichier: str
    format: str
    nom_fic: str
    pes_aller_id: int
    pes_aller: str  # its file name
    etat: str
    nb_acceptes: int
    nb_rejetes: int
    motif: str
    importe_le: datetime
    importe_par: str
    erreurs: tuple[ErreurInfo, ...]


class _Application:
    """Verdicts collected first (bordereaux, PJ, errors), then applied in one go."""

    def __init__(self, session: Session, ctx: Context, pa: PesAller, acq: PesAcquittement) -> None:
        self.s, self.ctx, self.pa, self.acq = session, ctx, pa, acq
        self.liens = list(pa.bordereaux)
        self.pjs = {p.id_unique: p for p in session.scalars(
            select(PesAllerPJ).where(PesAllerPJ.pes_aller_id == pa.id))}
        self.verdict_bord: dict[int, bool] = {}
        self.verdict_pj: dict[str, bool] = {}

    def erreur(self, code: str, libelle: str, **kw) -> None:
        for champ, longueur in (("numero_piece", 20), ("numero_ligne", 10)):  # their columns
            if kw.get(champ):
                kw[champ] = kw[champ][:longueur]
        self.acq.erreurs.append(PesAcquittementErreur(code=code[:100], libelle=libelle, **kw))

    def _liens(self, e: fa.Element) -> list[PesAllerBordereau]:
        types = {fa.DOMAINE_DEPENSE: {MANDAT}, fa.DOMAINE_RECETTE: {"titre"}}.get(e.domaine, {MANDAT, "titre"})
        liens = [l for l in self.liens if l.numero == e.num_bord and l.type_piece in types
                 and (e.exercice is None or l.annee == e.exercice)]
        if not liens:
            raise ValidationError(
                f"Acquittement : bordereau n° {e.num_bord}"
                + (f"/{e.exercice}" if e.exercice else "") + f" ({e.libelle_domaine}) absent du "
                f"PES Aller « {self.pa.nom_fichier} » : acquittement d'un autre fichier ?")
        return liens

    def _piece(self, bordereau_id: int, numero: str) -> Piece | None:
        if not (numero.isascii() and numero.isdigit()) or len(numero) > 9:
            return None  # not a pièce number Corail can have given
        return self.s.scalars(select(Piece).where(Piece.bordereau_id == bordereau_id,
                                                  Piece.numero == int(numero))).first()

    def element(self, e: fa.Element) -> None:
        if e.num_bord is not None:
            for lien in self._liens(e):
                b = self.s.get(Bordereau, lien.bordereau_id)
                self.verdict_bord[b.id] = self.verdict_bord.get(b.id, True) and e.accepte
                for err in e.erreurs:
                    piece = self._piece(b.id, e.num_piece) if e.num_piece else None
                    self.erreur(err.code, err.libelle, domaine=e.domaine, bordereau_id=b.id,
                                piece_id=piece.id if piece else None, exercice=lien.annee,
                                numero_bordereau=str(b.numero), numero_piece=e.num_piece,
                                numero_ligne=e.num_ligne)
                for d in e.pieces:
                    piece = self._piece(b.id, d.numero)
                    commun = dict(domaine=e.domaine, bordereau_id=b.id, exercice=lien.annee,
                                  piece_id=piece.id if piece else None,
                                  numero_bordereau=str(b.numero), numero_piece=d.numero[:20])
                    for err in d.erreurs:
                        self.erreur(err.code, err.libelle, **commun)
                    for l in d.lignes:
                        for err in l.erreurs:
                            self.erreur(err.code, err.libelle, numero_ligne=l.numero[:10], **commun)
        elif e.id_unique is not None:
            pj = self.pjs.get(e.id_unique)
            if pj is None:
                raise ValidationError(f"Acquittement : PJ « {e.id_unique} » absente du PES Aller "
                                      f"« {self.pa.nom_fichier} » : acquittement d'un autre fichier ?")
            self.verdict_pj[pj.id_unique] = self.verdict_pj.get(pj.id_unique, True) and e.accepte
            for err in e.erreurs:
                self.erreur(err.code, err.libelle, domaine=e.domaine, pes_aller_pj_id=pj.id,
                            piece_id=pj.piece_id, id_unique=pj.id_unique)
        else:  # the whole file (technique, signature): a rejection refuses everything
            if not e.accepte:
                self.tout(False)
            for err in e.erreurs:
                self.erreur(err.code, err.libelle, domaine=e.domaine)

    def tout(self, accepte: bool) -> None:
        for l in self.liens:
            self.verdict_bord[l.bordereau_id] = self.verdict_bord.get(l.bordereau_id, True) and accepte
        for u in self.pjs:
            self.verdict_pj[u] = self.verdict_pj.get(u, True) and accepte

    def appliquer(self) -> tuple[int, int]:
        ok = ko = 0
        for lien in self.liens:
            if lien.bordereau_id not in self.verdict_bord:
                continue
            accepte = self.verdict_bord[lien.bordereau_id]
            ok, ko = ok + accepte, ko + (not accepte)
            self._bordereau(lien, accepte)
        for u, accepte in self.verdict_pj.items():
            ok, ko = ok + accepte, ko + (not accepte)
            self.pjs[u].etat = EtatPesAller.ACCEPTE if accepte else EtatPesAller.REJETE
        return ok, ko

    def _bordereau(self, lien: PesAllerBordereau, accepte: bool) -> None:
        b = self.s.get(Bordereau, lien.bordereau_id)
        lien.etat = EtatPesAller.ACCEPTE if accepte else EtatPesAller.REJETE
        changer_etat(b, TRANSITIONS_BORDEREAU, EtatBordereau.ACCEPTE if accepte else EtatBordereau.REJETE,
                     nom=nom_bordereau(b))
        motifs: dict[int | None, PesAcquittementErreur] = {}
        for e in self.acq.erreurs:  # the first error about each pièce
            if e.bordereau_id == b.id:
                motifs.setdefault(e.piece_id, e)
        general = next((e for e in self.acq.erreurs if e.bordereau_id == b.id), None) \
            or next((e for e in self.acq.erreurs if e.bordereau_id is None and e.pes_aller_pj_id is None), None)
        for p in self.s.scalars(select(Piece).where(Piece.bordereau_id == b.id)):
            if p.etat != EtatPiece.TRANSMIS:  # annulled meanwhile: its état stays
                continue
            changer_etat(p, TRANSITIONS_PIECE, EtatPiece.ACCEPTE if accepte else EtatPiece.REJETE,
                         nom=nom_piece(p))
            if p.facture_demat_id is not None:
                err = motifs.get(p.id) or general
                texte = f"Bordereau n° {b.numero} {'accepté' if accepte else 'rejeté'} par Hélios"
                if not accepte and err is not None:
                    texte += f" : {err.code} {err.libelle}".rstrip()
                ajouter_etape(self.s, self.ctx, Etape.ACQUITTEMENT, facture_demat_id=p.facture_demat_id,
                              piece_id=p.id, complement=texte[:1000])


def _sha256(chemin: Path) -> tuple[str, int]:
    h, taille = hashlib.sha256(), 0
    with chemin.open("rb") as f:
        while bloc := f.read(1 << 20):
            h.update(bloc)
            taille += len(bloc)
    return h.hexdigest(), taille


def _objet(s: Session, e: PesAcquittementErreur) -> str:
    if e.pes_aller_pj_id is not None:
        pj = s.get(PesAllerPJ, e.pes_aller_pj_id)
        return f"PJ « {pj.nom_pj} »"
    if e.piece_id is not None:
        return nom_piece(s.get(Piece, e.piece_id)) + (f", ligne {e.numero_ligne}" if e.numero_ligne else "")
    if e.bordereau_id is not None:
        return nom_bordereau(s.get(Bordereau, e.bordereau_id)) + (
            f", pièce n° {e.numero_piece}" if e.numero_piece else "")
    return "Fichier" + (f" ({fa.DOMAINES.get(e.domaine, e.domaine)})" if e.domaine else "")


def _info(s: Session, a: PesAcquittement) -> AcquittementInfo:
    pa = s.get(PesAller, a.pes_aller_id)
    return AcquittementInfo(
        a.id, a.nom_fichier, a.format, a.nom_fic, pa.id, pa.nom_fichier, a.etat, a.nb_acceptes,
        a.nb_rejetes, a.motif or "", a.importe_le, a.importe_par,
        tuple(ErreurInfo(_objet(s, e), e.code, e.libelle, e.bordereau_id, e.piece_id, e.pes_aller_pj_id)
              for e in a.erreurs))


def _pes_aller(session: Session, ctx: Context, acq: fa.Acquittement, nom: str) -> PesAller:
    nom_fic = acq.nom_fic.removesuffix(".xml")
    pa = session.scalars(select(PesAller).where(PesAller.nom_fic.in_({acq.nom_fic, nom_fic}))).first()
    if pa is None:
        raise NotFound(f"« {nom} » acquitte le fichier « {acq.nom_fic} », qu'aucun PES Aller de "
                       f"Corail ne porte (NomFic)")
    budget = session.get(Budget, pa.budget_id)
    if pa.budget_id != ctx.budget_id:
        raise ValidationError(f"« {nom} » concerne le budget {budget.code_complet} ({budget.libelle}) : "
                              f"choisissez ce budget pour le lire")
    for champ, recu, attendu in (("CodCol", acq.cod_col, budget.code_col),
                                 ("CodBud", acq.cod_bud, budget.code_bud),
                                 ("IdColl", acq.id_coll, budget.siret)):
        if recu and recu != attendu:
            raise ValidationError(f"« {nom} » : {champ} « {recu} » au lieu de « {attendu} » "
                                  f"pour le PES Aller « {pa.nom_fichier} »")
    if pa.etat != EtatPesAller.TRANSMIS:
        deja = session.scalars(select(PesAcquittement).where(PesAcquittement.pes_aller_id == pa.id)).first()
        raise ValidationError(f"Le PES Aller « {pa.nom_fichier} » est déjà acquitté"
                              + (f" (« {deja.nom_fichier} », lu le {deja.importe_le:%d/%m/%Y})" if deja else ""))
    return pa


def importer_acquittement(session: Session, ctx: Context, chemin: Path | str) -> AcquittementInfo:
    """Read an acquittement and apply it to the PES Aller it answers (see the module's doc)."""
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "importer un acquittement")
    chemin = Path(chemin)
    acq = fa.lire_acquittement(chemin)
    sha, taille = _sha256(chemin)
    deja = session.scalars(select(PesAcquittement).where(PesAcquittement.sha256 == sha)).first()
    if deja is not None:
        raise ValidationError(f"« {chemin.name} » a déjà été lu le {deja.importe_le:%d/%m/%Y} "
                              f"(acquittement « {deja.nom_fichier} »)")
    pa = _pes_aller(session, ctx, acq, chemin.name)
    row = PesAcquittement(pes_aller_id=pa.id, nom_fichier=chemin.name[:255], sha256=sha, taille=taille,
                          format=acq.format, nom_fic=acq.nom_fic[:100], etat=EtatPesAller.ACCEPTE,
                          motif=acq.motif or None, importe_le=ctx.now(), importe_par=ctx.utilisateur)
    app = _Application(session, ctx, pa, row)
    if acq.global_accepte is not None:
        app.tout(acq.global_accepte)
        if not acq.global_accepte:
            app.erreur("NON_ACQUIT", acq.motif or "Fichier refusé par Hélios (PES_NonAcquit)")
    for e in acq.elements:  # matched first: a mismatch is refused before anything is added
        app.element(e)
    session.add(row)
    session.flush()
    ok, ko = app.appliquer()
    etat = EtatPesAller.REJETE if ko and not ok else EtatPesAller.ACCEPTE_PARTIEL if ko else EtatPesAller.ACCEPTE
    row.etat, row.nb_acceptes, row.nb_rejetes = etat, ok, ko
    changer_etat(pa, TRANSITIONS_PES_ALLER, etat, nom=f"PES Aller « {pa.nom_fichier} »")
    pa.acquitte_le = ctx.now()
    session.flush()
    return _info(session, row)


def lister_acquittements(session: Session, ctx: Context) -> list[AcquittementInfo]:
    """The budget's acquittements, newest first, with their errors."""
    exiger(session, ctx, (TELEPROCEDURES, SUIVI_DEMAT), CONSULTATION, "voir les acquittements")
    rows = session.scalars(select(PesAcquittement).join(PesAller)
                           .where(PesAller.budget_id == ctx.budget_id)
                           .order_by(PesAcquittement.importe_le.desc(), PesAcquittement.id.desc()))
    return [_info(session, a) for a in rows]
