"""The tables and texts of the *Numérotation et édition* screens (mandats and titres), and
``GenreEcran``, what differs between the two: read-only Qt models fed with the services' frozen
dataclasses (``MandatLigne`` / ``TitreLigne``, ``BordereauLigne``, ``TrainLigne`` /
``TrainTitres``), never with ORM objects, and the French wording of the train combo and of a
numbering's outcome; ``nom`` is the pièce's word ("mandat", "titre").

Amounts are shown ``3 277,42`` and right-aligned (``texte_cellule``), dates JJ/MM/AAAA.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel
from PySide6.QtWidgets import QTableView

from corail.domain.etats import libelle_etat
from corail.money import ZERO, format_eur
from corail.services.edition import Impression
from corail.services.numerotation import BordereauCree, BordereauLigne, Numerotation
from corail.services.pieces import GenrePiece
from corail.services.trains import TrainLigne
from ui.modeles import Colonne, TableauModel
from ui.modeles import tableau as tableau_commun

TYPES_BORD = {"01": "01 Ordinaire", "02": "02 Annulation / réduction"}
A_NUMEROTER = "—"


@dataclass(frozen=True)
class GenreEcran:
    """What differs between the mandats and the titres screens."""

    genre: GenrePiece  # type de pièce and its name ("Mandat", "Titre")
    #: ``(session, ctx, *, etat=None)``: the exercice's pièces (``MandatLigne`` / ``TitreLigne``)
    lister: Callable[..., Sequence]
    #: ``(session, ctx)``: the trains with their counts (waiting trains: mandats only)
    lister_trains: Callable[..., Sequence]
    #: ``(session, ctx, *, train, control)``: number the train's validated pièces
    numeroter: Callable[..., Numerotation]
    #: ``(session, ctx, chemin, *, bordereau_id=None, pieces=None, control)``: print them
    imprimer: Callable[..., Impression]
    imprimees: Callable[[Impression], int]  # how many pièces a printing holds
    bordereau: str  # "bordereau", "bordereau de titres": the numbering's words
    ou_valider: str  # the screen where drafts are validated

    @property
    def nom(self) -> str:
        """"mandat", "titre"."""
        return self.genre.nom.lower()

    @property
    def noms(self) -> str:
        return self.nom + "s"


def _numero(p) -> object:
    return p.numero if p.numero is not None else A_NUMEROTER


def modele_pieces(numerotes: Callable[[object], bool], parent=None) -> TableauModel:
    """The validated pièces the numbering takes (and those it has just numbered, in bold)."""
    return TableauModel([
        Colonne("N°", _numero, centre=True, entete_infobulle="Numéro attribué à la numérotation"),
        Colonne("Train", lambda p: p.train),
        Colonne("Tiers", lambda p: p.tiers),
        Colonne("Objet", lambda p: p.objet),
        Colonne("Montant", lambda p: p.montant),
    ], gras=numerotes, parent=parent)


def modele_brouillons(parent=None) -> TableauModel:
    """Drafts of the train: not validated, the numbering leaves them out."""
    return TableauModel([
        Colonne("Train", lambda p: p.train),
        Colonne("Tiers", lambda p: p.tiers),
        Colonne("Objet", lambda p: p.objet),
        Colonne("Montant", lambda p: p.montant),
    ], grise=lambda _p: True, parent=parent)


def modele_bordereaux(parent=None) -> TableauModel[BordereauLigne]:
    """The exercice's bordereaux (of mandats, or of titres)."""
    return TableauModel([
        Colonne("N°", lambda b: b.numero, centre=True),
        Colonne("Type", lambda b: TYPES_BORD.get(b.type_bord, b.type_bord)),
        Colonne("Date", lambda b: b.date_emission),
        Colonne("Nb pièces", lambda b: b.nb_pieces, centre=True),
        Colonne("Montant", lambda b: b.montant),
        Colonne("État", lambda b: libelle_etat(b.etat)),
        Colonne("Train", lambda b: b.train),
    ], parent=parent)


def tableau(modele: QAbstractTableModel, etirer: int, *, multiple: bool = False) -> QTableView:
    """Lists of these screens: nothing to select unless ``multiple`` (the bordereaux to print)."""
    return tableau_commun(modele, etirer, multiple=multiple, selection=multiple)


# -- words ---------------------------------------------------------------------------------------

def pluriel(n: int, singulier: str, pluriel_: str | None = None) -> str:
    return f"{n} {singulier if n <= 1 else (pluriel_ or singulier + 's')}"


def compte_pieces(nom: str, valides: int, montant: Decimal, brouillons: int = 0) -> str:
    """"2 mandats validés, 1 234,00 €, 1 brouillon"."""
    texte = (f"{pluriel(valides, f'{nom} validé', f'{nom}s validés')}, {format_eur(montant)} €"
             if valides else f"aucun {nom} validé")
    if brouillons:
        texte += f", {pluriel(brouillons, 'brouillon')}"
    return texte


def texte_train(nom: str, t: TrainLigne) -> str:
    train = f"{t.nom} (attente)" if t.attente else t.nom
    return f"{train} — {compte_pieces(nom, t.valides, t.montant_a_numeroter, t.brouillons)}"


def texte_tous(nom: str, trains: Sequence[TrainLigne]) -> str:
    inclus = [t for t in trains if not t.attente]
    return "Tous les trains — " + compte_pieces(
        nom, sum(t.valides for t in inclus), sum((t.montant_a_numeroter for t in inclus), ZERO),
        sum(t.brouillons for t in inclus))


# Waiting trains (débit d'office) hold mandats only: the titres screen never lists them.

def avertissement_attente(trains: Sequence[TrainLigne]) -> str:
    """"Tous les trains" leaves the waiting trains out: say so when one holds mandats."""
    pleins = [t for t in trains if t.attente and t.valides + t.brouillons]
    if not pleins:
        return ""
    noms = ", ".join(f"« {t.nom} » ({pluriel(t.valides + t.brouillons, 'mandat')})" for t in pleins)
    qui = "Le train d'attente" if len(pleins) == 1 else "Les trains d'attente"
    verbe = "n'est PAS compris" if len(pleins) == 1 else "ne sont PAS compris"
    return (f"{qui} {noms} {verbe} dans « Tous les trains » : ses mandats de régularisation "
            f"(débit d'office) ne seront ni numérotés ni imprimés. Ils le seront quand le "
            f"bordereau de régularisation du comptable libérera le train (Dépenses › Trains).")


def texte_attente_choisi(t: TrainLigne) -> str:
    return (f"« {t.nom} » est un train d'attente : ses mandats de régularisation (débit d'office) "
            f"se numérotent quand le bordereau de régularisation du comptable le libère "
            f"(Dépenses › Trains, Libérer). Il ne se numérote pas d'ici.")


def plage(nom: str, b: BordereauCree) -> str:
    numeros = sorted(n for _id, n in b.pieces)
    if not numeros:
        return ""
    if len(numeros) == 1:
        return f"{nom} n° {numeros[0]}"
    return f"{nom}s n° {numeros[0]} à {numeros[-1]}"


def texte_numerotation(nom: str, bordereau: str, res: Numerotation) -> str:
    """What a numbering did; ``bordereau``: "Bordereau", "Bordereau de titres"."""
    lignes = [f"{bordereau} n° {b.numero} ({TYPES_BORD.get(b.type_bord, b.type_bord)}) créé : "
              f"{pluriel(b.nb_pieces, nom)}, {format_eur(b.montant)} €, {plage(nom, b)}."
              for b in res.bordereaux]
    if res.ignores:
        lignes.append(f"{pluriel(len(res.ignores), 'brouillon non validé', 'brouillons non validés')}"
                      f" laissé{'s' if len(res.ignores) > 1 else ''} de côté.")
    lignes.extend(res.avertissements)
    return "\n".join(lignes)
