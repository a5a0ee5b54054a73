"""What *Saisie des mandats* reads and shows fast, over the 10,000 mandats of a town's exercice.

* ``charger``: one refresh of the screen (the list, and what the form offers), read in one
  session: the mandats (``lister_mandats``, one statement of plain columns), the trains without
  their counts (``trains_du_budget``), the choices of the form (articles, opérations, services,
  engagements, tiers, délai, taux).
* ``largeurs_au_contenu``: the same widths as ``ResizeToContents`` (Qt's own measure of the
  first thousand rows and of the heading), measured once when the rows are replaced. With
  ``ResizeToContents`` the view measured them again at every change of its viewport's size —
  5,000 cells, 40,000 calls to ``data``: three times while the screen opened, and again at each
  step of a window resize or a splitter move.
"""
from __future__ import annotations

from datetime import date
from itertools import pairwise

from PySide6.QtWidgets import QHeaderView, QTableView

from corail.money import format_eur
from corail.services.collectivites import taux_interets_au
from corail.services.engagements import lister_engagements
from corail.services.mandats import MandatSaisie, lister_mandats
from corail.services.nomenclature import lister_operations, lister_services, rechercher_articles
from corail.services.reglages import lire_defaut, lire_reglage
from corail.services.tiers import rechercher_tiers
from corail.services.trains import trains_du_budget
from ui.saisie_des_mandats_dialogues import LIMITE_COMPLETION, Chargement, Choix, Contexte


def charger(session, ctx, *, etat: str | None = None, train: str | None = None) -> Chargement:
    """The screen's refresh: the mandats (``etat``, ``train``: the filters) and the choices."""
    reglage, defaut = lire_reglage(session, ctx), lire_defaut(session, ctx)
    taux = {date(a, m, 1): taux_interets_au(session, date(a, m, 1))
            for a in (ctx.exercice - 1, ctx.exercice, ctx.exercice + 1) for m in (1, 7)}
    contexte = Contexte(trains_du_budget(session, ctx), reglage.delai_paiement_jours, taux, ctx.today())
    articles = rechercher_articles(session, ctx, limite=100_000)
    codes = sorted(a.code for a in articles)
    comptes_de_regroupement = {c for c, suivant in pairwise(codes) if suivant.startswith(c)}
    choix = Choix(
        articles={a.code: a.libelle for a in articles
                  if "D" in a.sens and a.code not in comptes_de_regroupement},
        operations=tuple((o.id, o.code, o.libelle) for o in lister_operations(session, ctx)),
        services=tuple((o.id, o.code, o.libelle) for o in lister_services(session, ctx)),
        engagements=tuple((e.id, e.numero, e.article,
                           (f"{e.objet} — {e.tiers} — article {e.article} — "
                            f"reste {format_eur(e.solde)} €"))
                          for e in lister_engagements(session, ctx)))
    tiers = completion_tiers(session, ctx)
    vide = MandatSaisie(tiers_id=0, imputations=(), train=defaut.train,
                        mode_reglement=defaut.mode_reglement)
    return Chargement(tuple(lister_mandats(session, ctx, etat=etat, train=train)), contexte,
                      choix, tiers, defaut.article or "", vide)


def completion_tiers(session, ctx) -> dict[str, int]:
    """The active tiers by their completion text (a homonym followed by its identifiant)."""
    tiers: dict[str, int] = {}
    for t in rechercher_tiers(session, ctx, limite=LIMITE_COMPLETION):
        if t.actif:
            texte = t.nom_complet if t.nom_complet not in tiers \
                else f"{t.nom_complet} ({t.identifiant or t.id})"
            tiers[texte] = t.id
    return tiers


def largeurs_au_contenu(vue: QTableView, etiree: int) -> None:
    """Columns sized to their contents as ``ResizeToContents`` sizes them (``etiree`` keeps
    taking the free width), measured when the model is reset rather than on every resize — for
    a ``TableauModel``, whose rows only change by ``remplacer`` (a reset)."""
    entete = vue.horizontalHeader()
    colonnes = [c for c in range(vue.model().columnCount()) if c != etiree]
    for c in colonnes:
        entete.setSectionResizeMode(c, QHeaderView.ResizeMode.Fixed)

    def ajuster() -> None:
        for c in colonnes:
            largeur = max(vue.sizeHintForColumn(c), entete.sectionSizeHint(c))
            entete.resizeSection(c, min(max(largeur, entete.minimumSectionSize()),
                                        entete.maximumSectionSize()))

    vue.model().modelReset.connect(ajuster)
    ajuster()
