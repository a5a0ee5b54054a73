"""The registry of Corail's screens: which menu, which title, which shortcut, which class.

The main window builds its menus from ``ECRANS`` and imports a screen's module
only when it is first opened (``importlib``), so the window starts even when a
screen module is missing or broken: that screen then shows why instead.

A screen is a ``QWidget`` subclass with a ``titre`` class attribute and the
constructor ``__init__(self, state: AppState, parent: QWidget | None = None)``;
it refreshes itself on ``state.contexte_change`` / ``state.donnees_modifiees``.
"""
from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

#: the four modules of Corail, in menu order; a module without a working screen is disabled
MODULES = ("Environnement", "Dépenses", "Recettes", "Téléprocédures")


@dataclass(frozen=True)
class Ecran:
    cle: str
    menu: str
    titre: str
    raccourci: str
    module: str
    classe: str

    @property
    def slug(self) -> str:
        return slug(self.titre)


ECRANS: tuple[Ecran, ...] = (
    Ecran("gestion_des_collectivites", "Environnement", "Gestion des collectivités", "Ctrl+1",
          "ui.gestion_des_collectivites", "GestionDesCollectivitesScreen"),
    Ecran("tiers", "Environnement", "Tiers", "Ctrl+2", "ui.tiers", "TiersScreen"),
    Ecran("nomenclature", "Environnement", "Nomenclature", "Ctrl+3",
          "ui.nomenclature", "NomenclatureScreen"),
    Ecran("factures", "Dépenses", "Factures", "Ctrl+5", "ui.factures", "FacturesScreen"),
    Ecran("saisie_des_mandats", "Dépenses", "Saisie des mandats", "Ctrl+6",
          "ui.saisie_des_mandats", "SaisieDesMandatsScreen"),
    Ecran("engagements", "Dépenses", "Engagements", "Ctrl+7", "ui.engagements", "EngagementsScreen"),
    Ecran("trains", "Dépenses", "Trains", "Ctrl+8", "ui.trains", "TrainsScreen"),
    Ecran("integration_des_flux_pivots", "Téléprocédures", "Intégration des flux pivots", "Ctrl+4",
          "ui.integration_des_flux_pivots", "IntegrationDesFluxPivotsScreen"),
    Ecran("numerotation_et_edition_des_mandats", "Dépenses", "Numérotation et édition des mandats",
          "Ctrl+9", "ui.numerotation_et_edition_des_mandats", "NumerotationEtEditionDesMandatsScreen"),
    Ecran("suivi_demat", "Téléprocédures", "Suivi démat", "Ctrl+Shift+D", "ui.suivi_demat",
          "SuiviDematScreen"),
    Ecran("statuts_chorus", "Téléprocédures", "Statuts Chorus Pro", "Ctrl+Shift+S",
          "ui.statuts_chorus", "StatutsChorusScreen"),
    Ecran("mon_compte", "Environnement", "Mon compte", "Ctrl+Shift+U", "ui.mon_compte",
          "MonCompteScreen"),
    Ecran("activites_du_gestionnaire", "Environnement", "Activités du gestionnaire",
          "Ctrl+Shift+G", "ui.activites_du_gestionnaire", "ActivitesDuGestionnaireScreen"),
    Ecran("titres_de_recettes", "Recettes", "Titres de recettes", "Ctrl+Shift+1",
          "ui.titres_de_recettes", "TitresDeRecettesScreen"),
    Ecran("numerotation_et_edition_des_titres", "Recettes", "Numérotation et édition des titres",
          "Ctrl+Shift+2", "ui.numerotation_et_edition_des_titres", "NumerotationEtEditionDesTitresScreen"),
)


def ecran(cle: str) -> Ecran:
    for e in ECRANS:
        if e.cle == cle:
            return e
    raise KeyError(cle)


def ecrans_du_menu(menu: str) -> list[Ecran]:
    return [e for e in ECRANS if e.menu == menu]


def classe_ecran(e: Ecran) -> type[QWidget]:
    """Import the screen's module now; ImportError/AttributeError when it is not there."""
    module = importlib.import_module(e.module)
    classe = getattr(module, e.classe)
    if not (isinstance(classe, type) and issubclass(classe, QWidget)):
        raise TypeError(f"{e.module}.{e.classe} n'est pas un écran (QWidget)")
    return classe


def slug(titre: str) -> str:
    """``Gestion des collectivités`` → ``gestion-des-collectivites`` (screenshot file names)."""
    ascii_ = unicodedata.normalize("NFKD", titre).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")


# Folders remembered between sessions (file dialogs of every screen). They live in
# ``state.settings``, so tests pointing it at a temporary INI file never touch the user's.

def dernier_dossier(settings: QSettings, cle: str, defaut: Path | str = "") -> str:
    """The folder last used for ``cle`` (e.g. "flux", "pes", "pj"), if it still exists."""
    valeur = settings.value(f"dossiers/{cle}", "")
    if valeur and Path(str(valeur)).is_dir():
        return str(valeur)
    return str(defaut)


def retenir_dossier(settings: QSettings, cle: str, chemin: Path | str) -> None:
    """Remember the folder of ``chemin`` (a file or a folder) for ``cle``."""
    p = Path(chemin)
    settings.setValue(f"dossiers/{cle}", str(p if p.is_dir() else p.parent))
