"""Corail's errors. Every message is French and says what is wrong and where.

``CorailError`` and its subclasses are *refused input*: the command line exits 2
with the message, the screens show it in a dialog, and the transaction is rolled
back. Anything else escaping a service is an internal error.
"""
from __future__ import annotations


class CorailError(Exception):
    """Refused input or refused action; ``str(error)`` is the French message."""

    def __init__(self, message: str, *, choix: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.choix = choix or []

    def __str__(self) -> str:
        if not self.choix:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {c}" for c in self.choix)


class ValidationError(CorailError):
    """A value that does not pass its check (SIRET, IBAN, amount, date...)."""


class NotFound(CorailError):
    """The object asked for does not exist."""


class AmbiguousContext(CorailError):
    """Budget or exercice not obvious: the message lists the choices."""


class InvalidTransition(CorailError):
    """A change of état the workflow table does not allow."""

    def __init__(self, objet: str, depuis: str, vers: str, raison: str | None = None) -> None:
        from corail.domain.etats import libelle_etat

        message = (
            f"{objet} : passage de l'état « {libelle_etat(depuis)} » à "
            f"« {libelle_etat(vers)} » impossible"
        )
        if raison:
            message += f" ({raison})"
        super().__init__(message)
        self.depuis = depuis
        self.vers = vers


class DatabaseError(CorailError):
    """The database cannot be reached or is not usable by this program."""


class Cancelled(Exception):
    """A long job was cancelled by the user (not an error: the work is rolled back)."""
