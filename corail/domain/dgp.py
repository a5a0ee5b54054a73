"""Délai global de paiement (DGP) of a local authority: pure rules, no database.

* 30 days (the budget's *délai*, Réglage) from the Chorus Pro reception date;
* paused while the invoice is suspended: each suspension pushes the due date back by
  the days it lasted (an open suspension freezes the days left);
* late payment owes interest at the ECB rate in force on the first day of the
  half-year in which the interest starts to run, plus 8 points (the dated table of
  Réglage), on the amount due, per day of delay (basis 365), and a fixed 40 €
  indemnity for recovery costs (décret n° 2013-269).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from corail.money import ZERO, to_money

JOURS_ALERTE = 5  # "soon due" when at most this many days are left


@dataclass(frozen=True)
class Suspension:
    debut: date
    fin: date | None  # None: still suspended


@dataclass(frozen=True)
class Delai:
    reception: date
    echeance: date
    jours_suspendus: int
    suspendue: bool
    jours_restants: int  # negative when overdue
    jours_retard: int
    alerte: str  # "" | "proche" | "retard" | "suspendue"


def jours_de_suspension(suspensions: list[Suspension], jusqu_au: date) -> int:
    total = 0
    for s in suspensions:
        fin = min(s.fin or jusqu_au, jusqu_au)
        if fin > s.debut:
            total += (fin - s.debut).days
    return total


def delai(reception: date, suspensions: list[Suspension], aujourd_hui: date, *,
          jours: int = 30, paye_le: date | None = None) -> Delai:
    """The invoice's due date and where it stands on ``aujourd_hui`` (or when paid)."""
    reference = paye_le or aujourd_hui
    suspendus = jours_de_suspension(suspensions, reference)
    suspendue = paye_le is None and any(s.fin is None and s.debut <= aujourd_hui for s in suspensions)
    echeance = reception + timedelta(days=jours + suspendus)
    restants = (echeance - reference).days
    retard = max(0, -restants)
    if suspendue:
        alerte = "suspendue"
    elif retard:
        alerte = "retard"
    elif restants <= JOURS_ALERTE:
        alerte = "proche"
    else:
        alerte = ""
    return Delai(reception, echeance, suspendus, suspendue, restants, retard, alerte)


def interets_moratoires(montant: Decimal, jours_retard: int, taux_annuel: Decimal | None) -> Decimal:
    """Late-payment interest: amount × rate × days / 365, rounded to the cent (0 when on time)."""
    if jours_retard <= 0 or taux_annuel is None:
        return ZERO
    return to_money(to_money(montant) * taux_annuel / Decimal(100) * jours_retard / Decimal(365))


def debut_semestre(jour: date) -> date:
    """The first day of the half-year containing ``jour`` (the rate of that day applies)."""
    return date(jour.year, 1 if jour.month <= 6 else 7, 1)
