"""``--screenshots DIR``: one PNG per registered screen at the default window size, plus the
home page, *Bienvenue dans Corail*, *Créer une collectivité* and the collectivité selector.

Works with ``QT_QPA_PLATFORM=offscreen``. File names are the screens' title slugs
(``gestion-des-collectivites.png``); screens of every engineer come through the
registry.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QPoint, QThreadPool
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from ui.accueil import AccueilDialog, CreationCollectiviteDialog
from ui.activites_du_gestionnaire_dialogues import ConfirmationTransfertDialog
from ui.ecrans import ECRANS
from ui.main_window import TAILLE_DEFAUT, MainWindow
from ui.mon_compte_dialogues import SollicitationDialog
from ui.state import AppState

#: how long a screen may keep loading in the background before its picture is taken
ATTENTE_MAX = 10.0


def laisser_afficher(attente_max: float = ATTENTE_MAX) -> None:
    """Process events until background jobs are done and the screen has painted."""
    fin = time.monotonic() + attente_max
    pool = QThreadPool.globalInstance()
    while True:
        QApplication.processEvents()
        if pool.activeThreadCount() == 0 or time.monotonic() > fin:
            break
        pool.waitForDone(50)
    for _ in range(3):
        QApplication.processEvents()


def _enregistrer(widget: QWidget | QPixmap, chemin: Path) -> Path:
    pixmap = widget if isinstance(widget, QPixmap) else widget.grab()
    if not pixmap.save(str(chemin), "PNG"):
        raise OSError(f"Impossible d'écrire la capture « {chemin} »")
    return chemin


def _avec_popup(fenetre: MainWindow) -> QPixmap:
    """The window with the budget combo of the collectivité selector opened over it."""
    combo = fenetre.selecteur.budgets
    combo.showPopup()
    laisser_afficher()
    image = fenetre.grab()
    popup = combo.view().window()
    if popup.isVisible():  # drawn above the combo, as on a screen where it is at the bottom
        coin = combo.mapTo(fenetre, QPoint(0, 0))
        x = min(coin.x(), image.width() - popup.width())
        origine = QPoint(max(0, x), max(0, coin.y() - popup.height()))
        peintre = QPainter(image)
        peintre.drawPixmap(origine, popup.grab())
        peintre.end()
    combo.hidePopup()
    return image


def capturer(state: AppState, utilisateur: str, dossier: Path) -> list[Path]:
    """Write the PNGs into ``dossier`` (created if needed); the paths written."""
    dossier.mkdir(parents=True, exist_ok=True)
    fenetre = MainWindow(state)
    fenetre.resize(TAILLE_DEFAUT)
    fenetre.show()
    laisser_afficher()
    ecrits = [_enregistrer(fenetre, dossier / "accueil.png")]
    for e in ECRANS:
        fenetre.ouvrir(e.cle)
        laisser_afficher()
        ecrits.append(_enregistrer(fenetre, dossier / f"{e.slug}.png"))
    ecrits.append(_enregistrer(_avec_popup(fenetre), dossier / "collectivite-en-cours.png"))
    for dialogue, nom in ((AccueilDialog(state, utilisateur, fenetre), "bienvenue.png"),
                          (CreationCollectiviteDialog(state, utilisateur, fenetre),
                           "creer-une-collectivite.png"),
                          (SollicitationDialog(state, fenetre), "nouvelle-sollicitation.png"),
                          (ConfirmationTransfertDialog(state, "m.durand", fenetre),
                           "transfert-du-role-de-gestionnaire-principal.png")):
        dialogue.show()
        laisser_afficher()
        ecrits.append(_enregistrer(dialogue, dossier / nom))
        dialogue.close()
    fenetre.hide()  # not close(): a capture run leaves the remembered geometry alone
    fenetre.deleteLater()
    laisser_afficher()
    return ecrits
