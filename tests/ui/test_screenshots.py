"""``--demo --screenshots DIR``: one PNG per registered screen, exit 0, user settings untouched."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from ui.app import main
from ui.ecrans import ECRANS
from ui.main_window import TAILLE_DEFAUT

pytestmark = pytest.mark.gui

AUTRES = ("accueil", "collectivite-en-cours", "bienvenue", "creer-une-collectivite",
          "nouvelle-sollicitation", "transfert-du-role-de-gestionnaire-principal")


def test_captures_de_la_demo(qapp, tmp_path, capsys):
    dossier = tmp_path / "captures"
    url = f"sqlite:///{tmp_path / 'corail.db'}"
    assert main(["--database", url, "--demo", "--screenshots", str(dossier)]) == 0
    noms = sorted(p.stem for p in dossier.glob("*.png"))
    assert noms == sorted([e.slug for e in ECRANS] + list(AUTRES))
    for e in ECRANS:
        image = QImage(str(dossier / f"{e.slug}.png"))
        assert (image.width(), image.height()) == (TAILLE_DEFAUT.width(), TAILLE_DEFAUT.height())
    assert str(dossier / "nomenclature.png") in capsys.readouterr().out
    # the capture run kept its settings in a temporary file, not in the user's configuration
    config = Path(os.environ["XDG_CONFIG_HOME"])
    assert not (config / "Corail").exists()


def test_captures_sans_collectivite_refusees(qapp, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'corail.db'}"
    assert main(["--database", url, "--screenshots", str(tmp_path / "c")]) == 2
    assert "ajoutez --demo" in capsys.readouterr().err
