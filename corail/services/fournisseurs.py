"""The tiers of a facture dématérialisée's supplier: matched by SIRET (or identifier), created
when unknown, with the pivot's bank account checked against what Corail knows.

An IBAN that fails its check is kept, flagged ``iban_valide = False`` and reported: the
mandat is still created, to be corrected before payment. A French RIB is converted
(accounts go through ``services.tiers`` like those a user types).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import FactureDemat, Tiers
from corail.domain.identifiants import lire_iban
from corail.errors import ValidationError
from corail.services.tiers import CompteSaisie, ajouter_compte

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


def tiers_du_fournisseur(session: Session, ctx: Context, fd: FactureDemat) -> TiersFournisseur:
    avertissements: list[str] = []
    siret = fd.fournisseur_identifiant if fd.fournisseur_type_identifiant == "1" else None
    stmt = select(Tiers).where(Tiers.collectivite_id == ctx.collectivite_id)
    if siret:
        tiers = session.scalars(stmt.where(Tiers.siret == siret)).first()
    else:
        tiers = session.scalars(stmt.where(Tiers.identifiant == fd.fournisseur_identifiant)).first()
    cree = tiers is None
    if tiers is None:
        tiers = Tiers(collectivite_id=ctx.collectivite_id, nom=fd.fournisseur_raison_sociale[:100],
                      type_identifiant=TYPES_IDENTIFIANT.get(fd.fournisseur_type_identifiant),
                      identifiant=fd.fournisseur_identifiant, siret=siret,
                      cat_tiers=CAT_PERSONNE_MORALE_PRIVEE, code_pays=fd.fournisseur_code_pays or "FR",
                      cree_le=ctx.now())
        try:
            with session.begin_nested():
                session.add(tiers)
        except IntegrityError:  # same SIRET created meanwhile by another workstation
            tiers = session.scalars(stmt.where(Tiers.siret == siret)).one()
            cree = False
        else:
            avertissements.append(f"Tiers « {tiers.nom} » créé (SIRET {siret or '—'}) : complétez son "
                                  f"adresse et sa nature juridique")
    actifs = [c for c in tiers.comptes if c.date_fin is None]
    iban, valide, notes = _iban_du_pivot(fd)
    avertissements += notes
    compte = None
    if iban:
        compte = next((c for c in actifs if _compact(c.iban) == iban), None)
        if compte is None:
            ajouter_compte(session, ctx, tiers.id, CompteSaisie(
                iban=iban, titulaire=fd.fournisseur_raison_sociale[:100],
                etablissement=(fd.reference_bancaire_etablissement or "")[:100],
                principal=not actifs), origine="chorus", tolerer_iban_invalide=True)
            compte = next(c for c in tiers.comptes if c.date_fin is None and c.iban == iban)
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
    return TiersFournisseur(tiers.id, compte.id if compte else None, cree, tuple(avertissements))
