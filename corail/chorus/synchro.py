"""*Récupérer les factures* in mode service: one synchronisation with Chorus Pro.

1. the invoices waiting in Chorus Pro for the structure (SIRET) are searched (every page),
   those not known yet downloaded in pivot format by batches, and integrated through the same
   path as a file (``services.pivot_import``), each batch in a savepoint: a refused batch is
   reported and leaves nothing, the others are kept;
2. the statuses queued here (rejet, suspension, à recycler, mandatement…) are sent
   (``traiter/recue``); a refusal is kept as ``echec`` with Chorus Pro's message, visible, and
   sent again next time (the invoice's later statuses wait behind it);
3. the history of mandated invoices is read to pick up what the comptable's Hélios set there
   (09 mise à disposition du comptable, 10 comptabilisée, 11 mise en paiement).

The caller owns the transaction. The PISTE connection is checked first: when it is refused,
nothing at all is written. Network calls happen inside the transaction (SQLite: one writer):
keep the batches small.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from corail.chorus.client import ClientChorus, ErreurChorus
from corail.chorus.telechargement import lots, telecharger_lot
from corail.context import Context
from corail.dates import PARIS, format_date
from corail.db.models import Collectivite, FactureDemat, Flux, StatutChorus
from corail.domain.etats import (
    STATUTS_CHORUS,
    STATUTS_COMPTABLE,
    EnvoiStatut,
    Etape,
)
from corail.domain.roles import MODIFICATION, TELEPROCEDURES
from corail.errors import CorailError
from corail.jobs import NO_CONTROL, JobControl
from corail.services.etapes import ajouter_etape
from corail.services.habilitations import exiger
from corail.services.pivot_import import FluxLu, importer_fichier
from corail.services.reglages_demat import lire_recuperation
from corail.services.statuts import ENVOYES, noter_transmis

CODES_API = {api: code for code, (api, _libelle) in STATUTS_CHORUS.items()}
HISTORIQUES_MAX = 200  # invoices whose history is read per synchronisation


@dataclass(frozen=True)
class Synchronisation:
    trouvees: int  # invoices Chorus Pro offered
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


def _du_perimetre(ctx: Context, siret: str):
    return (FactureDemat.debiteur_identifiant == siret) & (Flux.collectivite_id == ctx.collectivite_id)


# ------------------------------------------------------------------ 1. new invoices

def _integrer(session: Session, ctx: Context, chemin: Path, control: JobControl,
              copie: Path | None) -> tuple[FluxLu, ...]:
    with session.begin_nested():  # a refused batch leaves nothing, the others are kept
        resultat = importer_fichier(session, ctx, chemin, control=control)
        for f in resultat.flux:
            session.get(Flux, f.flux_id).source = "api"
    if copie is not None and copie.is_dir():  # Répertoire de réception des flux pivots
        try:
            shutil.copyfile(chemin, copie / chemin.name)
        except OSError:
            pass  # the invoices are in the database: the copy is a convenience
    return resultat.flux


def _telecharger(client: ClientChorus, lot: list[int], dossier: Path, nom: str) -> list[Path]:
    """The batch's pivot files; a batch Chorus Pro finds too big (413) is split in two."""
    try:
        return [telecharger_lot(client, lot, dossier, nom)]
    except ErreurChorus as exc:
        if exc.statut_http != 413 or len(lot) == 1:
            raise
        moitie = len(lot) // 2
        return (_telecharger(client, lot[:moitie], dossier, f"{nom}a")
                + _telecharger(client, lot[moitie:], dossier, f"{nom}b"))


def recuperer_factures(session: Session, ctx: Context, client: ClientChorus, siret: str,
                       control: JobControl = NO_CONTROL) -> tuple[int, int, list[FluxLu], list[str]]:
    control.message("Recherche des factures en attente dans Chorus Pro…")
    trouvees = [f for f in client.rechercher_recues(etape=lambda p, n: control.step(p, n))
                if f.get("codeDestinataire") in (None, "", siret)]
    ids = [int(f["idFacture"]) for f in trouvees if f.get("idFacture") is not None]
    connus = set(session.scalars(select(FactureDemat.id_cpro).where(FactureDemat.id_cpro.in_(ids))))
    nouvelles = [f for f in trouvees if int(f.get("idFacture") or 0) not in connus]
    coll = session.get(Collectivite, ctx.collectivite_id)
    copie = Path(coll.repertoire_flux).expanduser() if coll and coll.repertoire_flux else None
    flux: list[FluxLu] = []
    erreurs: list[str] = []
    horo = ctx.now().astimezone(PARIS).strftime("%Y%m%d_%H%M%S")
    with tempfile.TemporaryDirectory(prefix="corail-chorus-") as temp:
        paquets = lots(nouvelles)
        for n, lot in enumerate(paquets, 1):
            control.message(f"Téléchargement des factures ({n}/{len(paquets)})…")
            control.step(n - 1, len(paquets))
            numeros = ", ".join(str(f.get("numeroFacture") or f.get("idFacture")) for f in lot[:5])
            try:
                for chemin in _telecharger(client, [int(f["idFacture"]) for f in lot], Path(temp),
                                           f"chorus_{siret}_{horo}_{n:03d}"):
                    flux += _integrer(session, ctx, chemin, control, copie)
            except CorailError as exc:
                erreurs.append(f"Factures {numeros}{' …' if len(lot) > 5 else ''} : {exc}")
        control.step(len(paquets), len(paquets))
    return len(trouvees), len(connus), flux, erreurs


# ------------------------------------------------------------------ 2. queued statuses

def _id_chorus(client: ClientChorus, fd: FactureDemat) -> int:
    """Chorus Pro's id of the invoice (a file from the portal may not carry it: searched by
    number and supplier, as Pastell does)."""
    if fd.id_cpro is None:
        for f in client.rechercher_recues(non_telechargees=False, numero=fd.numero):
            if f.get("codeFournisseur") in (None, fd.fournisseur_identifiant) and f.get("idFacture"):
                fd.id_cpro = int(f["idFacture"])
                break
        else:
            raise ErreurChorus(f"facture {fd.numero} du fournisseur {fd.fournisseur_identifiant} "
                               f"introuvable dans Chorus Pro", code="introuvable")
    return fd.id_cpro


def _texte(s: StatutChorus, fd: FactureDemat) -> str:
    texte = f"Facture {fd.numero} : {s.code} {STATUTS_CHORUS[s.code][1]}"
    return texte + (f" (mandat n° {s.numero_mandat})" if s.numero_mandat else "")


def pousser_statuts(session: Session, ctx: Context, client: ClientChorus, siret: str,
                    control: JobControl = NO_CONTROL) -> tuple[list[str], list[str], list[str]]:
    """Send the queued statuses; (transmitted, failed, errors that stopped the sending)."""
    rows = session.execute(
        select(StatutChorus, FactureDemat).join(FactureDemat).join(Flux, Flux.id == FactureDemat.flux_id)
        .where(_du_perimetre(ctx, siret), StatutChorus.origine == "corail",
               StatutChorus.envoi.in_(ENVOYES), StatutChorus.code != "")
        .order_by(StatutChorus.horodatage, StatutChorus.id)).all()
    transmis, echecs, bloquees = [], [], set()
    for n, (s, fd) in enumerate(rows, 1):
        control.message(f"Transmission des statuts à Chorus Pro ({n}/{len(rows)})…")
        control.step(n - 1, len(rows))
        if fd.id in bloquees:
            s.message = "En attente : le statut précédent de la facture n'a pas été accepté"
            continue
        try:
            client.traiter(_id_chorus(client, fd), STATUTS_CHORUS[s.code][0], motif=s.motif,
                           numero_mandat=s.numero_mandat)
        except ErreurChorus as exc:
            if exc.code is None and (exc.statut_http is None or exc.statut_http >= 500):
                return transmis, echecs, [f"Transmission des statuts interrompue : {exc}"]
            s.envoi, s.message, s.tentatives = EnvoiStatut.ECHEC, str(exc), s.tentatives + 1
            bloquees.add(fd.id)
            echecs.append(f"{_texte(s, fd)} — {exc}")
            continue
        s.tentatives += 1
        noter_transmis(session, ctx, s, mode="service", complement="API Chorus Pro")
        transmis.append(_texte(s, fd))
    session.flush()
    return transmis, echecs, []


# ------------------------------------------------------------------ 3. Hélios's statuses

def _date_passage(texte: str | None, defaut: datetime) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime((texte or "").strip(), fmt).replace(tzinfo=PARIS)
        except ValueError:
            continue
    return defaut


def lire_historiques(session: Session, ctx: Context, client: ClientChorus, siret: str,
                     control: JobControl = NO_CONTROL) -> tuple[list[str], list[str]]:
    """The comptable's statuses (09, 10, 11) of the mandated invoices, from their history."""
    mandatees = exists().where(StatutChorus.facture_demat_id == FactureDemat.id,
                               StatutChorus.code == "08", StatutChorus.envoi == EnvoiStatut.TRANSMIS)
    payees = exists().where(StatutChorus.facture_demat_id == FactureDemat.id, StatutChorus.code == "11")
    factures = session.scalars(
        select(FactureDemat).join(Flux, Flux.id == FactureDemat.flux_id)
        .where(_du_perimetre(ctx, siret), FactureDemat.id_cpro.is_not(None), mandatees, ~payees)
        .order_by(FactureDemat.id).limit(HISTORIQUES_MAX)).all()
    recus, erreurs = [], []
    for n, fd in enumerate(factures, 1):
        control.message(f"Lecture de l'historique des factures ({n}/{len(factures)})…")
        control.step(n - 1, len(factures))
        try:
            reponse = client.historique(fd.id_cpro)
        except ErreurChorus as exc:
            erreurs.append(f"Historique de la facture {fd.numero} : {exc}")
            if exc.code is None:
                break  # Chorus Pro unreachable: the next ones would fail the same way
            continue
        connus = set(session.scalars(select(StatutChorus.id_historique).where(
            StatutChorus.facture_demat_id == fd.id, StatutChorus.id_historique.is_not(None))))
        deja = set(session.scalars(select(StatutChorus.code).where(
            StatutChorus.facture_demat_id == fd.id, StatutChorus.origine == "chorus")))
        lignes = (reponse.get("historiquesDesStatuts") or {}).get("histoStatut") or []
        for h in sorted(lignes, key=lambda h: (str(h.get("histoStatutDatePassage") or ""),
                                               int(h.get("histoStatutId") or 0))):
            code = CODES_API.get(str(h.get("histoStatutCode") or ""))
            ident = h.get("histoStatutId")
            if code not in STATUTS_COMPTABLE or ident in connus or code in deja:
                continue
            qui = " ".join(x for x in (h.get("histoStatutUtilisateurPrenom"),
                                       h.get("histoStatutUtilisateurNom")) if x) or "Chorus Pro"
            quand = _date_passage(h.get("histoStatutDatePassage"), ctx.now())
            session.add(StatutChorus(
                facture_demat_id=fd.id, code=code, motif=(h.get("histoStatutCommentaire") or None),
                horodatage=quand, envoi=EnvoiStatut.TRANSMIS, mode="service", transmis_le=ctx.now(),
                utilisateur=qui[:50], origine="chorus", tentatives=0,
                id_historique=int(ident) if str(ident or "").isdigit() else None))
            deja.add(code)
            texte = f"Facture {fd.numero} : {code} {STATUTS_CHORUS[code][1]} le {format_date(quand)}"
            if code == "11":
                ajouter_etape(session, ctx, Etape.MISE_EN_PAIEMENT, facture_demat_id=fd.id,
                              complement=f"Chorus Pro : mise en paiement le {format_date(quand)}")
            recus.append(texte)
    session.flush()
    return recus, erreurs


def synchroniser(session: Session, ctx: Context, client: ClientChorus,
                 control: JobControl = NO_CONTROL) -> Synchronisation:
    """Fetch the new invoices, send the queued statuses, read the comptable's statuses."""
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "récupérer les factures de Chorus Pro")
    siret = lire_recuperation(session, ctx).siret
    control.message("Connexion à Chorus Pro (PISTE)…")
    client.jeton()  # refused: ErreurChorus, and nothing is written
    erreurs: list[str] = []
    try:
        trouvees, connues, flux, erreurs_flux = recuperer_factures(session, ctx, client, siret, control)
        erreurs += erreurs_flux
    except ErreurChorus as exc:
        trouvees, connues, flux = 0, 0, []
        erreurs.append(f"Recherche des factures : {exc}")
    transmis, echecs, arret = pousser_statuts(session, ctx, client, siret, control)
    recus, erreurs_histo = lire_historiques(session, ctx, client, siret, control)
    return Synchronisation(trouvees, connues, tuple(flux), tuple(transmis), tuple(echecs),
                           tuple(recus), tuple(erreurs + arret + erreurs_histo))
