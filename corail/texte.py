"""Text helpers shared by the searches (tiers, nomenclature, Suivi démat, command line)."""
from __future__ import annotations

import unicodedata


def plier(texte: str | None) -> str:
    """Lower case without accents, for searching: ``« Société Générale »`` → ``« societe generale »``."""
    decompose = unicodedata.normalize("NFKD", texte or "")
    return "".join(c for c in decompose if not unicodedata.combining(c)).casefold()
