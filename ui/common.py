"""Small helpers every screen uses: French error dialogs, amounts and dates in tables."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Callable, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from corail.dates import format_date, format_horodatage
from corail.errors import CorailError
from corail.money import format_eur

T = TypeVar("T")

ALIGN_MONTANT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def afficher_erreur(parent: QWidget | None, exc: BaseException, titre: str = "Corail") -> None:
    """A refused action: its French message. Anything else: a short internal-error message."""
    if isinstance(exc, CorailError):
        QMessageBox.warning(parent, titre, str(exc))
    else:
        QMessageBox.critical(parent, titre,
                             f"Erreur interne, rien n'a été modifié.\n\n{type(exc).__name__} : {exc}")


def essayer(parent: QWidget | None, action: Callable[[], T], titre: str = "Corail") -> T | None:
    """Run ``action``; on error show the message and return None (the transaction rolled back)."""
    try:
        return action()
    except Exception as exc:  # shown to the user, never a traceback
        afficher_erreur(parent, exc, titre)
        return None


def texte_cellule(value: object) -> str:
    """How a value shows in a table: amounts ``3 277,42``, dates JJ/MM/AAAA, booleans Oui/Non."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_eur(value)
    if isinstance(value, datetime):
        return format_horodatage(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    return str(value)
