"""The password store: the OS keyring (here conftest's in-memory backend), and the
session-memory fallback when no usable keyring exists."""
from __future__ import annotations

import keyring
import pytest
from keyring.backends import chainer, fail
from keyring.errors import KeyringError

from corail.secrets import (
    SERVICE, MemoireSession, Stockage, cle_structure, description_trousseau,
    enregistrer_mot_de_passe, lire_mot_de_passe, supprimer_mot_de_passe, trousseau_disponible,
)

CLE = cle_structure(3, "21310555400017")


def test_cle_nomme_collectivite_et_siret():
    assert CLE == "collectivite-3/siret-21310555400017/mot-de-passe"


def test_trousseau_du_systeme(_isolation):
    memoire = MemoireSession()
    assert trousseau_disponible()
    assert enregistrer_mot_de_passe(CLE, "S3cret!", memoire=memoire) is Stockage.TROUSSEAU
    assert _isolation.store == {(SERVICE, CLE): "S3cret!"}
    assert CLE not in memoire
    assert lire_mot_de_passe(CLE, memoire=MemoireSession()) == "S3cret!"  # survives the session
    supprimer_mot_de_passe(CLE, memoire=memoire)
    assert _isolation.store == {}
    supprimer_mot_de_passe(CLE, memoire=memoire)  # absent: no error
    assert lire_mot_de_passe(CLE, memoire=memoire) is None


def test_mot_de_passe_vide_efface(_isolation):
    memoire = MemoireSession()
    enregistrer_mot_de_passe(CLE, "x", memoire=memoire)
    enregistrer_mot_de_passe(CLE, "", memoire=memoire)
    assert _isolation.store == {}


@pytest.mark.parametrize("backend", [fail.Keyring(), chainer.ChainerBackend()],
                         ids=["fail", "chainer-vide"])
def test_sans_trousseau_memoire_de_session(backend, monkeypatch):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(backend)
    assert not trousseau_disponible()
    assert "mémoire" in description_trousseau()
    memoire, autre_session = MemoireSession(), MemoireSession()
    assert enregistrer_mot_de_passe(CLE, "S3cret!", memoire=memoire) is Stockage.MEMOIRE
    assert lire_mot_de_passe(CLE, memoire=memoire) == "S3cret!"
    assert lire_mot_de_passe(CLE, memoire=autre_session) is None  # no hidden global
    assert "S3cret!" not in repr(memoire)
    supprimer_mot_de_passe(CLE, memoire=memoire)
    assert lire_mot_de_passe(CLE, memoire=memoire) is None


def test_erreur_du_trousseau_garde_en_memoire(_isolation, monkeypatch):
    def refuse(*_a):
        raise KeyringError("verrouillé")

    monkeypatch.setattr(_isolation, "set_password", refuse)
    memoire = MemoireSession()
    assert enregistrer_mot_de_passe(CLE, "S3cret!", memoire=memoire) is Stockage.MEMOIRE
    assert lire_mot_de_passe(CLE, memoire=memoire) == "S3cret!"
