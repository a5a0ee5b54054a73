"""What the commands ``corail mandats`` and ``corail titres`` share: their sub-commands
(list, show, valider, numeroter, imprimer, annuler), the lines they print and how they
validate, number and cancel pièces (``services/pieces`` for the services behind them).

``cli/depenses`` and ``cli/recettes`` keep their own options, JSON and detail text; a
``Genre`` says how each names its pièces.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from corail.cli.app import App
from corail.domain.etats import EtatPiece
from corail.money import format_eur, parse_fr
from corail.services.numerotation import Numerotation

Run = Callable[[App, argparse.Namespace], int]


def identifiant(texte: str) -> int:
    """A titre's (or avoir's, or bordereau's) id typed on the command line."""
    if not texte.isdigit() or not 0 < int(texte) < 2**63:
        raise argparse.ArgumentTypeError(f"identifiant invalide : « {texte} » (nombre entier attendu)")
    return int(texte)


@dataclass(frozen=True)
class Genre:
    """How the command line names one kind of pièce."""

    nom: str  # "Mandat" | "Titre"
    pluriel: str  # "mandats" | "titres": the command
    bordereau: str  # "bordereau" | "bordereau de titres"
    identifiant: Callable[[str], int]  # reads an id typed on the command line

    @property
    def un(self) -> str:
        return f"un {self.nom.lower()}"


# --- parsers ----------------------------------------------------------------------------------------

def commandes(sub: argparse._SubParsersAction, nom: str, aide: str) -> argparse._SubParsersAction:
    """``corail NOM ACTION``: the command and its (required) actions."""
    parser = sub.add_parser(nom, help=aide)
    cmds = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    cmds.required = True
    return cmds


def ajouter_list(cmds: argparse._SubParsersAction, genre: Genre, run: Run) -> argparse.ArgumentParser:
    """``list`` with ``--etat`` and ``--train`` (the caller may add filters)."""
    p = cmds.add_parser("list", help=f"{genre.pluriel} de l'exercice")
    p.add_argument("--etat", choices=[e.value for e in EtatPiece])
    p.add_argument("--train")
    p.set_defaults(run=run)
    return p


def ajouter_show(cmds: argparse._SubParsersAction, genre: Genre, run: Run) -> None:
    p = cmds.add_parser("show", help=f"détail d'{genre.un}")
    p.add_argument("id", type=genre.identifiant)
    p.set_defaults(run=run)


def ajouter_valider(cmds: argparse._SubParsersAction, genre: Genre, aide: str, run: Run) -> None:
    p = cmds.add_parser("valider", help=aide)
    p.add_argument("ids", nargs="+", type=genre.identifiant, metavar="ID")
    p.set_defaults(run=run)


def ajouter_numeroter_imprimer_annuler(cmds: argparse._SubParsersAction, genre: Genre, *, numeroter: Run,
                                       imprimer: Run, annuler: Run, aide_montant: str) -> None:
    p = cmds.add_parser("numeroter", help=f"numéroter les {genre.pluriel} validés d'un train et créer "
                                          f"leur bordereau")
    p.add_argument("--train", required=True, help="nom du train, ou « tous » (sauf trains d'attente)")
    p.set_defaults(run=numeroter)
    p = cmds.add_parser("imprimer", help=f"imprimer les {genre.pluriel} (et leurs bordereaux) en PDF")
    p.add_argument("--train")
    p.add_argument("--bordereau", type=genre.identifiant)
    p.add_argument("--out", required=True, type=Path, metavar="FICHIER.pdf")
    p.set_defaults(run=imprimer)
    p = cmds.add_parser("annuler", help=f"annuler ou réduire {genre.un} numéroté (bordereau 02)")
    p.add_argument("id", type=genre.identifiant)
    p.add_argument("--motif", required=True)
    p.add_argument("--montant", help=aide_montant)
    p.set_defaults(run=annuler)


# --- output -----------------------------------------------------------------------------------------

def ligne_json(l, **propres) -> dict:
    """A mandat's or titre's list line as JSON: what both have, then ``propres``."""
    return {"id": l.id, "numero": l.numero, "tiers": l.tiers, "objet": l.objet, "montant": l.montant,
            "train": l.train, "bordereau_id": l.bordereau_id, "etat": l.etat, **propres}


def texte_ligne(l, etat: str) -> str:
    """A list line: id, number, tiers, amount, train and état (``etat``, as shown)."""
    return (f"{l.id:>5}  n° {l.numero or '—':<6} {l.tiers[:30]:<30} {format_eur(l.montant):>14}  "
            f"{l.train:<10} {etat}")


def texte_numerotation(genre: Genre, res: Numerotation) -> str:
    """The bordereaux made, the warnings, and the pièces left unnumbered (with why)."""
    out = [f"{genre.bordereau.capitalize()} n° {b.numero} "
           f"({'annulation' if b.type_bord == '02' else 'ordinaire'}) : {b.nb_pieces} "
           f"{genre.nom.lower()}(s), n° {b.pieces[0][1]} à {b.pieces[-1][1]}, {format_eur(b.montant)}"
           for b in res.bordereaux]
    out += [f"⚠ {a}" for a in res.avertissements]
    out += [f"{genre.nom} {i} non numéroté : {r}" for i, r in res.ignores]
    return "\n".join(out)


# --- commands -----------------------------------------------------------------------------------------

def train_choisi(args: argparse.Namespace) -> str | None:
    """``--train``: a name, or « tous » (None: every train but the waiting ones)."""
    return None if args.train.lower() == "tous" else args.train


def valider(app: App, args: argparse.Namespace, genre: Genre, valider_un: Callable, en_json: Callable) -> int:
    """Validate every id given, in one transaction (one refusal: none is validated)."""
    with app.transaction() as s:
        ctx = app.contexte(s)
        faits = [valider_un(s, ctx, i).ligne for i in args.ids]
    app.sortie([en_json(l) for l in faits],
               "\n".join(f"{genre.nom} {l.id} validé ({format_eur(l.montant)})" for l in faits))
    return 0


def annuler(app: App, args: argparse.Namespace, genre: Genre, annuler_un: Callable, detail: Callable,
            en_json: Callable) -> int:
    """An annulation (or, with ``--montant``, a réduction): a negative pièce, validated."""
    montant = parse_fr(args.montant) if args.montant is not None else None
    with app.transaction() as s:
        ctx = app.contexte(s)
        nouveau = annuler_un(s, ctx, args.id, motif=args.motif, montant=montant)
        ligne = detail(s, ctx, nouveau).ligne
    app.sortie(en_json(ligne), f"{genre.nom} d'annulation {ligne.id} ({format_eur(ligne.montant)}) validé : "
                               f"il sera numéroté sur un {genre.bordereau} d'annulation (02)")
    return 0
