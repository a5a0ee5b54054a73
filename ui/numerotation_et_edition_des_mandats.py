"""Dépenses › Numérotation et édition des mandats.

The screen of ``ui.numerotation_et_edition`` on mandats: the budget's trains, waiting trains
included (their mandats de régularisation are numbered when Dépenses › Trains frees them, never
from here), ``numeroter`` and ``imprimer_mandats``. After the numbering
``state.signaler("mandats")``.
"""
from __future__ import annotations

from pathlib import Path

from corail.jobs import NO_CONTROL, JobControl
from corail.services.edition import Impression, imprimer_mandats
from corail.services.mandats import MandatLigne, lister_mandats
from corail.services.numerotation import numeroter
from corail.services.pieces import GENRE_MANDAT
from corail.services.trains import lister_trains
from ui.modeles import TableauModel
from ui.numerotation_et_edition import NumerotationEtEditionScreen
from ui.numerotation_et_edition_modeles import GenreEcran


def _imprimer(session, ctx, chemin: Path, *, bordereau_id: int | None = None,
              pieces: list[int] | None = None, control: JobControl = NO_CONTROL) -> Impression:
    return imprimer_mandats(session, ctx, chemin, bordereau_id=bordereau_id, mandat_ids=pieces,
                            control=control)


MANDATS = GenreEcran(GENRE_MANDAT, lister=lister_mandats, lister_trains=lister_trains,
                     numeroter=numeroter, imprimer=_imprimer, imprimees=lambda res: res.mandats,
                     bordereau="bordereau", ou_valider="Saisie des mandats")


class NumerotationEtEditionDesMandatsScreen(NumerotationEtEditionScreen):
    titre = "Numérotation et édition des mandats"
    genre_ecran = MANDATS

    @property
    def mandats(self) -> TableauModel[MandatLigne]:
        """The validated mandats to number (and those just numbered here, in bold)."""
        return self.pieces

    @property
    def vue_mandats(self):
        return self.vue_pieces

    @property
    def groupe_mandats(self):
        return self.groupe_pieces
