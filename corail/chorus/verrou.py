"""One synchronisation at a time per Chorus Pro structure, without holding the database.

The synchronisation works in short transactions between its network calls; what must hold
between them lives in the structure's ``SynchroChorus`` row:

* **the reservation**: ``prendre`` writes a new token (with the user, machine and pid) unless
  another synchronisation holds it; every later step checks the token and renews ``vu_le``
  (``verifier``), ``rendre`` frees it. A reservation is abandoned — and taken over — when its
  process is gone (same machine) or its last step is older than ``PEREMPTION``.
* **the invoices to integrate**: the Chorus Pro ids asked for and not yet in the database
  (``a_integrer``); downloading flags them in Chorus Pro, which then no longer offers them, so
  they are kept here until their integration is committed.
"""
from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import as_utc, format_horodatage
from corail.db.models import SynchroChorus
from corail.errors import CorailError

#: a reservation whose last step is older than this is taken over (a network call, with its
#: retries, lasts a few minutes at most)
PEREMPTION = timedelta(minutes=30)
#: a unit of work: ``Database.transaction``, ``App.transaction``, ``AppState.transaction``…
Transaction = Callable[[], AbstractContextManager[Session]]


class SynchroEnCours(CorailError):
    """Another synchronisation of the same structure is running (or took this one over)."""


def machine() -> str:
    return (socket.gethostname() or "?")[:100]


def processus_vivant(pid: int | None) -> bool | None:
    """Whether process ``pid`` of this machine runs (None: cannot tell on this system)."""
    if pid is None or os.name != "posix":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def _ligne(session: Session, ctx: Context, siret: str) -> SynchroChorus | None:
    return session.scalars(select(SynchroChorus).where(
        SynchroChorus.collectivite_id == ctx.collectivite_id, SynchroChorus.siret == siret)
        .with_for_update()).first()


def abandonnee(ligne: SynchroChorus, maintenant: datetime) -> bool:
    """The reservation of ``ligne`` may be taken over: its process stopped, or it is too old."""
    if ligne.jeton is None:
        return True
    if ligne.machine == machine() and processus_vivant(ligne.pid) is False:
        return True
    return ligne.vu_le is None or as_utc(ligne.vu_le) < as_utc(maintenant) - PEREMPTION


def _qui(ligne: SynchroChorus) -> str:
    return (f"{ligne.utilisateur or '?'} sur le poste {ligne.machine or '?'}, dernière étape le "
            f"{format_horodatage(ligne.vu_le)}")


def prendre(session: Session, ctx: Context, siret: str) -> str:
    """Reserve the synchronisation of structure ``siret``; its token. ``SynchroEnCours`` when
    another one holds it."""
    ligne = _ligne(session, ctx, siret)
    if ligne is None:
        ligne = SynchroChorus(collectivite_id=ctx.collectivite_id, siret=siret, a_integrer="[]")
        session.add(ligne)
    elif not abandonnee(ligne, ctx.now()):
        fin = format_horodatage(as_utc(ligne.vu_le) + PEREMPTION)
        raise SynchroEnCours(f"Récupération Chorus Pro de la structure SIRET {siret} déjà en cours "
                             f"({_qui(ligne)}) : réessayez quand elle sera finie (si ce poste s'est "
                             f"arrêté, elle pourra être reprise à partir du {fin})")
    ligne.jeton = uuid.uuid4().hex
    ligne.utilisateur, ligne.machine, ligne.pid = ctx.utilisateur[:50], machine(), os.getpid()
    ligne.vu_le = ctx.now()
    try:
        session.flush()
    except IntegrityError:  # PostgreSQL: another workstation created the row at the same time
        raise SynchroEnCours(f"Récupération Chorus Pro de la structure SIRET {siret} déjà en cours "
                             f"sur un autre poste : réessayez quand elle sera finie") from None
    return ligne.jeton


def verifier(session: Session, ctx: Context, siret: str, jeton: str) -> SynchroChorus:
    """Our reservation, its last step renewed (``SynchroEnCours`` if it was taken over)."""
    ligne = _ligne(session, ctx, siret)
    if ligne is None or ligne.jeton != jeton:
        raise SynchroEnCours(f"Récupération Chorus Pro de la structure SIRET {siret} interrompue : "
                             f"elle a été reprise par une autre"
                             + (f" ({_qui(ligne)})" if ligne is not None and ligne.jeton else ""))
    ligne.vu_le = ctx.now()
    return ligne


def rendre(session: Session, ctx: Context, siret: str, jeton: str, *, terminee: bool) -> None:
    """Free our reservation (``terminee``: every step was done)."""
    ligne = _ligne(session, ctx, siret)
    if ligne is None or ligne.jeton != jeton:
        return  # taken over meanwhile: it is the other one's now
    ligne.jeton = ligne.pid = None
    ligne.vu_le = ctx.now()
    if terminee:
        ligne.terminee_le = ctx.now()
    session.flush()


def a_integrer(ligne: SynchroChorus) -> list[dict]:
    """The invoices downloaded (or to download) and not integrated yet, as the search gives
    them (``idFacture``, ``numeroFacture``, ``taille``)."""
    try:
        donnees = json.loads(ligne.a_integrer or "[]")
    except ValueError:
        return []
    return [f for f in donnees if isinstance(f, dict) and str(f.get("idFacture") or "").isdigit()]


def noter_a_integrer(ligne: SynchroChorus, factures: list[dict]) -> None:
    garder = ("idFacture", "numeroFacture", "taille")
    ligne.a_integrer = json.dumps([{k: f.get(k) for k in garder} for f in factures],
                                  ensure_ascii=False)


@dataclass(frozen=True)
class Reservation:
    transaction: Transaction
    ctx: Context
    siret: str
    jeton: str

    @contextmanager
    def etape(self) -> Iterator[tuple[Session, SynchroChorus]]:
        """A short write transaction of the synchronisation, our reservation checked first
        (and its last step renewed)."""
        with self.transaction() as session:
            yield session, verifier(session, self.ctx, self.siret, self.jeton)


@contextmanager
def reserver(transaction: Transaction, ctx: Context, siret: str) -> Iterator[Reservation]:
    """The structure's synchronisation reserved for the block, freed at its end (also on error:
    what the committed steps did stays, and the reservation does not wait for its expiry)."""
    with transaction() as session:
        jeton = prendre(session, ctx, siret)
    terminee = False
    try:
        yield Reservation(transaction, ctx, siret, jeton)
        terminee = True
    finally:
        try:
            with transaction() as session:
                rendre(session, ctx, siret, jeton, terminee=terminee)
        except Exception:
            if terminee:
                raise
            # already failing: that error is the one to report; the reservation expires


def dans_la_session(session: Session) -> Transaction:
    """For the entry points given one session (the caller's transaction, held throughout):
    each step is a savepoint of it."""
    @contextmanager
    def transaction() -> Iterator[Session]:
        with session.begin_nested():
            yield session
    return transaction
