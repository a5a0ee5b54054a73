"""*Afficher les fichiers téléchargés non traités* (Suivi démat): the files of the *Répertoire de
réception des flux pivots* (Environnement › Transfert) that were never read.

A file is read when the sha256 of its XML — of each XML, for the ZIP Chorus Pro downloads —
is that of a flux (``Flux.sha256``, computed the same way by ``pivot_import``). Hashing
streams the bytes by blocks; the empreintes are kept in memory by (path, size, modification
time), so a refresh hashes only new or changed files.
"""
from __future__ import annotations

import hashlib
import threading
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import UTC
from corail.db.models import Collectivite, Flux
from corail.domain.roles import CONSULTATION, SUIVI_DEMAT
from corail.formats.pivot_reader import BLOC, Limites
from corail.services.habilitations import exiger

EXTENSIONS = (".xml", ".zip")
_CACHE_MAX = 10_000
_cache: OrderedDict[tuple[str, int, int], tuple[tuple[str, ...], str]] = OrderedDict()
_verrou = threading.Lock()


@dataclass(frozen=True)
class FichierNonTraite:
    chemin: Path
    taille: int
    modifie_le: datetime
    detail: str  # "jamais lu", "ZIP : 2 flux sur 3 jamais lus", "illisible : …"

    @property
    def nom(self) -> str:
        return self.chemin.name


@dataclass(frozen=True)
class FichiersNonTraites:
    dossier: str  # "" when the folder is not set
    fichiers: tuple[FichierNonTraite, ...]
    message: str  # why nothing could be looked at, or ""


def _hacher(flux) -> str:
    digest = hashlib.sha256()
    while bloc := flux.read(BLOC):
        digest.update(bloc)
    return digest.hexdigest()


def _empreintes_sans_cache(chemin: Path) -> tuple[tuple[str, ...], str]:
    """The sha256 of the file, or of each XML of a ZIP; and a problem ("" when none)."""
    try:
        with chemin.open("rb") as f:
            if f.read(2) != b"PK":
                f.seek(0)
                return (_hacher(f),), ""
        limite = Limites().taille_xml_max
        with zipfile.ZipFile(chemin) as archive:
            xml = [i for i in archive.infolist()
                   if not i.is_dir() and i.filename.lower().endswith(".xml")]
            if not xml:
                return (), "archive sans fichier XML"
            if any(i.file_size > limite for i in xml):
                return (), "archive trop volumineuse une fois décompressée"
            empreintes = []
            for info in sorted(xml, key=lambda i: i.filename):
                with archive.open(info) as membre:
                    empreintes.append(_hacher(membre))
            return tuple(empreintes), ""
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        return (), f"illisible ({exc})"


def empreintes(chemin: Path) -> tuple[tuple[str, ...], str]:
    """``_empreintes_sans_cache``, remembered for the same path, size and modification time."""
    etat = chemin.stat()
    cle = (str(chemin.resolve()), etat.st_size, etat.st_mtime_ns)
    with _verrou:
        if cle in _cache:
            _cache.move_to_end(cle)
            return _cache[cle]
    resultat = _empreintes_sans_cache(chemin)
    with _verrou:
        _cache[cle] = resultat
        while len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    return resultat


def fichiers_non_traites(session: Session, ctx: Context,
                         dossier: Path | str | None = None) -> FichiersNonTraites:
    """The XML and ZIP files of the reception folder (the collectivité's, unless ``dossier``)
    that hold a flux never read, the newest first."""
    exiger(session, ctx, SUIVI_DEMAT, CONSULTATION, "voir les fichiers non traités")
    if dossier is None:
        dossier = session.get(Collectivite, ctx.collectivite_id).repertoire_flux or ""
    dossier = str(dossier)
    if not dossier:
        return FichiersNonTraites("", (), "Répertoire de réception des flux pivots non renseigné "
                                          "(Gestion des collectivités › Transfert)")
    racine = Path(dossier).expanduser()
    if not racine.is_dir():
        return FichiersNonTraites(dossier, (), f"Répertoire de réception « {dossier} » introuvable")
    candidats = []
    for chemin in racine.iterdir():
        if chemin.name.startswith(".") or chemin.suffix.lower() not in EXTENSIONS:
            continue
        try:
            if chemin.is_file():
                candidats.append((chemin, chemin.stat(), *empreintes(chemin)))
        except OSError:  # removed or unreadable between the listing and now
            continue
    toutes = {e for *_, shas, _ in candidats for e in shas}
    connues: set[str] = set()
    liste = sorted(toutes)
    for i in range(0, len(liste), 500):
        connues.update(session.scalars(select(Flux.sha256).where(Flux.sha256.in_(liste[i:i + 500]))))
    fichiers = []
    for chemin, etat, shas, probleme in candidats:
        jamais = [e for e in shas if e not in connues]
        if probleme:
            detail = probleme
        elif not jamais:
            continue
        elif len(shas) > 1:
            detail = f"ZIP : {len(jamais)} flux sur {len(shas)} jamais lus"
        else:
            detail = "jamais lu"
        fichiers.append(FichierNonTraite(chemin, etat.st_size,
                                         datetime.fromtimestamp(etat.st_mtime, UTC), detail))
    fichiers.sort(key=lambda f: (f.modifie_le, f.nom), reverse=True)
    return FichiersNonTraites(dossier, tuple(fichiers), "")
