"""Choosing the budget and exercice to work on (``--budget``, ``--exercice``, the selector).

When the choice is not obvious, ``AmbiguousContext`` lists the possibilities so
the command line can print them and exit 2.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Clock, Context
from corail.db.models import Budget, Collectivite, Exercice
from corail.errors import AmbiguousContext, NotFound


@dataclass(frozen=True)
class BudgetLigne:
    id: int
    collectivite_id: int
    collectivite: str
    libelle: str
    siret: str
    code_col: str
    code_bud: str
    nomenclature: str
    assujetti_tva: bool
    services_chorus: tuple[str, ...]

    @property
    def code(self) -> str:
        return f"{self.code_col}-{self.code_bud}"

    @property
    def choix(self) -> str:
        return f"{self.code} (SIRET {self.siret}) {self.collectivite} — {self.libelle}"


@dataclass(frozen=True)
class ExerciceLigne:
    id: int
    budget_id: int
    annee: int
    clos: bool
    courant: bool


def _ligne(budget: Budget) -> BudgetLigne:
    return BudgetLigne(
        budget.id, budget.collectivite_id, budget.collectivite.nom, budget.libelle, budget.siret,
        budget.code_col, budget.code_bud, budget.nomenclature, budget.assujetti_tva,
        tuple(s.code for s in budget.services_chorus),
    )


def lister_budgets(session: Session) -> list[BudgetLigne]:
    budgets = session.scalars(
        select(Budget).join(Collectivite).order_by(Collectivite.nom, Budget.code_col, Budget.code_bud)
    )
    return [_ligne(b) for b in budgets]


def lister_exercices(session: Session, budget_id: int) -> list[ExerciceLigne]:
    rows = session.scalars(
        select(Exercice).where(Exercice.budget_id == budget_id).order_by(Exercice.annee)
    )
    return [ExerciceLigne(e.id, e.budget_id, e.annee, e.clos, e.courant) for e in rows]


def choisir_budget(session: Session, choix: str | None) -> BudgetLigne:
    """The budget named by SIRET or CODCOL-CODBUD, or the only one."""
    budgets = lister_budgets(session)
    if not budgets:
        raise NotFound("Aucun budget : créez d'abord une collectivité (corail init) ou la démo (corail demo)")
    if choix is None:
        if len(budgets) == 1:
            return budgets[0]
        raise AmbiguousContext(
            "Plusieurs budgets : précisez --budget SIRET ou CODCOL-CODBUD parmi",
            choix=[b.choix for b in budgets],
        )
    text = choix.strip().replace(" ", "")
    if re.fullmatch(r"\d{14}", text):
        matching = [b for b in budgets if b.siret == text]
    else:
        col, _, bud = text.partition("-")
        matching = [
            b for b in budgets
            if b.code_col.upper() == col.upper().zfill(3 if col.isdigit() else len(col))
            and b.code_bud.upper() == bud.upper().zfill(2 if bud.isdigit() else len(bud))
        ]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        raise NotFound(f"Budget « {choix} » inconnu. Budgets existants :",
                       choix=[b.choix for b in budgets])
    raise AmbiguousContext(
        f"Plusieurs budgets ont le SIRET {text} : précisez --budget CODCOL-CODBUD parmi",
        choix=[b.choix for b in matching],
    )


def choisir_exercice(session: Session, budget_id: int, annee: int | None) -> ExerciceLigne:
    exercices = lister_exercices(session, budget_id)
    if not exercices:
        raise NotFound("Ce budget n'a aucun exercice : ouvrez-en un (Gestion des collectivités › Exercice)")
    if annee is not None:
        for e in exercices:
            if e.annee == annee:
                return e
        raise NotFound(f"Exercice {annee} inconnu pour ce budget. Exercices existants :",
                       choix=[str(e.annee) for e in exercices])
    courants = [e for e in exercices if e.courant]
    if len(courants) == 1:
        return courants[0]
    ouverts = [e for e in exercices if not e.clos]
    if len(ouverts) == 1:
        return ouverts[0]
    raise AmbiguousContext("Plusieurs exercices : précisez --exercice AAAA parmi",
                           choix=[f"{e.annee}{' (clos)' if e.clos else ''}" for e in exercices])


def construire_contexte(
    session: Session,
    *,
    budget: str | None,
    exercice: int | None,
    utilisateur: str,
    clock: Clock | None = None,
) -> Context:
    b = choisir_budget(session, budget)
    e = choisir_exercice(session, b.id, exercice)
    return Context(b.collectivite_id, b.id, e.annee, utilisateur, clock or Clock())
