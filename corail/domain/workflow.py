"""Apply a transition from an object's table, or refuse it with the reason."""
from __future__ import annotations

from typing import Protocol

from corail.errors import InvalidTransition


class _HasEtat(Protocol):
    etat: str


def peut_passer(table: frozenset[tuple[str, str]], depuis: str, vers: str) -> bool:
    return (str(depuis), str(vers)) in table


def changer_etat(
    objet: _HasEtat,
    table: frozenset[tuple[str, str]],
    vers: str,
    *,
    nom: str,
    raison: str | None = None,
) -> None:
    """Move ``objet`` to ``vers`` if the table allows it, else raise ``InvalidTransition``.

    ``nom`` names the object in the message ("Mandat n° 12", "Facture AVA2015").
    """
    depuis = str(objet.etat)
    if not peut_passer(table, depuis, str(vers)):
        raise InvalidTransition(nom, depuis, str(vers), raison)
    objet.etat = str(vers)
