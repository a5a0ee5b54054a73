"""Numbering counters: unique and gapless per budget, exercice and nature.

A number is taken inside the caller's transaction, under a lock:

* PostgreSQL: ``SELECT … FOR UPDATE`` on the counter row (a second workstation
  waits until the first commits or rolls back);
* SQLite: write transactions begin with ``BEGIN IMMEDIATE`` (db/engine.py), so
  only one writer at a time exists at all.

If the transaction rolls back, the increment rolls back with it: no gap.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corail.db.models import Compteur
from corail.errors import ValidationError

NATURES = {
    "mandat": "Mandats",
    "titre": "Titres",
    "bordereau_mandat": "Bordereaux de mandats",
    "bordereau_titre": "Bordereaux de titres",
    "bordereau_mandat_02": "Bordereaux d'annulation de mandats",
    "bordereau_titre_02": "Bordereaux d'annulation de titres",
    "pj_pes": "Pièces jointes PES (IdUnique)",
}
MAX_NUMERO = {n: 9_999_999 for n in NATURES if n.startswith("bordereau")}  # IdBord: 7 digits


@dataclass(frozen=True)
class EtatCompteur:
    nature: str
    libelle: str
    annee: int
    prochain: int
    utilise: bool


def _verrouiller(session: Session, budget_id: int, annee: int, nature: str) -> Compteur:
    if nature not in NATURES:
        raise ValueError(f"nature de compteur inconnue : {nature}")
    stmt = (
        select(Compteur)
        .where(Compteur.budget_id == budget_id, Compteur.annee == annee, Compteur.nature == nature)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    compteur = session.scalars(stmt).one_or_none()
    if compteur is None:
        try:
            with session.begin_nested():
                session.add(Compteur(budget_id=budget_id, annee=annee, nature=nature, prochain=1))
        except IntegrityError:  # created meanwhile by another workstation
            pass
        compteur = session.scalars(stmt).one()
    return compteur


def prendre_numero(session: Session, budget_id: int, annee: int, nature: str) -> int:
    """The next number of ``nature`` for the budget and exercice; the counter moves on."""
    compteur = _verrouiller(session, budget_id, annee, nature)
    numero = compteur.prochain
    if numero > MAX_NUMERO.get(nature, 999_999_999):
        raise ValidationError(
            f"{NATURES[nature]} {annee} : numéro {numero} trop grand "
            f"(au plus {MAX_NUMERO.get(nature)})"
        )
    compteur.prochain = numero + 1
    compteur.utilise = True
    session.flush()
    return numero


def etats_compteurs(session: Session, budget_id: int, annee: int) -> list[EtatCompteur]:
    """Every nature's next number for the exercice (1 when never used)."""
    rows = {
        c.nature: c
        for c in session.scalars(
            select(Compteur).where(Compteur.budget_id == budget_id, Compteur.annee == annee)
        )
    }
    out = []
    for nature, libelle in NATURES.items():
        c = rows.get(nature)
        out.append(EtatCompteur(nature, libelle, annee, c.prochain if c else 1,
                                bool(c and c.utilise)))
    return out


def fixer_prochain(session: Session, budget_id: int, annee: int, nature: str, prochain: int) -> None:
    """Set the first number of an exercice (e.g. taking over from another software).

    Refused once a number of that nature and exercice has been given: it would
    break the sequence.
    """
    if prochain < 1:
        raise ValidationError(f"{NATURES.get(nature, nature)} : le numéro doit être positif")
    compteur = _verrouiller(session, budget_id, annee, nature)
    if compteur.utilise:
        raise ValidationError(
            f"{NATURES[nature]} {annee} : des numéros ont déjà été attribués, "
            f"le prochain numéro ({compteur.prochain}) ne peut plus être modifié"
        )
    compteur.prochain = prochain
    session.flush()
