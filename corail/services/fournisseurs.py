"""The tiers of a facture dématérialisée's supplier: matched by SIRET (or identifier), created
when unknown, with the pivot's bank account checked against what Corail knows.

For a lot of invoices (*Mandater tout*, *Facturer tout*), ``FournisseursDuLot`` looks the
suppliers' tiers and their accounts up in one query for the whole lot and creates the unknown
ones together (one savepoint; one per tiers only if another workstation created the same SIRET
meanwhile); nothing is flushed per invoice.

An IBAN that fails its check is kept, flagged ``iban_valide = False`` and reported: the
mandat is still created, to be corrected before payment. A French RIB is converted
(accounts go through ``services.tiers_comptes`` like those a user types).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from corail.context import Context
from corail.db.models import CompteBancaire, FactureDemat, Tiers
from corail.domain.identifiants import lire_iban
from corail.errors import ValidationError
from corail.services.tiers_comptes import nouveau_compte
from corail.services.tiers_donnees import CompteSaisie

#: pivot Fournisseur/TypeIdentifiant → PES NatIdTiers
TYPES_IDENTIFIANT = {"1": "01", "2": "05", "3": "06", "4": "08", "5": "07", "6": "09"}
CAT_PERSONNE_MORALE_PRIVEE = "60"


@dataclass(frozen=True)
class TiersFournisseur:
    tiers_id: int
    compte_id: int | None
    cree: bool
    avertissements: tuple[str, ...]


def _compact(texte: str) -> str:
    return "".join(texte.split()).upper()


def _iban_du_pivot(fd: FactureDemat) -> tuple[str | None, bool, list[str]]:
    """(IBAN, valid, notes) of the pivot's ReferenceBancaire; a French RIB is converted."""
    brut = _compact(fd.reference_bancaire_compte or "")
    if not brut:
        return None, False, []
    try:
        iban, converti = lire_iban(brut)
    except ValidationError:
        return brut[:34], False, []
    return iban, True, [f"RIB {brut} de la facture converti en IBAN"] if converti else []


@dataclass(frozen=True)
class FournisseurEnCours:
    """A supplier's tiers and account before the flush (a new account has no id yet)."""

    tiers: Tiers
    compte: CompteBancaire | None
    cree: bool
    avertissements: tuple[str, ...]

    def fige(self) -> TiersFournisseur:
        """Once flushed: the ids."""
        return TiersFournisseur(self.tiers.id, self.compte.id if self.compte else None, self.cree,
                                self.avertissements)


def _siret(fd: FactureDemat) -> str | None:
    return fd.fournisseur_identifiant if fd.fournisseur_type_identifiant == "1" else None


class FournisseursDuLot:
    """The suppliers' tiers of a lot of invoices, looked up once: ``tiers(fd)`` for each invoice,
    in order (an account added for one invoice is found by the next one of the same supplier).
    The caller flushes before reading the ids (``FournisseurEnCours.fige``)."""

    def __init__(self, session: Session, ctx: Context, factures: Sequence[FactureDemat]) -> None:
        self.session, self.ctx = session, ctx
        self._par_siret: dict[str, Tiers] = {}
        self._par_identifiant: dict[str, Tiers] = {}
        self._a_annoncer: set[Tiers] = set()  # tiers created here, not yet reported
        self._ibans: dict[str, tuple[str | None, bool, list[str]]] = {}  # checked once per lot
        sirets = {s for s in map(_siret, factures) if s}
        autres = {fd.fournisseur_identifiant for fd in factures if not _siret(fd)}
        if sirets or autres:
            for t in session.scalars(select(Tiers).where(
                    Tiers.collectivite_id == ctx.collectivite_id,
                    or_(Tiers.siret.in_(sirets), Tiers.identifiant.in_(autres)))
                    .options(selectinload(Tiers.comptes)).order_by(Tiers.id)):
                self._retenir(t)
        self._creer([fd for fd in factures if self._connu(fd) is None])

    def _retenir(self, t: Tiers) -> None:
        if t.siret:
            self._par_siret.setdefault(t.siret, t)
        if t.identifiant:
            self._par_identifiant.setdefault(t.identifiant, t)

    def _connu(self, fd: FactureDemat) -> Tiers | None:
        siret = _siret(fd)
        return self._par_siret.get(siret) if siret else self._par_identifiant.get(fd.fournisseur_identifiant)

    def _nouveau(self, fd: FactureDemat) -> Tiers:
        return Tiers(collectivite_id=self.ctx.collectivite_id, nom=fd.fournisseur_raison_sociale[:100],
                     type_identifiant=TYPES_IDENTIFIANT.get(fd.fournisseur_type_identifiant),
                     identifiant=fd.fournisseur_identifiant, siret=_siret(fd),
                     cat_tiers=CAT_PERSONNE_MORALE_PRIVEE, code_pays=fd.fournisseur_code_pays or "FR",
                     cree_le=self.ctx.now(), comptes=[])

    def _creer(self, inconnues: list[FactureDemat]) -> None:
        """The unknown suppliers' tiers, in the order of their first invoice."""
        premieres: dict[tuple, FactureDemat] = {}
        for fd in inconnues:
            siret = _siret(fd)
            premieres.setdefault(("siret", siret) if siret else ("id", fd.fournisseur_identifiant), fd)
        if not premieres:
            return
        try:
            with self.session.begin_nested():
                crees = [self._nouveau(fd) for fd in premieres.values()]
                self.session.add_all(crees)
        except IntegrityError:  # a SIRET created meanwhile by another workstation: one by one
            crees = [t for t in map(self._creer_un, premieres.values()) if t is not None]
        for t in crees:
            self._a_annoncer.add(t)
            self._retenir(t)

    def _creer_un(self, fd: FactureDemat) -> Tiers | None:
        """The tiers created, or None when another workstation created its SIRET (then known)."""
        try:
            with self.session.begin_nested():
                tiers = self._nouveau(fd)
                self.session.add(tiers)
        except IntegrityError:
            self._retenir(self.session.scalars(select(Tiers).where(
                Tiers.collectivite_id == self.ctx.collectivite_id, Tiers.siret == _siret(fd))).one())
            return None
        return tiers

    def tiers(self, fd: FactureDemat) -> FournisseurEnCours:
        """The invoice's tiers, and its account (the pivot's IBAN added to the tiers if new)."""
        tiers = self._connu(fd)
        avertissements: list[str] = []
        cree = tiers in self._a_annoncer
        if cree:
            self._a_annoncer.discard(tiers)
            avertissements.append(f"Tiers « {tiers.nom} » créé (SIRET {_siret(fd) or '—'}) : complétez "
                                  f"son adresse et sa nature juridique")
        actifs = [c for c in tiers.comptes if c.date_fin is None]
        cle = fd.reference_bancaire_compte or ""
        if cle not in self._ibans:
            self._ibans[cle] = _iban_du_pivot(fd)
        iban, valide, notes = self._ibans[cle]
        avertissements += notes
        compte = None
        if iban:
            compte = next((c for c in actifs if _compact(c.iban) == iban), None)
            if compte is None:
                compte = nouveau_compte(self.ctx, tiers, CompteSaisie(
                    iban=iban, titulaire=fd.fournisseur_raison_sociale[:100],
                    etablissement=(fd.reference_bancaire_etablissement or "")[:100],
                    principal=not actifs), origine="chorus", tolerer_iban_invalide=True)
                if actifs:
                    connus = ", ".join(c.iban for c in actifs)
                    avertissements.append(f"IBAN de la facture ({iban}) différent de celui connu "
                                          f"({connus}) : nouveau compte ajouté au tiers")
                if not valide:
                    avertissements.append(f"IBAN invalide : « {iban} » conservé, à corriger avant paiement")
            elif not compte.iban_valide:
                avertissements.append(f"IBAN invalide : « {iban} », à corriger avant paiement")
        else:
            compte = next((c for c in actifs if c.principal), actifs[0] if actifs else None)
            if compte is None and fd.mode_paiement_code in ("30", "31", "42"):
                avertissements.append("Aucun compte bancaire pour un paiement par virement : "
                                      "ajoutez l'IBAN du tiers")
        return FournisseurEnCours(tiers, compte, cree, tuple(avertissements))


def tiers_du_fournisseur(session: Session, ctx: Context, fd: FactureDemat) -> TiersFournisseur:
    """The tiers of one invoice's supplier (matched, or created), its account checked."""
    en_cours = FournisseursDuLot(session, ctx, [fd]).tiers(fd)
    session.flush()
    return en_cours.fige()
