"""*Récupérer les factures* in mode service: one synchronisation with Chorus Pro.

1. the invoices waiting in Chorus Pro for the structure (SIRET) are searched (every page),
   those not known yet downloaded in pivot format by batches, and integrated through the same
   path as a file (``services.pivot_import``); a refused batch is reported and leaves nothing,
   the others are kept;
2. the statuses queued here (rejet, suspension, à recycler, mandatement…) are sent
   (``traiter/recue``, ``envoi_statuts``);
3. the history of mandated invoices is read to pick up what the comptable's Hélios set there
   (09 mise à disposition du comptable, 10 comptabilisée, 11 mise en paiement).

**No transaction is open while Chorus Pro is called** (``synchroniser_par_etapes``): what to do is
read in a short transaction, the network is called, the result is written in another short
one — each safe to repeat. The synchronisation is reserved for the structure (``verrou``) so
that two workstations do not run it together; the invoices asked for are noted before their
download and struck off in the transaction that integrates them, so that a failure or a stop
between the two loses nothing (Chorus Pro no longer offers a downloaded invoice) and duplicates
nothing (an invoice known by its Chorus Pro id is not integrated again). The PISTE connection is
checked first: when it is refused, nothing at all is written.

``synchroniser(session, …)`` and ``pousser_statuts(session, …)`` keep the former entry points:
the same steps, as savepoints of the caller's one transaction (held during the calls).
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from corail.chorus import verrou
from corail.chorus.client import ClientChorus, ErreurChorus
from corail.chorus.envoi_statuts import du_perimetre, pousser
from corail.chorus.telechargement import lots, telecharger_lot
from corail.chorus.verrou import Reservation, SynchroEnCours, Transaction, dans_la_session
from corail.context import Context
from corail.dates import PARIS, format_date
from corail.db.models import Collectivite, FactureDemat, Flux, StatutChorus
from corail.domain.etats import STATUTS_CHORUS, STATUTS_COMPTABLE, EnvoiStatut, Etape
from corail.domain.roles import MODIFICATION, TELEPROCEDURES
from corail.errors import CorailError
from corail.jobs import NO_CONTROL, JobControl
from corail.services.etapes import ajouter_etape
from corail.services.habilitations import exiger
from corail.services.pivot_import import FluxLu, importer_fichier
from corail.services.reglages_demat import lire_recuperation

CODES_API = {api: code for code, (api, _libelle) in STATUTS_CHORUS.items()}
HISTORIQUES_MAX = 200  # invoices whose history is read per synchronisation


@dataclass(frozen=True)
class Synchronisation:
    trouvees: int  # invoices Chorus Pro offered (and those downloaded, not integrated yet)
    deja_connues: int
    flux: tuple[FluxLu, ...]
    transmis: tuple[str, ...]  # "Facture F-1 : 05 Rejetée…"
    echecs: tuple[str, ...]
    recus: tuple[str, ...]  # statuses read from Chorus Pro's history
    erreurs: tuple[str, ...]
    factures: bool = True  # False: only the queued statuses were sent

    @property
    def nb_factures(self) -> int:
        return sum(f.nb_factures for f in self.flux)

    def resume(self) -> str:
        lignes = [f"{self.trouvees} facture(s) en attente dans Chorus Pro, {self.nb_factures} "
                  f"intégrée(s)" + (f", {self.deja_connues} déjà connue(s)" if self.deja_connues else "")
                  ] if self.factures else []
        if not self.factures and not (self.transmis or self.echecs or self.erreurs):
            lignes.append("Aucun statut à transmettre à Chorus Pro.")
        lignes += [f"  {f.nom} : {f.nb_factures} facture(s), {f.anomalies} en anomalie (flux {f.flux_id})"
                   for f in self.flux]
        lignes += [f"Statut transmis — {t}" for t in self.transmis]
        lignes += [f"Statut lu dans Chorus Pro — {r}" for r in self.recus]
        lignes += [f"⚠ Échec — {e}" for e in self.echecs]
        lignes += [f"⚠ {e}" for e in self.erreurs]
        return "\n".join(lignes)


# ------------------------------------------------------------------ 1. new invoices

def _telecharger(client: ClientChorus, lot: list[int], dossier: Path,
                 nom: str) -> list[tuple[list[int], Path]]:
    """The batch's pivot files (with their ids); a batch Chorus Pro finds too big (413) is
    split in two."""
    try:
        return [(lot, telecharger_lot(client, lot, dossier, nom))]
    except ErreurChorus as exc:
        if exc.statut_http != 413 or len(lot) == 1:
            raise
        moitie = len(lot) // 2
        return (_telecharger(client, lot[:moitie], dossier, f"{nom}a")
                + _telecharger(client, lot[moitie:], dossier, f"{nom}b"))


def _connus(session: Session, ids) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    return set(session.scalars(select(FactureDemat.id_cpro).where(FactureDemat.id_cpro.in_(ids))))


def _noter_integrees(session: Session, ligne) -> None:
    attente = verrou.a_integrer(ligne)
    connus = _connus(session, {int(f["idFacture"]) for f in attente})
    verrou.noter_a_integrer(ligne, [f for f in attente if int(f["idFacture"]) not in connus])


def _integrer(reservation: Reservation, ids: list[int], chemin: Path, control: JobControl,
              copie: Path | None) -> tuple[FluxLu, ...]:
    """One downloaded file read in one transaction, its invoices struck off the list."""
    with reservation.etape() as (session, ligne):
        if _connus(session, ids) >= set(ids):  # integrated meanwhile (e.g. read by hand)
            _noter_integrees(session, ligne)
            return ()
        resultat = importer_fichier(session, reservation.ctx, chemin, control=control)
        for f in resultat.flux:
            session.get(Flux, f.flux_id).source = "api"
        _noter_integrees(session, ligne)
    if copie is not None and copie.is_dir():  # Répertoire de réception des flux pivots
        try:
            shutil.copyfile(chemin, copie / chemin.name)
        except OSError:
            pass  # the invoices are in the database: the copy is a convenience
    return resultat.flux


def _recuperer(reservation: Reservation, client: ClientChorus, control: JobControl
               ) -> tuple[int, int, list[FluxLu], list[str]]:
    ctx, siret = reservation.ctx, reservation.siret
    erreurs: list[str] = []
    control.message("Recherche des factures en attente dans Chorus Pro…")
    try:
        trouvees = [f for f in client.rechercher_recues(etape=lambda p, n: control.step(p, n))
                    if f.get("codeDestinataire") in (None, "", siret) and f.get("idFacture") is not None]
    except ErreurChorus as exc:
        trouvees = []
        erreurs.append(f"Recherche des factures : {exc}")
    with reservation.etape() as (session, ligne):
        attente = verrou.a_integrer(ligne)  # asked for earlier, not integrated
        connus = _connus(session, {int(f["idFacture"]) for f in trouvees + attente})
        nouvelles = list({int(f["idFacture"]): f for f in attente + trouvees
                          if int(f["idFacture"]) not in connus}.values())
        verrou.noter_a_integrer(ligne, nouvelles)  # before the download flags them in Chorus Pro
        coll = session.get(Collectivite, ctx.collectivite_id)
        copie = Path(coll.repertoire_flux).expanduser() if coll and coll.repertoire_flux else None
    deja = sum(1 for f in trouvees if int(f["idFacture"]) in connus)
    flux: list[FluxLu] = []
    horo = ctx.now().astimezone(PARIS).strftime("%Y%m%d_%H%M%S")
    with tempfile.TemporaryDirectory(prefix="corail-chorus-") as temp:
        paquets = lots(nouvelles)
        for n, lot in enumerate(paquets, 1):
            control.message(f"Téléchargement des factures ({n}/{len(paquets)})…")
            control.step(n - 1, len(paquets))
            numeros = ", ".join(str(f.get("numeroFacture") or f.get("idFacture")) for f in lot[:5])
            try:
                for ids, chemin in _telecharger(client, [int(f["idFacture"]) for f in lot],
                                                Path(temp), f"chorus_{siret}_{horo}_{n:03d}"):
                    flux += _integrer(reservation, ids, chemin, control, copie)
            except SynchroEnCours:
                raise
            except CorailError as exc:  # kept on the list: tried again next time
                erreurs.append(f"Factures {numeros}{' …' if len(lot) > 5 else ''} : {exc}")
        control.step(len(paquets), len(paquets))
    # waiting: offered by Chorus Pro, or downloaded earlier and not integrated yet
    en_attente = len({int(f["idFacture"]) for f in trouvees + attente})
    return en_attente, deja, flux, erreurs


# ------------------------------------------------------------------ 3. Hélios's statuses

def _date_passage(texte: str | None, defaut: datetime) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime((texte or "").strip(), fmt).replace(tzinfo=PARIS)
        except ValueError:
            continue
    return defaut


def _deja_lus(session: Session, facture_id: int) -> tuple[set, set]:
    """(history ids, codes) of the statuses already read from Chorus Pro for the invoice."""
    rows = session.execute(select(StatutChorus.id_historique, StatutChorus.code).where(
        StatutChorus.facture_demat_id == facture_id, StatutChorus.origine == "chorus")).all()
    return {i for i, _c in rows if i is not None}, {c for _i, c in rows}


def _nouveaux(reponse: dict, connus: set, deja: set) -> list[tuple[str, dict]]:
    """The comptable's statuses of the answer not recorded yet, oldest first."""
    lignes = (reponse.get("historiquesDesStatuts") or {}).get("histoStatut") or []
    nouveaux, codes = [], set(deja)
    for h in sorted(lignes, key=lambda h: (str(h.get("histoStatutDatePassage") or ""),
                                           int(h.get("histoStatutId") or 0))):
        code = CODES_API.get(str(h.get("histoStatutCode") or ""))
        ident = h.get("histoStatutId")
        ident = int(ident) if str(ident or "").isdigit() else None
        if code not in STATUTS_COMPTABLE or (ident is not None and ident in connus) or code in codes:
            continue
        codes.add(code)
        nouveaux.append((code, {**h, "histoStatutId": ident}))
    return nouveaux


def _lire_historiques(reservation: Reservation, client: ClientChorus,
                      control: JobControl) -> tuple[list[str], list[str]]:
    """The comptable's statuses (09, 10, 11) of the mandated invoices, from their history."""
    ctx = reservation.ctx
    mandatees = exists().where(StatutChorus.facture_demat_id == FactureDemat.id,
                               StatutChorus.code == "08", StatutChorus.envoi == EnvoiStatut.TRANSMIS)
    payees = exists().where(StatutChorus.facture_demat_id == FactureDemat.id, StatutChorus.code == "11")
    with reservation.etape() as (session, _ligne):
        factures = [(fd.id, fd.id_cpro, fd.numero, _deja_lus(session, fd.id)) for fd in session.scalars(
            select(FactureDemat).join(Flux, Flux.id == FactureDemat.flux_id)
            .where(du_perimetre(ctx.collectivite_id, reservation.siret),
                   FactureDemat.id_cpro.is_not(None), mandatees, ~payees)
            .order_by(FactureDemat.id).limit(HISTORIQUES_MAX))]
    recus, erreurs = [], []
    for n, (facture_id, id_cpro, numero, (connus, deja)) in enumerate(factures, 1):
        control.message(f"Lecture de l'historique des factures ({n}/{len(factures)})…")
        control.step(n - 1, len(factures))
        try:
            reponse = client.historique(id_cpro)
        except ErreurChorus as exc:
            erreurs.append(f"Historique de la facture {numero} : {exc}")
            if exc.code is None:
                break  # Chorus Pro unreachable: the next ones would fail the same way
            continue
        if not _nouveaux(reponse, connus, deja):
            continue
        with reservation.etape() as (session, _ligne):
            for code, h in _nouveaux(reponse, *_deja_lus(session, facture_id)):  # afresh
                qui = " ".join(x for x in (h.get("histoStatutUtilisateurPrenom"),
                                           h.get("histoStatutUtilisateurNom")) if x) or "Chorus Pro"
                quand = _date_passage(h.get("histoStatutDatePassage"), ctx.now())
                session.add(StatutChorus(
                    facture_demat_id=facture_id, code=code, motif=(h.get("histoStatutCommentaire") or None),
                    horodatage=quand, envoi=EnvoiStatut.TRANSMIS, mode="service", transmis_le=ctx.now(),
                    utilisateur=qui[:50], origine="chorus", tentatives=0, id_historique=h["histoStatutId"]))
                if code == "11":
                    ajouter_etape(session, ctx, Etape.MISE_EN_PAIEMENT, facture_demat_id=facture_id,
                                  complement=f"Chorus Pro : mise en paiement le {format_date(quand)}")
                recus.append(f"Facture {numero} : {code} {STATUTS_CHORUS[code][1]} le {format_date(quand)}")
    return recus, erreurs


# ------------------------------------------------------------------ entry points

def _siret(transaction: Transaction, ctx: Context, action: str) -> str:
    with transaction() as session:
        exiger(session, ctx, TELEPROCEDURES, MODIFICATION, action)
        return lire_recuperation(session, ctx).siret


def synchroniser_par_etapes(transaction: Transaction, ctx: Context, client: ClientChorus,
                            control: JobControl = NO_CONTROL) -> Synchronisation:
    """Fetch the new invoices, send the queued statuses, read the comptable's statuses — in
    short transactions from ``transaction`` (``db.transaction``, ``app.transaction``…), none
    open during a call to Chorus Pro. ``SynchroEnCours`` when another one runs."""
    siret = _siret(transaction, ctx, "récupérer les factures de Chorus Pro")
    control.message("Connexion à Chorus Pro (PISTE)…")
    client.jeton()  # refused: ErreurChorus, and nothing is written
    with verrou.reserver(transaction, ctx, siret) as reservation:
        trouvees, connues, flux, erreurs = _recuperer(reservation, client, control)
        transmis, echecs, arret = pousser(reservation, client, control)
        recus, erreurs_histo = _lire_historiques(reservation, client, control)
    return Synchronisation(trouvees, connues, tuple(flux), tuple(transmis), tuple(echecs),
                           tuple(recus), tuple(erreurs + arret + erreurs_histo))


def transmettre_statuts(transaction: Transaction, ctx: Context, client: ClientChorus,
                        control: JobControl = NO_CONTROL) -> Synchronisation:
    """Only send the queued statuses (same short transactions)."""
    siret = _siret(transaction, ctx, "transmettre les statuts à Chorus Pro")
    client.jeton()
    with verrou.reserver(transaction, ctx, siret) as reservation:
        transmis, echecs, erreurs = pousser(reservation, client, control)
    return Synchronisation(0, 0, (), tuple(transmis), tuple(echecs), (), tuple(erreurs),
                           factures=False)


def synchroniser(session: Session, ctx: Context, client: ClientChorus,
                 control: JobControl = NO_CONTROL) -> Synchronisation:
    """``synchroniser_par_etapes`` inside the caller's transaction (which it holds throughout)."""
    return synchroniser_par_etapes(dans_la_session(session), ctx, client, control)


def pousser_statuts(session: Session, ctx: Context, client: ClientChorus, siret: str,
                    control: JobControl = NO_CONTROL) -> tuple[list[str], list[str], list[str]]:
    """Send the queued statuses inside the caller's transaction; (transmitted, failed, errors)."""
    transaction = dans_la_session(session)
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "transmettre les statuts à Chorus Pro")
    with verrou.reserver(transaction, ctx, siret) as reservation:
        return pousser(reservation, client, control)
