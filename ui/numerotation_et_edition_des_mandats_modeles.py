"""The tables and texts of *Numérotation et édition des mandats*: read-only Qt models fed with
the services' frozen dataclasses (``MandatLigne``, ``BordereauLigne``, ``TrainLigne``), never
with ORM objects, and the French wording of the train combo and of a numbering's outcome.

Amounts are shown ``3 277,42`` and right-aligned (``texte_cellule``), dates JJ/MM/AAAA.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Sequence, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTableView

from corail.domain.etats import libelle_etat
from corail.money import ZERO, format_eur
from corail.services.mandats import MandatLigne
from corail.services.numerotation import BordereauCree, BordereauLigne, Numerotation
from corail.services.trains import TrainLigne
from ui.modeles import Colonne, TableauModel
from ui.modeles import tableau as tableau_commun

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
GRIS = QBrush(QColor(110, 110, 110))
ALIGN_CENTRE = Qt.AlignmentFlag.AlignCenter
TYPES_BORD = {"01": "01 Ordinaire", "02": "02 Annulation / réduction"}
A_NUMEROTER = "—"


def _numero(m: MandatLigne) -> object:
    return m.numero if m.numero is not None else A_NUMEROTER


def modele_mandats(numerotes: Callable[[MandatLigne], bool], parent=None) -> TableauModel[MandatLigne]:
    """The validated mandats the numbering takes (and those it has just numbered, in bold)."""
    return TableauModel([
        Colonne("N°", _numero, centre=True, entete_infobulle="Numéro attribué à la numérotation"),
        Colonne("Train", lambda m: m.train),
        Colonne("Tiers", lambda m: m.tiers),
        Colonne("Objet", lambda m: m.objet),
        Colonne("Montant", lambda m: m.montant),
    ], gras=numerotes, parent=parent)


def modele_brouillons(parent=None) -> TableauModel[MandatLigne]:
    """Drafts of the train: not validated, the numbering leaves them out."""
    return TableauModel([
        Colonne("Train", lambda m: m.train),
        Colonne("Tiers", lambda m: m.tiers),
        Colonne("Objet", lambda m: m.objet),
        Colonne("Montant", lambda m: m.montant),
    ], grise=lambda _m: True, parent=parent)


def modele_bordereaux(parent=None) -> TableauModel[BordereauLigne]:
    """The exercice's bordereaux of mandats."""
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
    """Lists of this screen: nothing to select unless ``multiple`` (the bordereaux to print)."""
    return tableau_commun(modele, etirer, multiple=multiple, selection=multiple)


# -- words ---------------------------------------------------------------------------------------

def pluriel(n: int, singulier: str, pluriel_: str | None = None) -> str:
    return f"{n} {singulier if n <= 1 else (pluriel_ or singulier + 's')}"


def compte_mandats(valides: int, montant: Decimal, brouillons: int = 0) -> str:
    texte = (f"{pluriel(valides, 'mandat validé', 'mandats validés')}, {format_eur(montant)} €"
             if valides else "aucun mandat validé")
    if brouillons:
        texte += f", {pluriel(brouillons, 'brouillon')}"
    return texte


def texte_train(t: TrainLigne) -> str:
    nom = f"{t.nom} (attente)" if t.attente else t.nom
    return f"{nom} — {compte_mandats(t.valides, t.montant_a_numeroter, t.brouillons)}"


def texte_tous(trains: Sequence[TrainLigne]) -> str:
    inclus = [t for t in trains if not t.attente]
    return "Tous les trains — " + compte_mandats(
        sum(t.valides for t in inclus), sum((t.montant_a_numeroter for t in inclus), ZERO),
        sum(t.brouillons for t in inclus))


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


def plage(b: BordereauCree) -> str:
    numeros = sorted(n for _id, n in b.mandats)
    if not numeros:
        return ""
    if len(numeros) == 1:
        return f"mandat n° {numeros[0]}"
    return f"mandats n° {numeros[0]} à {numeros[-1]}"


def texte_numerotation(res: Numerotation) -> str:
    lignes = [f"Bordereau n° {b.numero} ({TYPES_BORD.get(b.type_bord, b.type_bord)}) créé : "
              f"{pluriel(b.nb_pieces, 'mandat')}, {format_eur(b.montant)} €, {plage(b)}."
              for b in res.bordereaux]
    if res.ignores:
        lignes.append(f"{pluriel(len(res.ignores), 'brouillon non validé', 'brouillons non validés')}"
                      f" laissé{'s' if len(res.ignores) > 1 else ''} de côté.")
    lignes.extend(res.avertissements)
    return "\n".join(lignes)
