"""Rejeter, suspendre, renvoyer à recycler, annuler le rejet — today's Chorus Pro rules.

* wrong recipient (acheminement) → **à recycler** (status 04): the supplier re-routes it;
* missing pièces, or asked → **suspendue** (06), the délai de paiement paused;
* any other motif → **rejetée** (05);
* an amount dispute is NOT a full rejection since February 2025 (Code de la commande
  publique R.2192-34): the *sommes admises* are mandated instead, with the motif.
Each writes its étape and a Chorus Pro status to transmit (motif mandatory, 255 characters
at most, as Chorus Pro truncates it).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Facture, StatutChorus, SuspensionFacture
from corail.domain.etats import (
    TRANSITIONS_FACTURE_DEMAT, EnvoiStatut, Etape, EtatFacture, EtatFactureDemat,
)
from corail.domain.roles import MODIFICATION, TELEPROCEDURES
from corail.domain.workflow import changer_etat
from corail.errors import ValidationError
from corail.services.etapes import ajouter_etape
from corail.services.factures_demat import actualiser_etat_flux, facture_demat
from corail.services.flux import ANOMALIE_DOUBLON
from corail.services.habilitations import exiger
from corail.services.statuts import ajouter_statut

#: The motifs of the dialog *Informations complémentaires sur la nature du rejet ou de la suspension*.
MOTIFS = {
    "acheminement": "Cette facture ne nous est pas destinée",
    "montant": "Montant de la facture erroné",
    "pieces": "Pièces justificatives manquantes",
    "autre": "Autre motif",
}
MAX_MOTIF = 255
CODES_STATUT = {EtatFactureDemat.A_RECYCLER: "04", EtatFactureDemat.REJETEE: "05",
                EtatFactureDemat.SUSPENDUE: "06"}
ETAPES = {EtatFactureDemat.A_RECYCLER: Etape.A_RECYCLER, EtatFactureDemat.REJETEE: Etape.REJET,
          EtatFactureDemat.SUSPENDUE: Etape.SUSPENSION}


@dataclass(frozen=True)
class AnnulationRejet:
    facture_id: int
    numero: str
    etat: str
    ancien_etat: str
    ancien_motif: str


@dataclass(frozen=True)
class RejetResultat:
    facture_id: int
    numero: str
    etat: str
    code_statut: str
    motif: str


def cible_du_rejet(code: str, suspendre: bool) -> EtatFactureDemat:
    if code == "montant":
        raise ValidationError(
            "Depuis février 2025, une facture ne peut plus être rejetée en totalité pour un montant "
            "erroné (article R.2192-34 du Code de la commande publique) : mandatez les sommes "
            "admises avec le motif (corail pivot mandater ID --sommes-admises MONTANT --motif TEXTE, "
            "ou le bouton « Mandater les sommes admises »)")
    if code not in MOTIFS:
        raise ValidationError(f"Code de rejet inconnu : « {code} » (acheminement, pieces, autre)")
    if code == "acheminement":
        if suspendre:
            raise ValidationError("Une facture mal adressée est renvoyée à recycler : elle ne peut "
                                  "pas être suspendue")
        return EtatFactureDemat.A_RECYCLER
    if code == "pieces" or suspendre:
        return EtatFactureDemat.SUSPENDUE
    return EtatFactureDemat.REJETEE


def rejeter(session: Session, ctx: Context, facture_id: int, *, motif: str,
            code: str = "autre", suspendre: bool = False) -> RejetResultat:
    """``motif`` is the complément typed by the user; the coded motif is prefixed to it."""
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "rejeter ou suspendre une facture")
    cible = cible_du_rejet(code, suspendre)
    complement = (motif or "").strip()
    if not complement and code == "autre":
        raise ValidationError("Motif du rejet obligatoire (Compléments d'information)")
    texte = MOTIFS[code] + (f" : {complement}" if complement else "")
    if len(texte) > MAX_MOTIF:
        raise ValidationError(f"Motif trop long : {len(texte)} caractères, {MAX_MOTIF} au plus "
                              f"avec le motif « {MOTIFS[code]} »")
    fd = facture_demat(session, ctx, facture_id)
    changer_etat(fd, TRANSITIONS_FACTURE_DEMAT, cible, nom=f"Facture {fd.numero}")
    fd.motif_rejet, fd.complement_rejet, fd.code_rejet = MOTIFS[code], complement or None, code
    if cible == EtatFactureDemat.SUSPENDUE:
        for facture in session.scalars(select(Facture).where(Facture.facture_demat_id == fd.id)):
            facture.etat = EtatFacture.SUSPENDUE
            facture.suspensions.append(SuspensionFacture(debut=ctx.today(), motif=texte))
    code_statut = CODES_STATUT[cible]
    if fd.code_anomalie == ANOMALIE_DOUBLON:
        # a second delivery of an invoice already received: closed here only — a status sent to
        # Chorus Pro would reach the first delivery, perhaps already mandated
        code_statut = ""
        texte += " (doublon : aucun statut envoyé à Chorus Pro)"
    else:
        ajouter_statut(session, ctx, fd, code_statut, motif=texte)  # checked as Chorus Pro would
    ajouter_etape(session, ctx, ETAPES[cible], facture_demat_id=fd.id, complement=texte)
    actualiser_etat_flux(session, fd.flux_id)
    session.flush()
    return RejetResultat(fd.id, fd.numero, fd.etat, code_statut, texte)


def annuler_rejet(session: Session, ctx: Context, facture_id: int) -> AnnulationRejet:
    """Back to *Factures à créer* (or to the anomalies when no budget takes it)."""
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "annuler un rejet")
    fd = facture_demat(session, ctx, facture_id)
    if fd.etat not in CODES_STATUT:
        raise ValidationError(f"Facture {fd.numero} : elle n'est ni rejetée, ni suspendue, ni à recycler")
    code = CODES_STATUT[EtatFactureDemat(fd.etat)]
    ancien_etat = fd.etat
    transmis = session.scalars(select(StatutChorus).where(
        StatutChorus.facture_demat_id == fd.id, StatutChorus.code == code,
        StatutChorus.envoi == EnvoiStatut.TRANSMIS)).first()
    if transmis is not None and code in ("04", "05"):
        raise ValidationError(
            f"Facture {fd.numero} : le statut « {'À recycler' if code == '04' else 'Rejetée'} » a déjà "
            f"été transmis à Chorus Pro le {transmis.transmis_le:%d/%m/%Y}, où il est définitif : "
            f"le fournisseur doit déposer la facture à nouveau")
    session.execute(delete(StatutChorus).where(
        StatutChorus.facture_demat_id == fd.id, StatutChorus.code == code,
        StatutChorus.envoi != EnvoiStatut.TRANSMIS))
    suspendue = fd.etat == EtatFactureDemat.SUSPENDUE
    retour = EtatFactureDemat.A_TRAITER
    registre = session.scalars(select(Facture).where(Facture.facture_demat_id == fd.id)).all()
    if suspendue and registre:
        retour = EtatFactureDemat.FACTUREE
        for facture in registre:
            facture.etat = EtatFacture.A_MANDATER
            for s in facture.suspensions:
                s.fin = s.fin or ctx.today()
    changer_etat(fd, TRANSITIONS_FACTURE_DEMAT, retour, nom=f"Facture {fd.numero}")
    if fd.budget_id is None:
        fd.etat = EtatFactureDemat.ANOMALIE
    ancien = fd.motif_rejet
    fd.motif_rejet = fd.complement_rejet = fd.code_rejet = None
    ajouter_etape(session, ctx, Etape.ANNULATION_REJET, facture_demat_id=fd.id, complement=ancien)
    actualiser_etat_flux(session, fd.flux_id)
    session.flush()
    return AnnulationRejet(fd.id, fd.numero, fd.etat, ancien_etat, ancien or "")
