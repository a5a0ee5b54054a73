"""Chorus Pro statuses of received invoices: the rules, the queue, the history.

* ``ajouter_statut`` queues a status (``a_transmettre``) after checking what Chorus Pro would
  check: a known code the recipient may set, a motif for 04/05/06 (« justifier son choix »), the
  mandat number with 08, and a transition allowed from the invoice's status there
  (``TRANSITIONS_STATUT_CHORUS``) — once the mandat has reached the comptable (09–11, or our
  mandat sent in a PES Aller), nothing can be rejected, suspended or recycled any more.
* **Amount disputes (February 2025)**: an invoice is no longer rejected for a wrong amount
  (Code de la commande publique R.2192-34; Chorus Pro's 19/02/2025 release added the motif
  « Erreur de montant » only to remind that such a refusal is impossible): the *sommes admises*
  are mandated and Chorus Pro receives **08 Mandatée** with the mandat number and, as motif,
  the admitted amount, the invoiced amount and the reason (``statut_mandatement``).
* The history of an invoice is every status, queued here or read from Chorus Pro (those the
  comptable's Hélios sets: 09 mise à disposition du comptable, 10 comptabilisée, 11 mise en
  paiement), with its date, user, motif and our side (à transmettre, transmis, échec).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import format_date
from corail.db.models import FactureDemat, Flux, Piece, StatutChorus
from corail.domain.etats import (
    STATUTS_AVEC_MOTIF,
    STATUTS_CHORUS,
    STATUTS_COMPTABLE,
    TRANSITIONS_ENVOI_STATUT,
    TRANSITIONS_STATUT_CHORUS,
    EnvoiStatut,
    Etape,
    EtatPiece,
    libelle_etat,
)
from corail.domain.roles import CONSULTATION, MODIFICATION, SUIVI_DEMAT, TELEPROCEDURES
from corail.errors import NotFound, ValidationError
from corail.money import format_eur
from corail.services.etapes import ajouter_etape
from corail.services.factures_demat import facture_demat
from corail.services.habilitations import exiger

MAX_MOTIF = 255
#: the status of an invoice just delivered to the recipient
RECUE = "03"
#: statuses the user sets by hand; the others come from their own action
MANUELS = ("07",)
POURQUOI = {
    "04": "une facture mal adressée se renvoie « à recycler » par Rejeter (motif acheminement)",
    "05": "une facture se rejette par Rejeter, avec son motif",
    "06": "une facture se suspend par Rejeter › Suspendre la facture",
    "08": "le statut « Mandatée » part à la numérotation du mandat, avec son numéro",
    "09": "ce statut est donné par le comptable (Hélios) et lu dans l'historique Chorus Pro",
    "10": "ce statut est donné par le comptable (Hélios) et lu dans l'historique Chorus Pro",
    "11": "ce statut est donné par le comptable (Hélios) et lu dans l'historique Chorus Pro",
}
SUSPENSION = "06"
MOTIF_MONTANT = "Montant de la facture erroné"  # rejets.MOTIFS["montant"]
ENVOYES = (EnvoiStatut.A_TRANSMETTRE, EnvoiStatut.ECHEC)


@dataclass(frozen=True)
class StatutLigne:
    id: int
    facture_id: int
    numero_facture: str
    fournisseur: str
    code: str
    motif: str
    numero_mandat: str
    horodatage: datetime
    utilisateur: str
    envoi: str  # a_transmettre | transmis | echec
    origine: str  # corail | chorus
    mode: str  # portail | service | ""
    transmis_le: datetime | None
    message: str
    tentatives: int
    fichier: str
    exporte_le: datetime | None

    @property
    def libelle(self) -> str:
        return STATUTS_CHORUS.get(self.code, ("", self.code))[1]

    @property
    def envoi_libelle(self) -> str:
        if self.origine == "chorus":
            return "Lu dans Chorus Pro"
        if self.envoi == EnvoiStatut.TRANSMIS:
            return "Transmis" + (" (saisi sur le portail)" if self.mode == "portail" else "")
        texte = libelle_etat(self.envoi)
        return texte + (f" — fichier {self.fichier}" if self.fichier else "")


def ligne(s: StatutChorus, fd: FactureDemat) -> StatutLigne:
    return StatutLigne(s.id, fd.id, fd.numero, fd.fournisseur_raison_sociale, s.code, s.motif or "",
                       s.numero_mandat or "", s.horodatage, s.utilisateur, s.envoi, s.origine,
                       s.mode or "", s.transmis_le, s.message or "", s.tentatives, s.fichier or "",
                       s.exporte_le)


# ----------------------------------------------------------------------------- the rules

def _statuts(session: Session, facture_id: int) -> list[StatutChorus]:
    return list(session.scalars(select(StatutChorus).where(
        StatutChorus.facture_demat_id == facture_id, StatutChorus.code != "")
        .order_by(StatutChorus.horodatage, StatutChorus.id)))


def statut_dans_chorus(session: Session, facture_id: int) -> tuple[str, datetime | None]:
    """The invoice's status in Chorus Pro as far as we know: the last one transmitted or read
    there (``03`` Mise à disposition when none), and since when."""
    connus = [s for s in _statuts(session, facture_id)
              if s.origine == "chorus" or s.envoi == EnvoiStatut.TRANSMIS]
    return (connus[-1].code, connus[-1].horodatage) if connus else (RECUE, None)


def statut_prevu(session: Session, facture_id: int) -> str:
    """The status the invoice will have in Chorus Pro once the queued ones are sent."""
    statuts = _statuts(session, facture_id)
    return statuts[-1].code if statuts else RECUE


def _mandat_chez_le_comptable(session: Session, facture_id: int) -> Piece | None:
    return session.scalars(select(Piece).where(
        Piece.facture_demat_id == facture_id,
        Piece.etat.in_([EtatPiece.TRANSMIS, EtatPiece.ACCEPTE, EtatPiece.PAYE]))).first()


def suspension_anterieure(session: Session, fd: FactureDemat) -> tuple[StatutChorus, FactureDemat] | None:
    """The invoice's suspension (06) already queued, sent or read in Chorus Pro — on this
    delivery or an earlier one it renews (Renvoi) — with the delivery it was set on."""
    livraisons: dict[int, FactureDemat] = {}
    courante: FactureDemat | None = fd
    while courante is not None and courante.id not in livraisons:
        livraisons[courante.id] = courante
        courante = (session.get(FactureDemat, courante.facture_precedente_id)
                    if courante.facture_precedente_id else None)
    statut = session.scalars(select(StatutChorus).where(
        StatutChorus.facture_demat_id.in_(list(livraisons)), StatutChorus.code == SUSPENSION)
        .order_by(StatutChorus.horodatage, StatutChorus.id)).first()
    return None if statut is None else (statut, livraisons[statut.facture_demat_id])


def _verifier_une_suspension(session: Session, fd: FactureDemat) -> None:
    anterieure = suspension_anterieure(session, fd)
    if anterieure is None:
        return
    statut, livraison = anterieure
    quand = f"le {format_date(statut.horodatage)}" + (
        f" (livraison du {format_date(livraison.date_reception)})" if livraison.id != fd.id else "")
    motif = f" : « {statut.motif} »" if statut.motif else ""
    raise ValidationError(
        f"Facture {fd.numero} : le délai de paiement ne peut être suspendu qu'une seule fois "
        f"(article R.2192-27 du Code de la commande publique) : elle a déjà été suspendue "
        f"{quand}{motif}. Mandatez-la, ou rejetez-la avec son motif")


def verifier_statut(session: Session, fd: FactureDemat, code: str, *, motif: str | None = None,
                    numero_mandat: str | None = None) -> None:
    """Refuse, with the reason, a status Chorus Pro would refuse for ``fd``."""
    nom = f"Facture {fd.numero}"
    if code not in STATUTS_CHORUS:
        raise ValidationError(f"Statut Chorus Pro « {code} » inconnu : codes 01 à 12",
                              choix=[f"{c} {lib}" for c, (_api, lib) in STATUTS_CHORUS.items()])
    libelle = STATUTS_CHORUS[code][1]
    motif = (motif or "").strip()
    if code in STATUTS_AVEC_MOTIF and not motif:
        raise ValidationError(f"{nom} : le statut « {libelle} » ({code}) exige un motif : Chorus Pro "
                              f"demande à l'ordonnateur de justifier un rejet ou une suspension")
    if len(motif) > MAX_MOTIF:
        raise ValidationError(f"{nom} : motif trop long ({len(motif)} caractères, {MAX_MOTIF} au plus)")
    if code == "05" and motif.startswith(MOTIF_MONTANT):
        raise ValidationError(
            f"{nom} : depuis février 2025, une facture ne peut plus être rejetée pour un montant "
            f"erroné (article R.2192-34 du Code de la commande publique) : mandatez les sommes "
            f"admises, avec le motif ; Chorus Pro recevra le statut « Mandatée »")
    if code == "08" and not (numero_mandat or "").strip():
        raise ValidationError(f"{nom} : le statut « Mandatée » (08) part avec le numéro du mandat")
    if code == SUSPENSION:
        _verifier_une_suspension(session, fd)
    if code in STATUTS_AVEC_MOTIF + ("07",):
        piece = _mandat_chez_le_comptable(session, fd.id)
        if piece is not None:
            raise ValidationError(
                f"{nom} : Chorus Pro refuserait le statut « {libelle} » : le mandat n° "
                f"{piece.numero}/{piece.annee} est déjà parvenu au comptable (PES Aller)")
    depuis = statut_prevu(session, fd.id)
    if (depuis, code) not in TRANSITIONS_STATUT_CHORUS:
        actuel, le = statut_dans_chorus(session, fd.id)
        raison = f"la facture y est « {STATUTS_CHORUS[actuel][1]} »" + (
            f" depuis le {format_date(le)}" if le else "")
        if depuis != actuel:
            raison += f" et le statut « {STATUTS_CHORUS[depuis][1]} » attend d'y être transmis"
        if actuel in STATUTS_COMPTABLE or depuis in STATUTS_COMPTABLE:
            raison += " (le mandat est parvenu au comptable)"
        elif depuis in ("04", "05"):
            raison += " : c'est définitif, le fournisseur doit déposer une nouvelle facture"
        raise ValidationError(f"{nom} : Chorus Pro refuserait le statut « {libelle} » ({code}) : "
                              f"{raison}")


def ajouter_statut(session: Session, ctx: Context, fd: FactureDemat, code: str, *,
                   motif: str | None = None, numero_mandat: str | None = None) -> StatutChorus:
    """Queue ``code`` for ``fd`` (``a_transmettre``), checked by ``verifier_statut``."""
    verifier_statut(session, fd, code, motif=motif, numero_mandat=numero_mandat)
    statut = StatutChorus(facture_demat_id=fd.id, code=code, motif=(motif or "").strip() or None,
                          numero_mandat=numero_mandat, horodatage=ctx.now(),
                          envoi=EnvoiStatut.A_TRANSMETTRE, utilisateur=ctx.utilisateur,
                          origine="corail", tentatives=0)
    session.add(statut)
    session.flush()
    return statut


def motif_sommes_admises(piece: Piece, fd: FactureDemat) -> str | None:
    """The motif sent with 08 for a mandat of *sommes admises* (None for a full mandat)."""
    if not piece.sommes_admises:
        return None
    texte = (f"Sommes admises : {format_eur(piece.montant)} € sur {format_eur(fd.montant_net)} € "
             f"facturés (art. R.2192-34 CCP)")
    if piece.motif_sommes_admises:
        texte += f" — {piece.motif_sommes_admises}"
    return texte[:MAX_MOTIF]


def statut_mandatement(session: Session, ctx: Context, piece: Piece) -> StatutChorus:
    """08 Mandatée with the mandat's number (called when the mandat is numbered)."""
    fd = session.get(FactureDemat, piece.facture_demat_id)
    return ajouter_statut(session, ctx, fd, "08", numero_mandat=str(piece.numero),
                          motif=motif_sommes_admises(piece, fd))


def definir_statut(session: Session, ctx: Context, facture_id: int, code: str, *,
                   motif: str | None = None) -> StatutLigne:
    """A status the user sets by hand (07 Service fait); the others say where they come from."""
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "définir un statut Chorus Pro")
    fd = facture_demat(session, ctx, facture_id)
    if code in POURQUOI:
        raise ValidationError(f"Facture {fd.numero} : statut « {STATUTS_CHORUS[code][1]} » : "
                              f"{POURQUOI[code]}")
    if code not in STATUTS_CHORUS:
        verifier_statut(session, fd, code, motif=motif)  # unknown code: its own message
    if code not in MANUELS:
        raise ValidationError(f"Facture {fd.numero} : le statut « {STATUTS_CHORUS[code][1]} » est "
                              f"donné par Chorus Pro, pas par le destinataire")
    statut = ajouter_statut(session, ctx, fd, code, motif=motif)
    return ligne(statut, fd)


# ----------------------------------------------------------------------------- lists

def _perimetre(ctx: Context):
    return or_(FactureDemat.budget_id == ctx.budget_id,
               and_(FactureDemat.budget_id.is_(None), Flux.collectivite_id == ctx.collectivite_id))


def historique_statuts(session: Session, ctx: Context, facture_id: int) -> list[StatutLigne]:
    """Every status of the invoice, oldest first (queued here or read from Chorus Pro)."""
    exiger(session, ctx, (TELEPROCEDURES, SUIVI_DEMAT), CONSULTATION, "voir l'historique des statuts")
    fd = facture_demat(session, ctx, facture_id)
    return [ligne(s, fd) for s in _statuts(session, fd.id)]


def lister_statuts(session: Session, ctx: Context, *, a_saisir: bool = True,
                   statut: str | None = None, facture_id: int | None = None) -> list[StatutLigne]:
    """The statuses of the budget's invoices; ``a_saisir``: those not yet in Chorus Pro."""
    exiger(session, ctx, (TELEPROCEDURES, SUIVI_DEMAT), CONSULTATION, "voir les statuts Chorus Pro")
    stmt = (select(StatutChorus, FactureDemat).join(FactureDemat)
            .join(Flux, Flux.id == FactureDemat.flux_id)
            .where(_perimetre(ctx), StatutChorus.code != ""))
    if a_saisir:
        stmt = stmt.where(StatutChorus.origine == "corail", StatutChorus.envoi.in_(ENVOYES))
    if statut is not None:
        stmt = stmt.where(StatutChorus.code == statut)
    if facture_id is not None:
        stmt = stmt.where(StatutChorus.facture_demat_id == facture_id)
    stmt = stmt.order_by(StatutChorus.horodatage, StatutChorus.id)
    return [ligne(s, fd) for s, fd in session.execute(stmt)]


def noter_transmis(session: Session, ctx: Context, statut: StatutChorus, *, mode: str,
                   complement: str) -> None:
    """Our side: the status is in Chorus Pro (sent by the API, or typed on the portal)."""
    if (statut.envoi, EnvoiStatut.TRANSMIS) not in TRANSITIONS_ENVOI_STATUT:
        raise ValidationError(f"Statut {statut.id} : déjà transmis à Chorus Pro")
    statut.envoi, statut.mode, statut.transmis_le = EnvoiStatut.TRANSMIS, mode, ctx.now()
    statut.message = None
    texte = f"{statut.code} {STATUTS_CHORUS[statut.code][1]}"
    texte += f" — mandat n° {statut.numero_mandat}" if statut.numero_mandat else ""
    texte += f" — {statut.motif}" if statut.motif else ""
    ajouter_etape(session, ctx, Etape.STATUT_TRANSMIS, facture_demat_id=statut.facture_demat_id,
                  complement=f"{texte} ({complement})")


def marquer_saisis(session: Session, ctx: Context, ids: list[int]) -> list[StatutLigne]:
    """Mode portail: the user has set these statuses in Chorus Pro by hand."""
    exiger(session, ctx, TELEPROCEDURES, MODIFICATION, "marquer des statuts saisis dans Chorus Pro")
    faits = []
    for i in dict.fromkeys(ids):
        row = session.execute(select(StatutChorus, FactureDemat).join(FactureDemat)
                              .join(Flux, Flux.id == FactureDemat.flux_id)
                              .where(StatutChorus.id == i, _perimetre(ctx))).first()
        if row is None or row[0].origine != "corail":
            raise NotFound(f"Statut {i} introuvable parmi ceux à saisir dans Chorus Pro")
        statut, fd = row
        noter_transmis(session, ctx, statut, mode="portail", complement="saisi sur le portail Chorus Pro")
        faits.append(ligne(statut, fd))
    session.flush()
    return faits
