"""argparse's own messages (usage, help, errors) in French."""
from __future__ import annotations

import argparse
import re

_MESSAGES = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (parmi %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s (%(matches)s)",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
}


def _traduire(texte: str) -> str:
    if texte in _MESSAGES:
        return _MESSAGES[texte]
    # Python 3.12+ quotes choices differently: keep the French shape anyway
    if re.match(r"invalid choice", texte):
        return "choix invalide : %(value)r (parmi %(choices)s)"
    return texte


def _ntraduire(singulier: str, pluriel: str, n: int) -> str:
    return _traduire(singulier if n == 1 else pluriel)


def installer() -> None:
    """Make argparse speak French (it looks its messages up through these two names)."""
    argparse._ = _traduire  # type: ignore[attr-defined]
    argparse.ngettext = _ntraduire  # type: ignore[attr-defined]
