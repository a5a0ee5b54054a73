"""Passwords (Chorus Pro technical account, PISTE client secret): the OS keyring, never the
database nor a plain file.

The keyring is reached through the ``keyring`` package (Windows Credential Manager,
macOS Keychain, Secret Service/KWallet on Linux). When no usable backend exists
(``keyring.backends.fail.Keyring``, a chainer with nothing to chain, the null backend, or
any keyring error), the password is kept in a ``MemoireSession`` for the current session
only, and the caller says so to the user.

There is deliberately no module-level fallback store: the ``MemoireSession`` is created and
owned by the application (the UI keeps one per ``AppState``) and passed to every call, so a
test or a second window never sees a password it did not put there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import keyring
from keyring.backends import chainer, fail
from keyring.errors import KeyringError, PasswordDeleteError

from corail.errors import ValidationError

SERVICE = "Corail Chorus Pro"
MOT_DE_PASSE = "mot-de-passe"
SECRET_CLIENT = "secret-client-piste"
_MAX_LONGUEUR = 512


class Stockage(StrEnum):
    """Where a password went."""

    TROUSSEAU = "trousseau"
    MEMOIRE = "memoire"


@dataclass
class MemoireSession:
    """Passwords kept in memory for one session of the application (no usable keyring)."""

    _valeurs: dict[str, str] = field(default_factory=dict, repr=False)

    def __contains__(self, cle: str) -> bool:
        return cle in self._valeurs


def cle_structure(collectivite_id: int, siret: str, nom: str = MOT_DE_PASSE) -> str:
    """The keyring user name of a Chorus Pro structure's secret (collectivité id + SIRET)."""
    return f"collectivite-{collectivite_id}/siret-{siret}/{nom}"


def _backend_utilisable(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(_backend_utilisable(b) for b in backend.backends)
    return type(backend).__module__ != "keyring.backends.null"  # accepts and forgets


def trousseau_disponible() -> bool:
    """True when an OS keyring can hold passwords."""
    try:
        return _backend_utilisable(keyring.get_keyring())
    except Exception:
        return False


def description_trousseau() -> str:
    """A short French sentence for the dialog: where passwords go."""
    if trousseau_disponible():
        nom = type(keyring.get_keyring()).__name__
        return f"Le mot de passe est conservé dans le trousseau du système ({nom})."
    return ("Aucun trousseau du système n'est disponible : le mot de passe est gardé en mémoire "
            "pour cette session seulement et devra être saisi de nouveau au prochain lancement.")


def verifier_mot_de_passe(mot_de_passe: str, champ: str = "Mot de passe") -> None:
    """Refuse what no keyring would keep (French ``ValidationError``)."""
    if len(mot_de_passe) > _MAX_LONGUEUR:
        raise ValidationError(f"{champ} trop long ({_MAX_LONGUEUR} caractères au plus)")
    if any(c in mot_de_passe for c in "\r\n\0"):
        raise ValidationError(f"{champ} : retour à la ligne ou caractère nul refusé")


def enregistrer_mot_de_passe(cle: str, mot_de_passe: str, *, memoire: MemoireSession) -> Stockage:
    """Store ``mot_de_passe`` under ``cle``; an empty one deletes it. Returns where it went."""
    if not mot_de_passe:
        supprimer_mot_de_passe(cle, memoire=memoire)
        return Stockage.TROUSSEAU if trousseau_disponible() else Stockage.MEMOIRE
    verifier_mot_de_passe(mot_de_passe)
    if trousseau_disponible():
        try:
            keyring.set_password(SERVICE, cle, mot_de_passe)
        except (KeyringError, RuntimeError, OSError):
            pass
        else:
            memoire._valeurs.pop(cle, None)
            return Stockage.TROUSSEAU
    memoire._valeurs[cle] = mot_de_passe
    return Stockage.MEMOIRE


def lire_mot_de_passe(cle: str, *, memoire: MemoireSession) -> str | None:
    """The password stored under ``cle`` (this session's memory first, then the keyring)."""
    if cle in memoire:
        return memoire._valeurs[cle]
    if not trousseau_disponible():
        return None
    try:
        return keyring.get_password(SERVICE, cle)
    except (KeyringError, RuntimeError, OSError):
        return None


def supprimer_mot_de_passe(cle: str, *, memoire: MemoireSession) -> None:
    """Forget the password under ``cle`` everywhere (no error when there was none)."""
    memoire._valeurs.pop(cle, None)
    if not trousseau_disponible():
        return
    try:
        keyring.delete_password(SERVICE, cle)
    except (PasswordDeleteError, KeyringError, RuntimeError, OSError):
        pass
