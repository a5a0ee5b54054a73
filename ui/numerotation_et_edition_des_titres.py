"""Recettes › Numérotation et édition des titres.

The screen of ``ui.numerotation_et_edition`` on titres: the trains with their titres (waiting
trains left out: they hold mandats de régularisation only), ``numeroter_titres`` (one bordereau
de titres per TypBord — 01 ordinaire, 02 annulation/réduction) and ``imprimer_titres`` (the
titres PDF and each ``<nom>_bordereau_<n>.pdf`` beside it), plus **Imprimer les ASAP** of the
chosen bordereaux' titres (one avis des sommes à payer per titre, with its talon, in the folder
chosen). After the numbering ``state.signaler("titres")``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from corail.jobs import NO_CONTROL, JobControl
from corail.services.asap_avis import imprimer_asap
from corail.services.edition import Impression, imprimer_titres
from corail.services.numerotation import BordereauLigne, Numerotation
from corail.services.pieces import GENRE_TITRE
from corail.services.recettes_ui import TrainTitres, titres_avec_asap, trains_des_titres
from corail.services.titres import TitreLigne, lister_titres
from corail.services.titres_emission import numeroter_titres
from ui.ecrans import dernier_dossier, retenir_dossier
from ui.jobs import JobRun
from ui.modeles import TableauModel
from ui.numerotation_et_edition import DOSSIER, NumerotationEtEditionScreen
from ui.numerotation_et_edition_modeles import GenreEcran, pluriel


@dataclass(frozen=True)
class AsapImprimees:
    dossier: Path
    fichiers: tuple[Path, ...]


def _trains(session, ctx) -> list[TrainTitres]:
    return [t for t in trains_des_titres(session, ctx) if not t.attente]


def _imprimer(session, ctx, chemin: Path, *, bordereau_id: int | None = None,
              pieces: list[int] | None = None, control: JobControl = NO_CONTROL) -> Impression:
    return imprimer_titres(session, ctx, chemin, bordereau_id=bordereau_id, titre_ids=pieces,
                           control=control)


TITRES = GenreEcran(GENRE_TITRE, lister=lister_titres, lister_trains=_trains,
                    numeroter=numeroter_titres, imprimer=_imprimer, imprimees=lambda res: res.titres,
                    bordereau="bordereau de titres", ou_valider="Recettes › Titres de recettes")


class NumerotationEtEditionDesTitresScreen(NumerotationEtEditionScreen):
    titre = "Numérotation et édition des titres"
    genre_ecran = TITRES

    @property
    def titres(self) -> TableauModel[TitreLigne]:
        """The validated titres to number (and those just numbered here, in bold)."""
        return self.pieces

    @property
    def vue_titres(self):
        return self.vue_pieces

    @property
    def groupe_titres(self):
        return self.groupe_pieces

    def _boutons_en_plus(self) -> list[QPushButton]:
        self.bouton_asap = QPushButton("Imprimer les &ASAP…")
        self.bouton_asap.setToolTip("Un avis des sommes à payer (PDF avec son talon) par titre du "
                                    "bordereau qui a une facture ASAP")
        self.bouton_asap.clicked.connect(self.imprimer_asap)
        return [self.bouton_asap]

    def _suite_numerotation(self, res: Numerotation) -> str:
        return "Imprimez-les avec le bouton « Imprimer » ci-dessous."

    def _texte_impression(self, choisis: list[BordereauLigne]) -> str:
        return "Impression des titres…"

    def imprimer_asap(self) -> JobRun | None:
        choisis = self.bordereaux_choisis()
        if not choisis or not self.bouton_asap.isEnabled():
            return None
        ids = [b.id for b in choisis]
        with self.state.lecture() as session:
            titres = titres_avec_asap(session, self.state.ctx, ids)
        if not titres:
            QMessageBox.information(self, "Imprimer les ASAP", "Aucun titre de ces bordereaux n'a de "
                                    "facture ASAP (bouton « PES Facture ASAP » de Recettes › Titres "
                                    "de recettes).")
            return None
        dossier = QFileDialog.getExistingDirectory(
            self, "Dossier des avis des sommes à payer",
            dernier_dossier(self.state.settings, DOSSIER, Path.home()))
        if not dossier:
            return None
        retenir_dossier(self.state.settings, DOSSIER, dossier)
        state, ctx, exercice = self.state, self.state.ctx, self.state.ctx.exercice

        def faire(control: JobControl) -> AsapImprimees:
            ecrits = []
            with state.lecture() as session:
                for n, (titre_id, numero) in enumerate(titres, 1):
                    control.step(n - 1, len(titres))
                    ecrits.append(imprimer_asap(session, ctx, titre_id,
                                                Path(dossier) / f"asap_{exercice}_n{numero}.pdf"))
                control.step(len(titres), len(titres))
            return AsapImprimees(Path(dossier), tuple(ecrits))

        return self._lancer("Imprimer les ASAP", faire, lambda res: self._imprime(
            list(res.fichiers), pluriel(len(res.fichiers), "avis des sommes à payer",
                                        "avis des sommes à payer"), res), "Impression des ASAP…")
