"""The bordereaux to send, read into the PES writer's dataclasses, with every problem found.

``preparer`` reads the bordereaux, their pièces (mandats or titres), lines, tiers, bank
accounts and PJ *metadata* (never their bytes: the writer streams them from their
chunks later) and lists every problem, each naming its bordereau, pièce and line.
Nothing is written here, except the PJ IdUnique counter when the caller asks for real
IdUnique (``id_unique``), inside its transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from corail.context import Context
from corail.db.models import (
    CHUNK_SIZE, MANDAT, PJ, Bordereau, Budget, Collectivite, CompteBancaire, Facture, FactureDemat,
    Operation, PesAller, PesAllerBordereau, Piece, PiecePJ, PJChunk, Tiers,
)
from corail.domain.dgp import Suspension, delai
from corail.domain.etats import EtatBordereau, EtatPiece, libelle_etat
from corail.errors import ValidationError
from corail.formats import pes_aller as w
from corail.money import ZERO
from corail.services import pes_controles as c
from corail.services.pj import lire_contenu
from corail.services.reglages_demat import lire_protocole

#: pièce états that may be sent: numbered (or already annulled by a later réduction);
#: on a bordereau rejected by Hélios, the pièces corrected since.
ETATS_ENVOYABLES = {EtatBordereau.CREE: {EtatPiece.NUMEROTE, EtatPiece.ANNULE},
                    EtatBordereau.REJETE: {EtatPiece.REJETE, EtatPiece.VALIDE, EtatPiece.NUMEROTE,
                                           EtatPiece.ANNULE}}
TYPE_PJ = {MANDAT: "003", "titre": "002"}
TYPE_PJ_ASAP = "006"


@dataclass
class PJAEnvoyer:
    pj_id: int | None
    piece_id: int
    nom: str
    type_pj: str
    mime: str
    taille: int
    description: str
    id_unique: str
    blocs: Callable[[], Iterable[bytes]]


@dataclass
class Preparation:
    budget: Budget
    entete: dict
    depenses: list[w.BordereauPES] = field(default_factory=list)
    recettes: list[w.BordereauPES] = field(default_factory=list)
    bordereaux: list[Bordereau] = field(default_factory=list)
    pieces: dict[int, list[Piece]] = field(default_factory=dict)  # by bordereau id
    pjs: list[PJAEnvoyer] = field(default_factory=list)
    problemes: list[str] = field(default_factory=list)

    @property
    def nb_pieces(self) -> int:
        return sum(len(p) for p in self.pieces.values())


def nom_piece(p: Piece) -> str:
    return f"{'Mandat' if p.type_piece == MANDAT else 'Titre'} n° {p.numero or '(non numéroté)'}"


def nom_bordereau(b: Bordereau) -> str:
    quoi = "mandats" if b.type_piece == MANDAT else "titres"
    return f"Bordereau n° {b.numero} ({quoi} {b.annee}, type {b.type_bord})"


def _asap(session: Session, ctx: Context, piece: Piece, *, construire: bool):
    """The titre's ASAP as services/asap gives it (``AsapInfo``: its PES_Facture PJ, TypePJ 006,
    Edition…), or None. ``construire``: build a missing PES_Facture (export); else the check
    only tries it in a savepoint rolled back. A refusal is returned as the problem's text."""
    from corail.services.asap import asap_du_titre, preparer_asap

    if asap_du_titre(session, piece.id) is None:
        return None, None
    point = session.begin_nested()
    try:
        info = preparer_asap(session, ctx, piece.id)
    except ValidationError as exc:
        point.rollback()
        return None, str(exc)
    if construire:
        point.commit()
    else:
        point.rollback()
        info = asap_du_titre(session, piece.id)
    return info, None


_PREMIER_CHUNK = select(PJChunk.data).where(PJChunk.contenu_id == bindparam("cid"), PJChunk.seq == 0)


def _octets(session: Session, contenu_id: int, taille: int) -> Iterable[bytes]:
    """A PJ's bytes from its chunks: one statement when it fits in one chunk (most PDF), else
    services/pj's reader, chunk by chunk."""
    if taille <= CHUNK_SIZE:
        return [session.connection().execute(_PREMIER_CHUNK, {"cid": contenu_id}).scalar_one()]
    return lire_contenu(session, contenu_id)


class _Lecteur:
    """Reads one budget's bordereaux, caching tiers, accounts and operations."""

    def __init__(self, session: Session, ctx: Context, budget: Budget,
                 id_unique: Callable[[], str] | None) -> None:
        self.s, self.ctx, self.budget = session, ctx, budget
        self.id_unique = id_unique
        self.tiers: dict[tuple, tuple[w.TiersPES, list[str]]] = {}
        self.operations: dict[int, str] = {}
        self.pj_envoyees: dict[int, PJAEnvoyer] = {}
        self.pj_des_pieces: dict[int, list[PJ]] = {}
        self.problemes: list[str] = []
        self.pjs: list[PJAEnvoyer] = []

    def pb(self, ou: str, quoi: str | None) -> None:
        if quoi:
            self.problemes.append(f"{ou} : {quoi}")

    def _tiers(self, p: Piece, ou: str, mode: str) -> w.TiersPES | None:
        """The pièce's tiers and account; read and checked once per (tiers, account, mode), the
        problems found repeated for each pièce."""
        if p.tiers_id is None:
            self.pb(ou, "pas de tiers")
            return None
        cle = (p.tiers_id, p.compte_bancaire_id, mode)
        if cle not in self.tiers:
            self.tiers[cle] = self._lire_tiers(p, mode)
        tiers, problemes = self.tiers[cle]
        for probleme in problemes:
            self.pb(ou, probleme)
        return tiers

    def _lire_tiers(self, p: Piece, mode: str) -> tuple[w.TiersPES, list[str]]:
        t = self.s.get(Tiers, p.tiers_id)
        problemes = [] if (t.nom or "").strip() else ["tiers sans nom"]
        if t.cat_tiers not in c.CAT_TIERS:
            problemes.append(f"tiers « {t.nom} » : catégorie (CatTiers) "
                             f"{'inconnue' if t.cat_tiers else 'manquante'}")
        if t.nat_jur not in c.NAT_JUR:
            problemes.append(f"tiers « {t.nom} » : nature juridique (NatJur) "
                             f"{'inconnue' if t.nat_jur else 'manquante'}")
        compte = None
        if mode in c.MODES_AVEC_COMPTE:
            cb = self.s.get(CompteBancaire, p.compte_bancaire_id) if p.compte_bancaire_id else next(
                (x for x in t.comptes if x.principal and x.date_fin is None), None)
            if cb is None:
                problemes.append(f"mode de règlement {mode} (virement) sans compte bancaire du "
                                 f"tiers « {t.nom} »")
            else:
                probleme = c.probleme_compte(cb.iban, cb.bic, valide=cb.iban_valide,
                                             date_fin=cb.date_fin, aujourd_hui=self.ctx.today())
                problemes += [probleme] if probleme else []
                compte = w.CompteBancairePES(cb.iban, cb.bic, cb.titulaire or t.nom,
                                             cb.etablissement or "")
        id_tiers, nat_id = (t.siret, "01") if t.siret else (t.identifiant or "", t.type_identifiant or "")
        if len(id_tiers) > 15:
            id_tiers, nat_id = "", ""
        return w.TiersPES(nom=t.nom, cat_tiers=t.cat_tiers or "", nat_jur=t.nat_jur or "",
                          prenom=t.prenom or "", civilite=t.civilite or "", id_tiers=id_tiers,
                          nat_id_tiers=nat_id, ref_tiers=str(t.id), adresse1=t.adresse1 or "",
                          adresse2=t.adresse2 or "", code_postal=t.code_postal or "",
                          ville=t.ville or "", resident=(t.code_pays or "FR") == "FR",
                          compte=compte), problemes

    def _operation(self, operation_id: int | None) -> str:
        if operation_id is None:
            return ""
        if operation_id not in self.operations:
            self.operations[operation_id] = self.s.get(Operation, operation_id).code
        return self.operations[operation_id]

    def _lignes(self, p: Piece, ou: str, typ_bord: str) -> tuple[w.LignePES, ...]:
        if not p.imputations:
            self.pb(ou, "aucune ligne d'imputation")
        total = sum((i.montant for i in p.imputations), ZERO)
        if total != p.montant:
            self.pb(ou, f"montant {p.montant} différent de la somme de ses lignes ({total})")
        signes = {i.montant > 0 for i in p.imputations}
        inverser = typ_bord == "02" and signes == {False}  # an annulation stored negative
        origine = self.s.get(Piece, p.piece_origine_id) if p.piece_origine_id else None
        lignes = []
        for n, i in enumerate(p.imputations, 1):
            ici = f"{ou}, ligne {n}"
            montant = -i.montant if inverser else i.montant
            if montant <= 0:
                self.pb(ici, f"montant {i.montant} : un montant positif est attendu"
                        + (" (une annulation se porte sur un bordereau de type 02)" if typ_bord == "01" else ""))
            ht, tva = montant, None
            if self.budget.assujetti_tva and i.montant_ht is not None:
                ht = -i.montant_ht if inverser else i.montant_ht
                tva = montant - ht
            if not i.article or len(i.article) > 12:
                self.pb(ici, f"article (Nature) « {i.article} » invalide")
            self.pb(ici, c.probleme_code_num(i.fonction, 10, "fonction"))
            operation = self._operation(i.operation_id)
            self.pb(ici, c.probleme_code_num(operation, 10, "opération"))
            rattachement = None
            if origine is not None and origine.numero:
                rattachement = w.RattachementPES("01" if origine.type_piece == MANDAT else "02",
                                                 origine.annee, origine.numero, n)
            lignes.append(w.LignePES(n, i.article, ht, tva, fonction=i.fonction or "",
                                     operation=operation, libelle=i.designation or "",
                                     code_produit=(p.code_produit or "")[:4]
                                     if p.type_piece != MANDAT else "",
                                     rattachement=rattachement))
        return tuple(lignes)

    def _pj(self, p: Piece, ou: str) -> tuple[tuple[w.PJRefPES, ...], object]:
        """The pièce's PJ (sent once each per file) and, for a titre, its ASAP (``AsapInfo``)."""
        refs = []
        pjs = list(self.pj_des_pieces.get(p.id, ()))
        asap = None
        if p.type_piece != MANDAT:
            asap, refus = _asap(self.s, self.ctx, p, construire=self.id_unique is not None)
            self.pb(ou, refus and f"ASAP : {refus}")
            if asap is not None and asap.type_asap not in c.EDITIONS_ASAP:
                self.pb(ou, f"type ASAP (Edition) « {asap.type_asap} » inconnu (01, 02, 03 ou 04)")
            if asap is not None and asap.pj_id is not None and asap.pj_id not in {x.id for x in pjs}:
                pjs.append(self.s.get(PJ, asap.pj_id))
        for pj in pjs:
            self.pb(f"{ou}, PJ « {pj.nom} »", c.probleme_nom_pj(pj.nom, pj.taille))
            envoi = self.pj_envoyees.get(pj.id)
            if envoi is None:
                type_pj = pj.type_pj_pes or TYPE_PJ[p.type_piece]
                if asap is not None and pj.id == asap.pj_id:
                    type_pj = asap.type_pj_pes or TYPE_PJ_ASAP
                envoi = PJAEnvoyer(
                    pj.id, p.id, pj.nom, type_pj, pj.mime, pj.taille,
                    f"{'PES Facture ASAP' if type_pj == TYPE_PJ_ASAP else 'Pièce justificative'} "
                    f"- {nom_piece(p)}/{p.annee}", self.id_unique() if self.id_unique else "0",
                    lambda cid=pj.contenu_id, taille=pj.taille: _octets(self.s, cid, taille))
                self.pj_envoyees[pj.id] = envoi
                self.pjs.append(envoi)
            refs.append(w.PJRefPES(envoi.id_unique, pj.nom))
        return tuple(refs), asap

    def _dgp(self, p: Piece, ou: str) -> w.DgpPES | None:
        if p.type_piece != MANDAT or p.subvention or p.date_reception is None:
            return None
        jours = self.budget.delai_paiement_jours
        if not 10 <= jours <= 99:
            self.pb(ou, f"délai de paiement de {jours} jours : le PES (DureeDgp) attend 10 à 99 jours")
        fin = p.dgp_date_echeance
        if fin is None:  # the 30 days, pushed back by the suspension when there was one
            suspensions = [Suspension(p.dgp_date_suspension, p.dgp_date_reprise)] \
                if p.dgp_date_suspension else []
            fin = delai(p.date_reception, suspensions, self.ctx.today(), jours=jours).echeance
        return w.DgpPES(p.date_reception, fin, jours, p.dgp_code_interets or "", p.dgp_taux_interets)

    def piece(self, p: Piece, b: Bordereau, etats: set[str]) -> w.PiecePES:
        ou = nom_piece(p)
        if etats and p.etat not in etats:  # (a bordereau already sent is reported once)
            self.pb(ou, f"état « {libelle_etat(p.etat, titre=p.type_piece != MANDAT)} » : "
                    f"seule une pièce numérotée"
                    + (" ou corrigée après rejet" if b.etat == EtatBordereau.REJETE else "")
                    + " part au PES")
        if not p.numero or p.numero > c.MAX_ID_PCE:
            self.pb(ou, "numéro de pièce (IdPce) manquant ou de plus de 13 chiffres")
        articles = [i.article or "" for i in p.imputations]
        typ_pce = p.type_pce or "01"
        nat_pce = p.nat_pce or c.nat_pce_par_defaut(b.type_bord, articles)
        self.pb(ou, c.probleme_triplet(b.type_piece, b.type_bord, typ_pce, nat_pce))
        self.pb(ou, c.probleme_section(nat_pce, articles))
        mode = (p.mode_reglement or self.budget.mode_reglement_defaut or "") if p.type_piece == MANDAT else ""
        if mode and mode not in c.MODES_REGLEMENT:
            self.pb(ou, f"mode de règlement (ModRegl) {mode} inconnu")
        tiers = self._tiers(p, ou, mode)
        lignes = self._lignes(p, ou, b.type_bord)
        refs, asap = self._pj(p, ou)
        facture = ""
        if p.facture_demat_id:
            facture = self.s.get(FactureDemat, p.facture_demat_id).numero
        elif p.facture_id:
            facture = self.s.get(Facture, p.facture_id).numero
        return w.PiecePES(
            id_pce=p.numero or 0, typ_pce=typ_pce, nat_pce=nat_pce, objet=p.objet or "",
            lignes=lignes, tiers=tiers, pj_refs=refs, date_echeance=p.date_echeance,
            mode_reglement=mode, libelle_vir1=p.libelle_virement1 or "",
            libelle_vir2=p.libelle_virement2 or "", compte_tiers=p.compte_tiers or "",
            facture=facture, marche=p.marche or "", pieces_justificatives=p.pieces_justificatives or "",
            dgp=self._dgp(p, ou), edition=asap.type_asap if asap else "",
            code_service=(asap.code_service or "") if asap else "",
            numero_engagement=(asap.numero_engagement or "") if asap else "")

    def bordereau(self, b: Bordereau, pieces: list[Piece]) -> w.BordereauPES:
        ou = nom_bordereau(b)
        if b.budget_id != self.budget.id:
            self.pb(ou, "d'un autre budget : un PES Aller ne porte qu'un budget")
        if b.etat not in ETATS_ENVOYABLES:
            envoi = self.s.execute(
                select(PesAller.nom_fichier, PesAller.genere_le).join(PesAllerBordereau)
                .where(PesAllerBordereau.bordereau_id == b.id).order_by(PesAller.id.desc())).first()
            self.pb(ou, f"déjà transmis (état « {libelle_etat(b.etat)} »)"
                    + (f" dans le PES Aller « {envoi[0]} » du {envoi[1]:%d/%m/%Y}" if envoi else ""))
        if not 1 <= b.numero <= c.MAX_ID_BORD:
            self.pb(ou, "numéro (IdBord) hors de 1 à 9 999 999 (7 chiffres au plus)")
        if not pieces:
            self.pb(ou, "aucune pièce")
        if len(pieces) > c.MAX_NBR_PCE:
            self.pb(ou, f"{len(pieces)} pièces : 99 999 au plus (NbrPce)")
        if b.etat == EtatBordereau.CREE:  # a rejected one is recomputed after its corrections
            total = sum((p.montant for p in pieces), ZERO)
            if total != b.montant or len(pieces) != b.nb_pieces:
                self.pb(ou, f"{b.nb_pieces} pièce(s) pour {b.montant} annoncées, {len(pieces)} "
                        f"pour {total} trouvées")
        etats = ETATS_ENVOYABLES.get(b.etat, set())
        self.pj_des_pieces = {}  # the bordereau's PJ in one statement, by pièce
        for piece_id, pj in self.s.execute(
                select(PiecePJ.piece_id, PJ).join(PJ, PJ.id == PiecePJ.pj_id)
                .join(Piece, Piece.id == PiecePJ.piece_id).where(Piece.bordereau_id == b.id)
                .order_by(PiecePJ.piece_id, PiecePJ.ordre, PJ.id)):
            self.pj_des_pieces.setdefault(piece_id, []).append(pj)
        out = tuple(self.piece(p, b, etats) for p in pieces)
        return w.BordereauPES(b.numero, b.annee, b.date_emission, b.type_bord, out)


def preparer(session: Session, ctx: Context, bordereau_ids: Iterable[int], *,
             id_unique: Callable[[], str] | None = None) -> Preparation:
    """Everything the PES Aller of these bordereaux needs, and every problem found."""
    budget = session.get(Budget, ctx.budget_id)
    coll = session.get(Collectivite, budget.collectivite_id)
    poste = coll.poste_comptable
    protocole = lire_protocole(session, ctx)
    prep = Preparation(budget, dict(
        id_post=poste.id_post if poste else "", libelle_poste=poste.nom if poste else "",
        id_coll=budget.siret, cod_col=budget.code_col, cod_bud=budget.code_bud,
        libelle_col_bud=protocole.libelle_col_bud or budget.libelle, fin_jur=protocole.fin_jur))
    prep.problemes += [f"Budget {budget.code_complet} : {p}" for p in c.problemes_collectivite(
        budget.siret, budget.code_col, budget.code_bud, poste.id_post if poste else None)]
    lecteur = _Lecteur(session, ctx, budget, id_unique)
    ids = list(dict.fromkeys(bordereau_ids))
    if not ids:
        prep.problemes.append("Aucun bordereau à transmettre")
    for bid in ids:
        b = session.get(Bordereau, bid)
        if b is None:
            prep.problemes.append(f"Bordereau {bid} introuvable")
            continue
        pieces = list(session.scalars(
            select(Piece).where(Piece.bordereau_id == b.id).order_by(Piece.numero, Piece.id)
            .options(selectinload(Piece.imputations))))
        prep.bordereaux.append(b)
        prep.pieces[b.id] = pieces
        (prep.depenses if b.type_piece == MANDAT else prep.recettes).append(lecteur.bordereau(b, pieces))
    prep.problemes += lecteur.problemes
    prep.pjs = lecteur.pjs
    return prep
