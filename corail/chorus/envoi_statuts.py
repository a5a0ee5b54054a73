"""Sending the queued statuses to Chorus Pro (``traiter/recue``), one short transaction per step.

For each status: the attempt is written down (``tentatives`` + 1) *before* the call, and
``transmis`` only *after* Chorus Pro accepted it. If the program stops in between, the next
synchronisation sees an attempt without outcome and first reads the invoice's history: when
Chorus Pro already shows the status, it is recorded as transmitted without being sent twice.
A refusal is kept as ``echec`` with Chorus Pro's message, visible, and sent again next time (the
invoice's later statuses wait behind it); Chorus Pro unreachable stops the sending.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from corail.chorus.client import ClientChorus, ErreurChorus
from corail.chorus.verrou import Reservation
from corail.db.models import FactureDemat, Flux, StatutChorus
from corail.domain.etats import STATUTS_CHORUS, EnvoiStatut
from corail.jobs import NO_CONTROL, JobControl
from corail.services.statuts import ENVOYES, noter_transmis

EN_ATTENTE = "En attente : le statut précédent de la facture n'a pas été accepté"


@dataclass(frozen=True)
class _AEnvoyer:
    """What the sending needs of a queued status, read in a short transaction."""
    id: int
    facture_id: int
    id_cpro: int | None
    numero: str
    fournisseur: str
    code: str
    motif: str | None
    numero_mandat: str | None
    horodatage: datetime
    utilisateur: str
    envoi: str
    tentatives: int

    @property
    def api(self) -> str:
        return STATUTS_CHORUS[self.code][0]

    @property
    def texte(self) -> str:
        texte = f"Facture {self.numero} : {self.code} {STATUTS_CHORUS[self.code][1]}"
        return texte + (f" (mandat n° {self.numero_mandat})" if self.numero_mandat else "")


def du_perimetre(collectivite_id: int, siret: str):
    return (FactureDemat.debiteur_identifiant == siret) & (Flux.collectivite_id == collectivite_id)


def _a_envoyer(reservation: Reservation) -> list[_AEnvoyer]:
    with reservation.etape() as (session, _ligne):
        rows = session.execute(
            select(StatutChorus, FactureDemat).join(FactureDemat)
            .join(Flux, Flux.id == FactureDemat.flux_id)
            .where(du_perimetre(reservation.ctx.collectivite_id, reservation.siret),
                   StatutChorus.origine == "corail", StatutChorus.envoi.in_(ENVOYES),
                   StatutChorus.code != "")
            .order_by(StatutChorus.horodatage, StatutChorus.id)).all()
        return [_AEnvoyer(s.id, fd.id, fd.id_cpro, fd.numero, fd.fournisseur_identifiant, s.code,
                          s.motif, s.numero_mandat, s.horodatage, s.utilisateur, s.envoi,
                          s.tentatives) for s, fd in rows]


def _id_chorus(client: ClientChorus, e: _AEnvoyer) -> int:
    """Chorus Pro's id of the invoice (a file from the portal may not carry it: searched by
    number and supplier, as Pastell does)."""
    for f in client.rechercher_recues(non_telechargees=False, numero=e.numero):
        if f.get("codeFournisseur") in (None, e.fournisseur) and f.get("idFacture"):
            return int(f["idFacture"])
    raise ErreurChorus(f"facture {e.numero} du fournisseur {e.fournisseur} introuvable dans "
                       f"Chorus Pro", code="introuvable")


def _deja_dans_chorus(client: ClientChorus, id_cpro: int, e: _AEnvoyer) -> bool:
    """An earlier attempt without outcome: is the status already Chorus Pro's current one?"""
    return str(client.historique(id_cpro).get("statutCourantCode") or "") == e.api


def _noter(reservation: Reservation, e: _AEnvoyer, complement: str) -> str | None:
    """Record ``e`` as transmitted; a warning when it was cancelled here meanwhile."""
    with reservation.etape() as (session, _ligne):
        statut = session.get(StatutChorus, e.id)
        alerte = None
        if statut is None:  # cancelled here (Annul. rejet) while it was on its way
            statut = StatutChorus(facture_demat_id=e.facture_id, code=e.code, motif=e.motif,
                                  numero_mandat=e.numero_mandat, horodatage=e.horodatage,
                                  envoi=EnvoiStatut.A_TRANSMETTRE, utilisateur=e.utilisateur,
                                  origine="corail", tentatives=e.tentatives + 1)
            session.add(statut)
            session.flush()
            alerte = (f"{e.texte} : annulé dans Corail pendant sa transmission, mais Chorus Pro "
                      f"l'a reçu — il y figure désormais")
        elif statut.envoi == EnvoiStatut.TRANSMIS:
            return None  # recorded meanwhile (saisi sur le portail)
        noter_transmis(session, reservation.ctx, statut, mode="service", complement=complement)
        return alerte


def pousser(reservation: Reservation, client: ClientChorus,
            control: JobControl = NO_CONTROL) -> tuple[list[str], list[str], list[str]]:
    """Send the queued statuses; (transmitted, failed, errors and warnings)."""
    a_envoyer = _a_envoyer(reservation)
    transmis: list[str] = []
    echecs: list[str] = []
    alertes: list[str] = []
    bloquees: set[int] = set()
    for n, e in enumerate(a_envoyer, 1):
        control.message(f"Transmission des statuts à Chorus Pro ({n}/{len(a_envoyer)})…")
        control.step(n - 1, len(a_envoyer))
        if e.facture_id in bloquees:
            with reservation.etape() as (session, _ligne):
                statut = session.get(StatutChorus, e.id)
                if statut is not None and statut.envoi != EnvoiStatut.TRANSMIS:
                    statut.message = EN_ATTENTE
            continue
        tente = False
        try:
            id_cpro = e.id_cpro if e.id_cpro is not None else _id_chorus(client, e)
            deja = (e.envoi == EnvoiStatut.A_TRANSMETTRE and e.tentatives > 0
                    and _deja_dans_chorus(client, id_cpro, e))
            with reservation.etape() as (session, _ligne):
                statut = session.get(StatutChorus, e.id)
                if e.id_cpro is None:
                    session.get(FactureDemat, e.facture_id).id_cpro = id_cpro
                if statut is None or statut.envoi == EnvoiStatut.TRANSMIS:
                    continue  # cancelled or recorded here meanwhile: nothing to send
                if not deja:
                    statut.tentatives += 1
                    tente = True
            if not deja:
                client.traiter(id_cpro, e.api, motif=e.motif, numero_mandat=e.numero_mandat)
        except ErreurChorus as exc:
            if exc.code is None and (exc.statut_http is None or exc.statut_http >= 500):
                return transmis, echecs, alertes + [f"Transmission des statuts interrompue : {exc}"]
            with reservation.etape() as (session, _ligne):
                statut = session.get(StatutChorus, e.id)
                if statut is not None and statut.envoi != EnvoiStatut.TRANSMIS:
                    statut.envoi, statut.message = EnvoiStatut.ECHEC, str(exc)
                    statut.tentatives += 0 if tente else 1
            bloquees.add(e.facture_id)
            echecs.append(f"{e.texte} — {exc}")
            continue
        complement = "API Chorus Pro" + ("" if tente else ", constaté dans son historique")
        alerte = _noter(reservation, e, complement)
        if alerte:
            alertes.append(alerte)
        transmis.append(e.texte)
    return transmis, echecs, alertes
