"""PES Aller: check the bordereaux, write the file into the transfer folder, record it.

``exporter_pes`` refuses with every problem before anything is written
(``verifier_bordereaux`` lists them). It writes aside (``.NOM.xml.partiel`` in the same
folder, fsync'ed) and renames at the very end: a crash, a cancel or a refusal leaves no
partial PES file where the transfer software looks; the temporary file is removed on
failure. With ``apres_validation=True`` (the command line) the rename waits for the commit:
a process killed between the two can never leave a file the database does not record (the
trésorerie would receive its bordereaux twice); killed after the commit, the complete
temporary file is put in place by the next export to that folder. It records the file (``PesAller``: NomFic, sha256, size, amounts, bordereaux,
PJ IdUnique), marks bordereaux and pièces *transmis* and adds the étape *PES Aller* to
the invoices of the mandats. The caller owns the transaction: a failure rolls it back.
"""
from __future__ import annotations

import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import (
    MANDAT,
    Bordereau,
    Budget,
    Collectivite,
    Compteur,
    PesAller,
    PesAllerBordereau,
    PesAllerPJ,
)
from corail.domain.etats import (
    TRANSITIONS_BORDEREAU,
    TRANSITIONS_PIECE,
    Etape,
    EtatBordereau,
    EtatPesAller,
    EtatPiece,
)
from corail.domain.roles import CONSULTATION, MODIFICATION, SUIVI_DEMAT, TELEPROCEDURES
from corail.domain.workflow import changer_etat
from corail.errors import NotFound, ValidationError
from corail.formats import pes_aller as w
from corail.jobs import NO_CONTROL, JobControl
from corail.money import ZERO
from corail.services.compteurs import prendre_numero
from corail.services.etapes import ajouter_etape
from corail.services.habilitations import exiger
from corail.services.pes_donnees import Preparation, nom_bordereau, nom_piece, preparer

NATURE_COMPTEUR_PJ = "pj_pes"
SUFFIXE_TEMP = ".partiel"
AGE_TEMP_ABANDONNE = 3600  # seconds: a temporary file older than this was left by a crash


@dataclass(frozen=True)
class PesAllerInfo:
    id: int
    nom_fichier: str
    chemin: str
    nom_fic: str
    sha256: str
    taille: int
    date_str: date
    genere_le: datetime
    genere_par: str
    nb_bordereaux: int
    nb_pieces: int
    nb_pj: int
    montant: Decimal
    etat: str
    bordereaux: tuple[str, ...]  # "Mandats n° 3/2026 (01)"
    acquitte_le: datetime | None


def _info(pa: PesAller) -> PesAllerInfo:
    return PesAllerInfo(
        pa.id, pa.nom_fichier, pa.chemin, pa.nom_fic, pa.sha256, pa.taille, pa.date_str,
        pa.genere_le, pa.genere_par, pa.nb_bordereaux, pa.nb_pieces, pa.nb_pj, pa.montant, pa.etat,
        tuple(f"{'Mandats' if b.type_piece == MANDAT else 'Titres'} n° {b.numero}/{b.annee} "
              f"({b.type_bord})" for b in pa.bordereaux), pa.acquitte_le)


def verifier_bordereaux(session: Session, ctx: Context, bordereau_ids: Iterable[int]) -> list[str]:
    """Every problem that would refuse the PES Aller of these bordereaux (empty: it can go)."""
    exiger(session, ctx, TELEPROCEDURES, CONSULTATION, "contrôler des bordereaux avant le PES Aller")
    return preparer(session, ctx, bordereau_ids).problemes


def repertoire_transfert(session: Session, ctx: Context) -> Path | None:
    """The *Répertoire de transfert* of Environnement › Transfert, when set."""
    coll = session.get(Collectivite, ctx.collectivite_id)
    return Path(coll.repertoire_transfert).expanduser() if coll and coll.repertoire_transfert else None


class _IdUniques:
    """PJ IdUnique: SIRET, exercice, CodCol, CodBud, "PJ" and a counter that never goes back
    (services/compteurs, nature ``pj_pes``): the first number locks the counter row, the
    others follow it, and the counter is moved past them at the end."""

    def __init__(self, session: Session, ctx: Context, budget: Budget) -> None:
        self.s, self.ctx, self.budget = session, ctx, budget
        self.premier: int | None = None
        self.n = 0

    def __call__(self) -> str:
        if self.premier is None:
            self.premier = prendre_numero(self.s, self.budget.id, self.ctx.exercice, NATURE_COMPTEUR_PJ)
        numero = self.premier + self.n
        self.n += 1
        b = self.budget
        return f"{b.siret}{self.ctx.exercice}{b.code_col}{b.code_bud}PJ{numero:010d}"

    def fin(self) -> None:
        if self.premier is not None:
            compteur = self.s.get(Compteur, (self.budget.id, self.ctx.exercice, NATURE_COMPTEUR_PJ))
            compteur.prochain = self.premier + self.n
            self.s.flush()


class _Empreinte:
    """A binary file that hashes (sha256) and counts what is written through it."""

    def __init__(self, f) -> None:
        self.f, self.h, self.taille = f, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.h.update(data)
        self.taille += len(data)
        return self.f.write(data)


def _dossier(session: Session, ctx: Context, dossier: Path | str | None) -> Path:
    if dossier is None or str(dossier) == "":
        defaut = repertoire_transfert(session, ctx)
        if defaut is None:
            raise ValidationError("Aucun répertoire de transfert : renseignez-le dans Environnement "
                                  "› Gestion des collectivités › Transfert, ou choisissez un dossier")
        return defaut
    return Path(dossier).expanduser()


def _nettoyer_temporaires(dossier: Path) -> None:
    """Remove the temporary files a killed export left (old enough not to be another
    workstation's export in progress)."""
    limite = time.time() - AGE_TEMP_ABANDONNE
    for temp in dossier.glob(f".PES*.xml{SUFFIXE_TEMP}"):
        try:
            if temp.stat().st_mtime < limite:
                temp.unlink()
        except OSError:
            pass


def _sha256(chemin: Path) -> str:
    digest = hashlib.sha256()
    with chemin.open("rb") as f:
        while bloc := f.read(2**20):
            digest.update(bloc)
    return digest.hexdigest()


def _reprendre_publications(session: Session, ctx: Context, dossier: Path | str | None) -> None:
    """Put in place the files of PES Aller recorded (committed) by a process killed before it
    could rename them (``apres_validation``): the temporary file, complete, under its name."""
    try:
        cible_dossier = _dossier(session, ctx, dossier)
        temps = list(cible_dossier.glob(f".PES*.xml{SUFFIXE_TEMP}")) if cible_dossier.is_dir() else []
    except (ValidationError, OSError):
        return
    for temp in temps:
        cible = temp.with_name(temp.name[1:-len(SUFFIXE_TEMP)])
        sha = session.scalar(select(PesAller.sha256).where(PesAller.nom_fichier == cible.name))
        try:
            if sha is not None and not cible.exists() and _sha256(temp) == sha:
                os.replace(temp, cible)
        except OSError:  # another workstation did it meanwhile, or not writable: left as it is
            pass


def _publier_a_la_validation(session: Session, temp: Path, cible: Path) -> None:
    """Rename ``temp`` to ``cible`` once the transaction is committed; remove it if it rolls back."""
    fait = []  # once committed or rolled back, both listeners do nothing more
    racine = session.get_transaction()

    def apres_commit(_session) -> None:
        if not fait and not (racine is not None and racine.is_active):  # not a savepoint's release
            fait.append("valide")
            try:
                os.replace(temp, cible)
            except OSError:  # recorded: put in place by the next export (_reprendre_publications)
                pass

    def apres_annulation(_session, transaction) -> None:
        if not fait and not transaction.nested:
            fait.append("annule")
            temp.unlink(missing_ok=True)

    event.listen(session, "after_commit", apres_commit)
    event.listen(session, "after_soft_rollback", apres_annulation)


def _ecrire(prep: Preparation, entete: w.EnTete, temp: Path, control: JobControl) -> tuple[str, int]:
    total = prep.nb_pieces + len(prep.pjs)
    pjs = (w.PJPES(p.id_unique, p.nom, p.type_pj, p.description, p.mime, p.blocs) for p in prep.pjs)
    with temp.open("xb") as f:
        sortie = _Empreinte(f)
        w.ecrire_pes_aller(sortie, entete, depenses=prep.depenses, recettes=prep.recettes, pjs=pjs,
                           control=control, total=total)
        f.flush()
        os.fsync(f.fileno())
    return sortie.h.hexdigest(), sortie.taille


def _enregistrer(session: Session, ctx: Context, prep: Preparation, entete: w.EnTete, cible: Path,
                 sha: str, taille: int) -> PesAller:
    montant = sum((b.montant for b in prep.bordereaux), ZERO)
    pa = PesAller(budget_id=prep.budget.id, nom_fichier=cible.name, chemin=str(cible),
                  nom_fic=entete.nom_fic, sha256=sha, taille=taille, date_str=entete.date_str,
                  nb_bordereaux=len(prep.bordereaux), nb_pieces=prep.nb_pieces, nb_pj=len(prep.pjs),
                  montant=montant, etat=EtatPesAller.TRANSMIS, genere_le=ctx.now(),
                  genere_par=ctx.utilisateur)
    session.add(pa)
    for ordre, b in enumerate(prep.bordereaux, 1):
        pieces = prep.pieces[b.id]
        if b.etat == EtatBordereau.REJETE:  # corrected since its rejection
            b.montant, b.nb_pieces = sum((p.montant for p in pieces), ZERO), len(pieces)
        changer_etat(b, TRANSITIONS_BORDEREAU, EtatBordereau.TRANSMIS, nom=nom_bordereau(b))
        pa.bordereaux.append(PesAllerBordereau(
            bordereau_id=b.id, ordre=ordre, type_piece=b.type_piece, annee=b.annee, numero=b.numero,
            type_bord=b.type_bord, nb_pieces=len(pieces), montant=b.montant,
            etat=EtatPesAller.TRANSMIS))
        for p in pieces:
            if p.etat == EtatPiece.ANNULE:  # annulled by a later réduction: sent, état kept
                continue
            if p.etat in (EtatPiece.REJETE, EtatPiece.VALIDE):
                changer_etat(p, TRANSITIONS_PIECE, EtatPiece.NUMEROTE, nom=nom_piece(p))
            changer_etat(p, TRANSITIONS_PIECE, EtatPiece.TRANSMIS, nom=nom_piece(p))
            if p.facture_demat_id is not None:
                ajouter_etape(session, ctx, Etape.PES_ALLER, facture_demat_id=p.facture_demat_id,
                              piece_id=p.id, complement=f"Fichier {cible.name}, bordereau n° {b.numero}")
    session.flush()
    session.add_all(PesAllerPJ(pes_aller_id=pa.id, id_unique=p.id_unique, pj_id=p.pj_id,
                               piece_id=p.piece_id, nom_pj=p.nom[:255], type_pj=p.type_pj,
                               taille=p.taille, etat=EtatPesAller.TRANSMIS) for p in prep.pjs)
    session.flush()
    return pa


def exporter_pes(session: Session, ctx: Context, bordereau_ids: Iterable[int],
                 dossier: Path | str | None = None, control: JobControl = NO_CONTROL, *,
                 apres_validation: bool = False) -> PesAllerInfo:
    """Write the PES Aller of ``bordereau_ids`` into ``dossier`` (default: the répertoire de
    transfert) and record it; refused with every problem found, writing nothing.
    ``apres_validation``: the file is put in place when the caller commits (see above)."""
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "générer un PES Aller")
    _reprendre_publications(session, ctx, dossier)
    ids = list(dict.fromkeys(bordereau_ids))
    # another workstation exporting the same bordereaux waits here (PostgreSQL row locks)
    session.scalars(select(Bordereau.id).where(Bordereau.id.in_(ids)).with_for_update()).all()
    budget = session.get(Budget, ctx.budget_id)
    id_uniques = _IdUniques(session, ctx, budget)
    prep = preparer(session, ctx, ids, id_unique=id_uniques)
    if prep.problemes:
        raise ValidationError(f"PES Aller refusé, rien n'a été écrit : {len(prep.problemes)} "
                              f"problème(s) à corriger", choix=prep.problemes)
    id_uniques.fin()
    cible_dossier = _dossier(session, ctx, dossier)
    try:
        cible_dossier.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"Dossier « {cible_dossier} » impossible à créer : {exc.strerror}") from None
    if not cible_dossier.is_dir():
        raise ValidationError(f"« {cible_dossier} » n'est pas un dossier")
    _nettoyer_temporaires(cible_dossier)
    nom_fic = (f"PES{budget.code_col}{budget.code_bud}_{ctx.now():%Y%m%d%H%M%S}_"
               f"{uuid.uuid4().hex[:8]}")
    entete = w.EnTete(nom_fic=nom_fic, date_str=ctx.today(), emetteur="CORAIL",
                      emetteur_adresse=f"Corail {_version()}", **prep.entete)
    cible = cible_dossier / f"{nom_fic}.xml"
    temp = cible_dossier / f".{cible.name}{SUFFIXE_TEMP}"
    if cible.exists():
        raise ValidationError(f"Le fichier « {cible} » existe déjà")
    differe = False
    try:
        sha, taille = _ecrire(prep, entete, temp, control)
        pa = _enregistrer(session, ctx, prep, entete, cible, sha, taille)
        if apres_validation:
            _publier_a_la_validation(session, temp, cible)
            differe = True
        else:
            os.replace(temp, cible)  # the very last step: before it, nothing is in the folder
    except PermissionError as exc:
        raise ValidationError(f"Écriture impossible dans « {cible_dossier} » : {exc.strerror}") from None
    finally:
        if not differe:
            temp.unlink(missing_ok=True)
    return _info(pa)


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("corail")
    except Exception:  # not installed (running from a checkout)
        return "dev"


def lister_pes_aller(session: Session, ctx: Context) -> list[PesAllerInfo]:
    """The budget's PES Aller files, newest first."""
    exiger(session, ctx, (TELEPROCEDURES, SUIVI_DEMAT), CONSULTATION, "voir les PES Aller")
    rows = session.scalars(select(PesAller).where(PesAller.budget_id == ctx.budget_id)
                           .order_by(PesAller.genere_le.desc(), PesAller.id.desc()))
    return [_info(pa) for pa in rows]


def pes_aller(session: Session, ctx: Context, pes_aller_id: int) -> PesAllerInfo:
    exiger(session, ctx, (TELEPROCEDURES, SUIVI_DEMAT), CONSULTATION, "voir un PES Aller")
    pa = session.get(PesAller, pes_aller_id)
    if pa is None or pa.budget_id != ctx.budget_id:
        raise NotFound(f"PES Aller {pes_aller_id} introuvable pour ce budget")
    return _info(pa)
