"""Dépenses › Saisie des mandats: the exercice's mandats (filtered by état and train) and the
selected one in its six tabs (``ui.saisie_des_mandats_onglets``), with *Ajouter, Enregistrer,
Supprimer, Dupliquer, Valider, Annuler*.

Every rule is the services' (``corail.services.mandats``, ``mandats_pj``, ``numerotation``): each
action is one ``state.transaction()``, a refusal shows its French message — every reason, for
*Valider* — and nothing is written; then ``state.signaler("mandats")``. While the form holds
unsaved changes the list is locked: *Enregistrer*, *Valider* (saves and validates at once) or
*Annuler*. A numbered mandat is read-only: *Annuler* opens its annulation or réduction.
The screen's skeleton, shared with *Titres de recettes*, is ``ui.piece_saisie``.
"""
from __future__ import annotations

from corail.domain.etats import EtatPiece, libelle_etat
from corail.services.mandats import (
    EDITABLES, MandatDetail, creer_mandat, detail_mandat, dupliquer_mandat, modifier_mandat,
    supprimer_mandat, valider_mandat,
)
from corail.services.numerotation import ANNULABLES
from corail.services.tiers import lire_tiers
from ui.common import essayer
from ui.modeles import tableau
from ui.piece_saisie import ORANGE, MotsPiece, SaisiePieceScreen, ServicesPiece, alias
from ui.saisie_des_mandats_dialogues import (
    AnnulationDialog, Chargement, entete_mandat, joindre_pieces, modele_mandats, retirer_piece,
)
from ui.saisie_des_mandats_modeles import charger, largeurs_au_contenu
from ui.saisie_des_mandats_onglets import FormulaireMandat

__all__ = ["ORANGE", "SaisieDesMandatsScreen"]
RAFRAICHIR = {"mandats", "factures_demat", "tiers", "nomenclature", "engagements", "trains",
              "budget", "collectivite", "factures"}


class SaisieDesMandatsScreen(SaisiePieceScreen):
    titre = "Saisie des mandats"
    mots = MotsPiece("mandat", "mandats",
                     "Tiers inconnu : choisissez-le dans la liste proposée ou avec « … »",
                     "Sa facture redevient à traiter.")
    services = ServicesPiece(creer_mandat, modifier_mandat, valider_mandat, supprimer_mandat,
                             dupliquer_mandat, joindre_pieces, retirer_piece)
    rafraichir = frozenset(RAFRAICHIR)
    editables = EDITABLES
    dialogue_annulation = AnnulationDialog
    mandat_id = alias("piece_id")
    mandats = alias("liste")
    detail: MandatDetail | None

    def _chargement_vide(self) -> Chargement:
        return Chargement()

    def _etats(self):
        return ((libelle_etat(e), str(e)) for e in EtatPiece)

    def _liste(self):
        modele = modele_mandats(self)
        vue = tableau(modele, 2)
        largeurs_au_contenu(vue, 2)
        return modele, vue

    def _formulaire(self):
        formulaire = FormulaireMandat()
        return formulaire, formulaire.mandat

    def _charger(self, session) -> Chargement:
        return charger(session, self.state.ctx, etat=self.filtre_etat.currentData(),
                       train=self.filtre_train.currentData())

    def _definir_choix(self) -> None:
        self.formulaire.definir_contexte(self.choix.contexte)
        self.formulaire.grille.modele.definir_choix(self.choix.imputations)
        self.formulaire.grille.article_defaut = self.choix.defaut_article

    def _trains(self):
        return ((f"{nom} (attente)" if attente else nom, nom) for nom, attente in self.choix.contexte.trains)

    def montrer_mandat(self, mandat_id: int) -> None:
        """Show that mandat (Accès from another screen): every état and train listed."""
        self.modifie = False
        self._montrer(mandat_id)

    def _afficher(self, mandat_id: int | None) -> None:
        self.creation = self.modifie = False
        detail, tiers = None, None
        if mandat_id is not None:
            def lire():
                with self.state.lecture() as session:
                    d = detail_mandat(session, self.state.ctx, mandat_id)
                    ident = d.saisie.tiers_id
                    t = lire_tiers(session, self.state.ctx, ident) if ident else None
                    return d, t
            detail, tiers = essayer(self, lire, self.titre) or (None, None)
        self.detail = detail
        self.mandat_id = detail.ligne.id if detail else None
        comptes = ()
        if tiers is not None:
            gardes = {c.id for c in tiers.comptes}
            comptes = tiers.comptes + tuple(c for c in tiers.historique if c.id not in gardes
                                            and c.id == detail.saisie.compte_bancaire_id)
        nom = self._texte_tiers(tiers.id, tiers.nom_complet) if tiers else ""
        self.formulaire.charger(detail, comptes, nom, self.choix.vide)
        self.formulaire.definir_lecture_seule(detail is None or detail.ligne.etat not in EDITABLES)
        self._etat_boutons()

    def _permis(self) -> dict[str, bool]:
        d, sale = self.detail, self.modifie
        annulable = d is not None and d.ligne.etat in ANNULABLES and d.ligne.numero is not None
        return {
            "ajouter": self.state.a_contexte and not sale,
            "enregistrer": sale,
            "supprimer": not sale and d is not None and d.ligne.etat == EtatPiece.BROUILLON,
            "dupliquer": not sale and d is not None,
            "valider": sale or (d is not None and d.ligne.etat in (EtatPiece.BROUILLON,
                                                                     EtatPiece.REJETE)),
            "annuler": sale or (self._lecture_seule() and annulable),
        }

    def _etat_en_plus(self, existe: bool) -> None:
        self.formulaire.note_pj.setText("Enregistrez d'abord le mandat" if self.creation else "")

    def _entete(self) -> tuple[str, str]:
        return entete_mandat(self.detail, creation=self.creation, a_contexte=self.state.a_contexte)

    def _vider(self) -> None:
        self.formulaire.charger(None, (), "", self.choix.vide)

    # -- tiers -----------------------------------------------------------------------------

    def _tiers_inconnu(self) -> None:
        self.formulaire.mandat.definir_comptes((), None)

    def definir_tiers(self, tiers_id: int) -> None:
        """The mandat's tiers, its accounts in Banque (the principal one chosen)."""
        with self.state.lecture() as session:
            t = essayer(self, lambda: lire_tiers(session, self.state.ctx, tiers_id), self.titre)
        if t is None:
            return
        self._tiers_choisi(t.id, self._texte_tiers(t.id, t.nom_complet))
        self.formulaire.mandat.definir_comptes(t.comptes, None)
        self._modifie()

    # -- pièces jointes --------------------------------------------------------------------

    def _apres_pj(self) -> None:
        with self.state.lecture() as session:
            detail = essayer(self, lambda: detail_mandat(session, self.state.ctx, self.mandat_id))
        if detail is not None:
            self.formulaire.afficher_pj(detail.pj)
        self.state.signaler("mandats")
        self._etat_boutons()
