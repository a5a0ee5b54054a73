"""*Lecture* of pivot files: a single XML, or the ZIP Chorus Pro downloads (several XML).

Everything happens in the caller's transaction: a refused file, a cancel or a
crash leaves nothing behind (the temporary PJ files are deleted in any case).
Each XML is one flux; its sha256 (computed while it is parsed) refuses reading it twice.
Invoices are recorded by lots (``enregistrer_factures``): a few statements per lot.
"""
from __future__ import annotations

import hashlib
import tempfile
import time
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Flux
from corail.domain.etats import EtatFactureDemat
from corail.errors import ValidationError
from corail.formats.pivot_reader import BLOC, LecteurPivot, Limites, PivotRefuse, vider_dossier
from corail.jobs import NO_CONTROL, JobControl
from corail.services.flux import creer_flux, enregistrer_factures, verifier_non_lu
from corail.services.pj import DonneesHachees

RATIO_XML_MAX = 200
PREFIXE_TEMP = "corail-pivot-"
AGE_TEMP_ABANDONNE = 3600  # seconds: a temporary folder older than this was left by a killed Lecture
# invoices recorded together (a few statements per lot, not per invoice); the PJ of a lot wait in
# memory (or in temporary files beyond a megabyte each), so a lot is also bounded in bytes
LOT_FACTURES = 200
LOT_OCTETS = 4 * 2**20


@dataclass(frozen=True)
class FluxLu:
    flux_id: int
    nom: str
    id_flx: str | None
    nb_factures: int
    a_traiter: int
    anomalies: int
    nb_pj: int


@dataclass(frozen=True)
class ImportResultat:
    fichier: str
    flux: tuple[FluxLu, ...]

    @property
    def nb_factures(self) -> int:
        return sum(f.nb_factures for f in self.flux)

    @property
    def anomalies(self) -> int:
        return sum(f.anomalies for f in self.flux)


@dataclass(frozen=True)
class _Source:
    nom: str
    ouvrir: Callable[[], BinaryIO]
    taille: int


def _sources(chemin: Path, limites: Limites) -> tuple[list[_Source], zipfile.ZipFile | None]:
    if chemin.is_dir():
        raise ValidationError(f"« {chemin} » est un dossier : choisissez un fichier XML ou ZIP")
    if not chemin.is_file():
        raise ValidationError(f"Fichier « {chemin} » introuvable")
    with chemin.open("rb") as f:
        debut = f.read(4)
    if debut[:2] != b"PK":
        return [_Source(chemin.name, lambda: chemin.open("rb"), chemin.stat().st_size)], None
    try:
        archive = zipfile.ZipFile(chemin)
        entrees = [i for i in archive.infolist() if i.filename and not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        raise PivotRefuse(f"{chemin.name} : archive ZIP illisible (abîmée ou tronquée)") from None
    xml = [i for i in entrees if i.filename.lower().endswith(".xml")]
    if not xml:
        archive.close()
        raise PivotRefuse(f"{chemin.name} : l'archive ne contient aucun fichier XML")
    sources = []
    for info in sorted(xml, key=lambda i: i.filename):
        nom = f"{chemin.name} › {Path(info.filename).name}"
        if info.flag_bits & 0x1:
            raise PivotRefuse(f"{nom} : fichier chiffré")
        if info.file_size > limites.taille_xml_max or (
                info.file_size > 2**20 and info.file_size > RATIO_XML_MAX * max(info.compress_size, 1)):
            raise PivotRefuse(f"{nom} : fichier trop volumineux ou archive suspecte")
        sources.append(_Source(nom, lambda i=info, n=nom: _borne(archive.open(i), limites.taille_xml_max, n),
                               info.file_size))
    return sources, archive


class _Borne:
    """A stream refusing to give more than ``limite`` bytes (a ZIP lying about its sizes)."""

    def __init__(self, flux: BinaryIO, limite: int, nom: str) -> None:
        self.flux, self.limite, self.nom, self.lu = flux, limite, nom, 0

    def read(self, n: int = -1) -> bytes:
        bloc = self.flux.read(n)
        self.lu += len(bloc)
        if self.lu > self.limite:
            raise PivotRefuse(f"{self.nom} : fichier trop volumineux une fois décompressé")
        return bloc

    def close(self) -> None:
        self.flux.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _borne(flux: BinaryIO, limite: int, nom: str) -> _Borne:
    return _Borne(flux, limite, nom)


def _empreinte(source: _Source) -> str:
    digest = hashlib.sha256()
    try:
        with source.ouvrir() as f:
            while bloc := f.read(BLOC):
                digest.update(bloc)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error, NotImplementedError):
        raise PivotRefuse(f"{source.nom} : lecture impossible (archive abîmée ou fichier "
                          f"inaccessible)") from None
    return digest.hexdigest()


class _Hachage:
    """A binary stream computing the sha256 and size of what is read from it: the flux is hashed
    while it is parsed, not read twice."""

    def __init__(self, flux: BinaryIO) -> None:
        self.flux, self.sha, self.taille = flux, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        bloc = self.flux.read(n)
        self.sha.update(bloc)
        self.taille += len(bloc)
        return bloc


def _pjs(facture_lue) -> list[tuple]:
    return [(pj.meta, DonneesHachees(pj.donnees, pj.sha256, pj.taille), pj.mime)
            for pj in facture_lue.pjs]


def _lire_source(session: Session, ctx: Context, source: _Source, limites: Limites,
                 control: JobControl) -> FluxLu:
    """One XML: hashed while it is parsed, and refused as already read at the end (the
    transaction then leaves nothing). When a flux of the same size was read before, it is
    hashed first instead, so that reading it again is refused at once."""
    if session.scalar(select(Flux.id).where(Flux.taille == source.taille).limit(1)) is not None:
        verifier_non_lu(session, _empreinte(source), source.nom)
    temp = Path(tempfile.mkdtemp(prefix=PREFIXE_TEMP))
    lot: list = []
    try:
        flux: Flux | None = None
        routages: dict = {}
        octets = nb_pj = 0
        etats: list[str] = []

        def enregistrer_lot() -> None:
            etats.extend(r.etat for r in enregistrer_factures(
                session, ctx, flux, [(lue.facture, _pjs(lue)) for lue in lot], routages=routages))
            for lue in lot:
                for pj in lue.pjs:
                    pj.donnees.close()
            lot.clear()

        with source.ouvrir() as f:
            hachage = _Hachage(f)
            lecteur = LecteurPivot(hachage, source.nom, temp, limites=limites, control=control,
                                   taille=source.taille)
            for lue in lecteur:
                if flux is None:  # its sha256 once it is read; a unique placeholder meanwhile
                    flux = creer_flux(session, ctx, nom_fichier=source.nom,
                                      sha256=f"lecture {uuid.uuid4().hex}", taille=source.taille,
                                      id_flx=lecteur.en_tete.id_flx,
                                      date_production=lecteur.en_tete.date_production,
                                      version=lecteur.en_tete.version)
                lot.append(lue)
                nb_pj += len(lue.pjs)
                octets += sum(pj.taille for pj in lue.pjs)
                if len(lot) >= LOT_FACTURES or octets >= LOT_OCTETS:
                    enregistrer_lot()
                    octets = 0
            if lot:
                enregistrer_lot()
        assert flux is not None  # the reader refuses a flux without invoice
        verifier_non_lu(session, hachage.sha.hexdigest(), source.nom)
        flux.sha256, flux.taille = hachage.sha.hexdigest(), hachage.taille
        anomalies = etats.count(EtatFactureDemat.ANOMALIE)
        flux.nb_factures = len(etats)
        session.flush()
        return FluxLu(flux.id, source.nom, flux.id_flx, flux.nb_factures, len(etats) - anomalies,
                      anomalies, nb_pj)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError):
        raise PivotRefuse(f"{source.nom} : lecture impossible (archive abîmée ou fichier "
                          f"inaccessible)") from None
    finally:
        for lue in lot:  # a lot not recorded (refusal, cancel): its PJ are dropped
            for pj in lue.pjs:
                pj.donnees.close()
        vider_dossier(temp)


def _nettoyer_abandonnes() -> None:
    """Remove the temporary PJ folders of a Lecture killed before it could (old enough not to be
    another Lecture in progress)."""
    limite = time.time() - AGE_TEMP_ABANDONNE
    try:
        for dossier in Path(tempfile.gettempdir()).glob(f"{PREFIXE_TEMP}*"):
            if dossier.is_dir() and dossier.stat().st_mtime < limite:
                vider_dossier(dossier)
    except OSError:
        pass


def importer_fichier(session: Session, ctx: Context, chemin: Path | str, *,
                     control: JobControl = NO_CONTROL, limites: Limites | None = None) -> ImportResultat:
    """Read one pivot file (XML or ZIP of XML) into the database, in the caller's transaction."""
    _nettoyer_abandonnes()
    chemin = Path(chemin)
    limites = limites or Limites()
    sources, archive = _sources(chemin, limites)
    try:
        lus = tuple(_lire_source(session, ctx, s, limites, control) for s in sources)
    finally:
        if archive is not None:
            archive.close()
    return ImportResultat(chemin.name, lus)
