"""Storing and reading pièces jointes: chunk rows, sha256 computed while spooling, one copy
per content.

``enregistrer_pj`` takes any iterable of byte blocks (a base64 decoder, a file
read in blocks, an unzipped entry...) and writes rows of at most ``CHUNK_SIZE``
bytes as they fill: a 40 MB PDF is never held whole in memory. When the same
content is already stored (same sha256), the new chunks are dropped and the PJ
points at the existing content.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Sequence

from sqlalchemy import bindparam, delete, exists, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import CHUNK_SIZE, PJ, PJChunk, PJContenu
from corail.errors import NotFound, ValidationError

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
MAX_NOM = 120


@dataclass(frozen=True)
class PJInfo:
    id: int
    nom: str
    type_pj: str
    mime: str
    taille: int
    sha256: str
    origine: str


@dataclass(frozen=True)
class FichierHache:
    """A file on disk whose sha256 is already known (computed while it was written)."""

    chemin: Path
    sha256: str


@dataclass(frozen=True)
class DonneesHachees:
    """Bytes whose sha256 and size are already known (computed while they were decoded):
    ``source`` is the bytes themselves or a binary file positioned at their start."""

    source: bytes | BinaryIO
    sha256: str
    taille: int


@dataclass(frozen=True)
class Contenu:
    id: int
    sha256: str
    taille: int


def nom_sur(nom: str | None, *, defaut: str = "piece_jointe") -> str:
    """A file name safe on every OS: no folder parts, no reserved or hidden names."""
    raw = unicodedata.normalize("NFC", (nom or "").strip())
    raw = re.split(r"[/\\]", raw)[-1]
    raw = _FORBIDDEN.sub("_", raw).strip(" .")
    stem, dot, ext = raw.rpartition(".")
    if not dot:
        stem, ext = raw, ""
    if stem.upper() in _RESERVED or not stem:
        stem = f"_{stem}" if stem else defaut
    ext = ext[:10]
    stem = stem[: MAX_NOM - len(ext) - 1]
    return f"{stem}.{ext}" if ext else stem


def _blocs(source: BinaryIO | bytes | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
    elif hasattr(source, "read"):
        while True:
            block = source.read(CHUNK_SIZE)  # type: ignore[union-attr]
            if not block:
                break
            yield block
    else:
        yield from source  # type: ignore[misc]


_INSERT_CONTENU = {
    nom: insert_dialecte(PJContenu).on_conflict_do_nothing(index_elements=["sha256"])
    .returning(PJContenu.id)
    for nom, insert_dialecte in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _nouveau_contenu(session: Session, ctx: Context, sha: str, taille: int) -> int | None:
    """Insert the content row, or nothing when that sha256 exists (None): one statement, safe
    against another workstation inserting the same content at the same time."""
    stmt = _INSERT_CONTENU[session.get_bind().dialect.name]
    return session.connection().execute(
        stmt, dict(sha256=sha, taille=taille, cree_le=ctx.now())).scalar_one_or_none()


def _stocker_fichier(session: Session, ctx: Context, chemin: Path, nom: str,
                     taille_max: int | None, sha: str | None = None) -> Contenu:
    """A file on disk: hashed first, so a content already stored is not written again."""
    taille = chemin.stat().st_size
    if taille_max is not None and taille > taille_max:
        raise ValidationError(
            f"Pièce jointe « {nom} » trop volumineuse (plus de {taille_max // 1_000_000} Mo)")
    if sha is None:
        digest = hashlib.sha256()
        with chemin.open("rb") as f:
            while bloc := f.read(CHUNK_SIZE):
                digest.update(bloc)
        sha = digest.hexdigest()
    contenu_id = _nouveau_contenu(session, ctx, sha, taille)
    if contenu_id is None:  # already stored (by this flux, an earlier one, or another workstation)
        return Contenu(session.scalar(select(PJContenu.id).where(PJContenu.sha256 == sha)), sha, taille)
    with chemin.open("rb") as f:
        seq = 0
        while (bloc := f.read(CHUNK_SIZE)) or seq == 0:
            _ecrire_chunk(session, contenu_id, seq, bloc)
            seq += 1
    return Contenu(contenu_id, sha, taille)


def stocker_contenu(session: Session, ctx: Context,
                    source: Path | FichierHache | BinaryIO | bytes | Iterable[bytes], *, nom: str = "",
                    taille_max: int | None = None) -> Contenu:
    """Spool ``source`` into chunk rows; an identical content already stored is reused."""
    if isinstance(source, Path):
        return _stocker_fichier(session, ctx, source, nom, taille_max)
    if isinstance(source, FichierHache):
        return _stocker_fichier(session, ctx, source.chemin, nom, taille_max, source.sha256)
    if isinstance(source, DonneesHachees):
        if taille_max is not None and source.taille > taille_max:
            raise ValidationError(
                f"Pièce jointe « {nom} » trop volumineuse (plus de {taille_max // 1_000_000} Mo)")
        return stocker_contenus(session, ctx, [source])[0]
    contenu_id = session.execute(
        insert(PJContenu).values(sha256=None, taille=0, cree_le=ctx.now()).returning(PJContenu.id)
    ).scalar_one()
    digest = hashlib.sha256()
    buffer = bytearray()
    seq = taille = 0
    for block in _blocs(source):
        taille += len(block)
        if taille_max is not None and taille > taille_max:
            raise ValidationError(
                f"Pièce jointe « {nom} » trop volumineuse (plus de {taille_max // 1_000_000} Mo)")
        digest.update(block)
        buffer += block
        while len(buffer) >= CHUNK_SIZE:
            _ecrire_chunk(session, contenu_id, seq, bytes(buffer[:CHUNK_SIZE]))
            del buffer[:CHUNK_SIZE]
            seq += 1
    if buffer or seq == 0:
        _ecrire_chunk(session, contenu_id, seq, bytes(buffer))
    sha = digest.hexdigest()
    existant = session.scalar(select(PJContenu.id).where(PJContenu.sha256 == sha))
    if existant is not None:
        session.execute(delete(PJChunk).where(PJChunk.contenu_id == contenu_id))
        session.execute(delete(PJContenu).where(PJContenu.id == contenu_id))
        return Contenu(existant, sha, taille)
    try:
        with session.begin_nested():
            session.execute(PJContenu.__table__.update().where(PJContenu.id == contenu_id)
                            .values(sha256=sha, taille=taille))
    except IntegrityError:  # stored meanwhile by another workstation
        session.execute(delete(PJChunk).where(PJChunk.contenu_id == contenu_id))
        session.execute(delete(PJContenu).where(PJContenu.id == contenu_id))
        return Contenu(session.scalar(select(PJContenu.id).where(PJContenu.sha256 == sha)), sha, taille)
    return Contenu(contenu_id, sha, taille)


_INSERT_CONTENUS = {
    nom: insert_dialecte(PJContenu).on_conflict_do_nothing(index_elements=["sha256"])
    .returning(PJContenu.sha256, PJContenu.id)
    for nom, insert_dialecte in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_IDS_PAR_SHA = select(PJContenu.sha256, PJContenu.id).where(
    PJContenu.sha256.in_(bindparam("shas", expanding=True)))
LOT_CHUNKS = 4 * CHUNK_SIZE  # bytes of small chunk rows sent in one executemany


def stocker_contenus(session: Session, ctx: Context, lot: Sequence[DonneesHachees]) -> list[Contenu]:
    """Several contents already hashed (the PJ of a lot of invoices), in a few statements: the
    ones already stored are reused, the others inserted at once (``ON CONFLICT``: safe against
    another workstation storing the same content meanwhile), and their chunk rows written
    together. A content larger than a chunk is written chunk by chunk (memory stays bounded)."""
    if not lot:
        return []
    conn = session.connection()
    ids = dict(conn.execute(_IDS_PAR_SHA, {"shas": list({d.sha256 for d in lot})}).all())
    nouveaux = {d.sha256: d for d in lot if d.sha256 not in ids}
    if nouveaux:
        inseres = dict(conn.execute(_INSERT_CONTENUS[session.get_bind().dialect.name], [
            dict(sha256=d.sha256, taille=d.taille, cree_le=ctx.now()) for d in nouveaux.values()
        ]).all())
        ids.update(inseres)
        if len(inseres) < len(nouveaux):  # stored meanwhile by another workstation
            ids.update(conn.execute(_IDS_PAR_SHA, {"shas": [s for s in nouveaux if s not in inseres]}))
        _ecrire_chunks(session, [(inseres[sha], d) for sha, d in nouveaux.items() if sha in inseres])
    return [Contenu(ids[d.sha256], d.sha256, d.taille) for d in lot]


def _ecrire_chunks(session: Session, contenus: list[tuple[int, DonneesHachees]]) -> None:
    lignes: list[dict] = []
    octets = 0
    for contenu_id, donnees in contenus:
        for seq, bloc in enumerate(_morceaux(donnees.source)):
            if donnees.taille > CHUNK_SIZE:  # a large content: one row at a time
                _ecrire_chunk(session, contenu_id, seq, bloc)
            else:
                lignes.append(dict(contenu_id=contenu_id, seq=seq, data=bloc))
                octets += len(bloc)
        if donnees.taille == 0:
            lignes.append(dict(contenu_id=contenu_id, seq=0, data=b""))
        if octets >= LOT_CHUNKS:
            session.connection().execute(_INSERT_CHUNK, lignes)
            lignes, octets = [], 0
    if lignes:
        session.connection().execute(_INSERT_CHUNK, lignes)


def _morceaux(source: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        vue = memoryview(source)
        for debut in range(0, len(vue), CHUNK_SIZE):
            yield bytes(vue[debut:debut + CHUNK_SIZE])
    else:
        while bloc := source.read(CHUNK_SIZE):
            yield bloc


_INSERT_CHUNK = insert(PJChunk)


def _ecrire_chunk(session: Session, contenu_id: int, seq: int, data: bytes) -> None:
    # Core insert: the bytes never enter the identity map, so they are freed at once.
    session.connection().execute(_INSERT_CHUNK, dict(contenu_id=contenu_id, seq=seq, data=data))


def enregistrer_pj(
    session: Session,
    ctx: Context,
    source: Path | BinaryIO | bytes | Iterable[bytes] | Contenu,
    *,
    nom: str,
    type_pj: str = "02",
    mime: str = "application/octet-stream",
    mime_declare: str | None = None,
    origine: str = "utilisateur",
    facture_demat_id: int | None = None,
    numordre: int = 1,
    nom_origine: str | None = None,
    categorie: str | None = None,
    taille_max: int | None = None,
) -> PJ:
    """A PJ row for ``source`` (a path, bytes, an open file, blocks, or a stored content)."""
    contenu = source if isinstance(source, Contenu) else stocker_contenu(
        session, ctx, source, nom=nom, taille_max=taille_max)
    pj = nouvelle_pj(ctx, contenu, nom=nom, type_pj=type_pj, mime=mime, mime_declare=mime_declare,
                     origine=origine, numordre=numordre, nom_origine=nom_origine,
                     categorie=categorie)
    pj.facture_demat_id = facture_demat_id
    session.add(pj)
    session.flush()
    return pj


def nouvelle_pj(ctx: Context, contenu: Contenu, *, nom: str, type_pj: str, mime: str,
                mime_declare: str | None, origine: str, numordre: int, nom_origine: str | None,
                categorie: str | None) -> PJ:
    """The PJ row of a stored content (not yet in a session)."""
    return PJ(nom=nom_sur(nom), nom_origine=nom_origine, categorie=categorie, type_pj=type_pj,
              mime=mime, mime_declare=mime_declare, origine=origine, numordre=numordre,
              contenu_id=contenu.id, taille=contenu.taille, sha256=contenu.sha256,
              cree_le=ctx.now(), cree_par=ctx.utilisateur)


def lire_contenu(session: Session, contenu_id: int) -> Iterator[bytes]:
    """A content's bytes, chunk by chunk, in order."""
    seqs = session.scalars(
        select(PJChunk.seq).where(PJChunk.contenu_id == contenu_id).order_by(PJChunk.seq)).all()
    for seq in seqs:
        yield session.scalar(select(PJChunk.data).where(
            PJChunk.contenu_id == contenu_id, PJChunk.seq == seq)) or b""


def lire_pj(session: Session, pj_id: int) -> Iterator[bytes]:
    """The PJ's bytes, chunk by chunk, in order."""
    contenu_id = session.scalar(select(PJ.contenu_id).where(PJ.id == pj_id))
    if contenu_id is None:
        raise NotFound(f"Pièce jointe {pj_id} introuvable")
    yield from lire_contenu(session, contenu_id)


def ecrire_pj(session: Session, pj_id: int, dossier: Path, *, nom: str | None = None) -> Path:
    """Write the PJ into ``dossier`` (aside, then renamed: never a partial file)."""
    pj = session.get(PJ, pj_id)
    if pj is None:
        raise NotFound(f"Pièce jointe {pj_id} introuvable")
    if dossier.exists() and not dossier.is_dir():
        raise ValidationError(f"« {dossier} » n'est pas un dossier")
    try:
        dossier.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"Dossier « {dossier} » impossible à créer : {exc.strerror}") from None
    cible = dossier / nom_sur(nom or pj.nom)
    temp = cible.with_name(f".{cible.name}.partiel")
    digest = hashlib.sha256()
    try:
        with temp.open("wb") as out:
            for block in lire_contenu(session, pj.contenu_id):
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != pj.sha256:
            raise ValidationError(f"Pièce jointe « {pj.nom} » altérée : empreinte différente")
        temp.replace(cible)
    except PermissionError as exc:
        raise ValidationError(f"Écriture impossible dans « {dossier} » : {exc.strerror}") from None
    finally:
        temp.unlink(missing_ok=True)
    return cible


def info_pj(pj: PJ) -> PJInfo:
    return PJInfo(pj.id, pj.nom, pj.type_pj, pj.mime, pj.taille, pj.sha256, pj.origine)


def supprimer_pj(session: Session, pj_id: int) -> None:
    """Delete a PJ, and its content when no other PJ uses it."""
    contenu_id = session.scalar(select(PJ.contenu_id).where(PJ.id == pj_id))
    session.execute(delete(PJ).where(PJ.id == pj_id))
    if contenu_id is not None and not session.scalar(
            select(exists().where(PJ.contenu_id == contenu_id))):
        session.execute(delete(PJChunk).where(PJChunk.contenu_id == contenu_id))
        session.execute(delete(PJContenu).where(PJContenu.id == contenu_id))


def chunks_orphelins(session: Session) -> int:
    """Chunk rows of contents no PJ uses, or of unfinished contents (integrity check)."""
    utilises = select(PJ.contenu_id)
    return session.scalar(
        select(func.count()).select_from(PJChunk).join(PJContenu)
        .where((~PJChunk.contenu_id.in_(utilises)) | PJContenu.sha256.is_(None))
    ) or 0
