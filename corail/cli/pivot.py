"""Commands ``corail pivot …``: Lecture of flux pivots and the factures dématérialisées."""
from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from corail.cli.app import App
from corail.dates import format_date, format_horodatage
from corail.domain.etats import EtatFactureDemat, libelle_etat
from corail.errors import ValidationError
from corail.jobs import JobControl
from corail.money import format_eur, parse_fr
from corail.services import mandatement
from corail.services.factures_demat import detail_facture, lister_factures, repartition_par_budget
from corail.services.pivot_import import importer_fichier
from corail.services.pj import ecrire_pj
from corail.services.rejets import annuler_rejet, rejeter


def identifiant(texte: str) -> int:
    """A database id typed on the command line."""
    if not texte.isdigit() or not 0 < int(texte) < 2**63:
        raise argparse.ArgumentTypeError(f"numéro de facture invalide : « {texte} »")
    return int(texte)


def register(sub: argparse._SubParsersAction) -> None:
    pivot = sub.add_parser("pivot", help="flux pivots Chorus Pro et factures dématérialisées")
    cmds = pivot.add_subparsers(dest="action", metavar="ACTION", parser_class=type(pivot))
    cmds.required = True
    p = cmds.add_parser("import", help="Lecture d'un ou plusieurs flux pivots (XML ou ZIP)")
    p.add_argument("fichiers", nargs="+", metavar="FICHIER", type=Path)
    p.set_defaults(run=cmd_import)
    p = cmds.add_parser("list", help="factures dématérialisées")
    p.add_argument("--etat", choices=[e.value for e in EtatFactureDemat])
    p.add_argument("--flux", type=identifiant)
    p.set_defaults(run=cmd_list)
    p = cmds.add_parser("show", help="détail d'une facture, ses PJ et ses étapes")
    p.add_argument("id", type=identifiant)
    p.set_defaults(run=cmd_show)
    p = cmds.add_parser("pj", help="écrire les pièces jointes d'une facture")
    p.add_argument("id", type=identifiant)
    p.add_argument("--out", required=True, type=Path, metavar="DOSSIER")
    p.set_defaults(run=cmd_pj)
    p = cmds.add_parser("facturer", help="mettre des factures au registre des factures")
    p.add_argument("ids", nargs="*", type=identifiant, metavar="ID")
    p.add_argument("--all", action="store_true")
    p.set_defaults(run=cmd_facturer)
    p = cmds.add_parser("mandater", help="créer le mandat de factures")
    p.add_argument("ids", nargs="*", type=identifiant, metavar="ID")
    p.add_argument("--all", action="store_true")
    p.add_argument("--train")
    p.add_argument("--article")
    p.add_argument("--sommes-admises", metavar="MONTANT")
    p.add_argument("--motif")
    p.set_defaults(run=cmd_mandater)
    p = cmds.add_parser("rejeter", help="rejeter, suspendre ou renvoyer à recycler une facture")
    p.add_argument("id", type=identifiant)
    p.add_argument("--motif", required=True)
    p.add_argument("--code", default="autre", choices=["acheminement", "pieces", "autre", "montant"])
    p.add_argument("--suspendre", action="store_true")
    p.set_defaults(run=cmd_rejeter)
    p = cmds.add_parser("annuler-rejet", help="annuler le rejet ou la suspension d'une facture")
    p.add_argument("id", type=identifiant)
    p.set_defaults(run=cmd_annuler_rejet)


def _progression(app: App) -> JobControl:
    if app.json or not sys.stderr.isatty():
        return JobControl()

    def afficher(fait: int, total: int) -> None:
        if total > 0:
            print(f"\rLecture… {fait * 100 // total} %", end="", file=sys.stderr, flush=True)
    return JobControl(on_progress=afficher)


def cmd_import(app: App, args: argparse.Namespace) -> int:
    control = _progression(app)
    try:
        with app.transaction() as session:
            ctx = app.contexte(session, collectivite=True)
            resultats = [importer_fichier(session, ctx, f, control=control) for f in args.fichiers]
            repartition = repartition_par_budget(session, [f.flux_id for r in resultats for f in r.flux])
    except ValidationError as exc:
        if len(args.fichiers) > 1:
            raise ValidationError(f"{exc}\nAucun des {len(args.fichiers)} fichiers n'a été lu.") from None
        raise
    flux = [asdict(f) for r in resultats for f in r.flux]

    def texte() -> str:
        lignes = [f"{f.nom} : {f.nb_factures} facture(s), {f.a_traiter} à traiter, "
                  f"{f.anomalies} en anomalie, {f.nb_pj} PJ (flux {f.flux_id})"
                  for f in (f for r in resultats for f in r.flux)]
        lignes += [f"  {budget} : {n} facture(s)" for budget, n in repartition]
        return "\n".join(lignes)
    app.sortie(flux, texte)
    return 0


def _json_ligne(l) -> dict:
    return {"id": l.id, "numero": l.numero, "type": l.type, "fournisseur": l.fournisseur,
            "siret": l.siret, "date_reception": l.date_reception, "montant_ht": l.montant_ht,
            "montant_ttc": l.montant_ttc, "montant_net": l.montant_net, "etat": l.etat,
            "nb_pj": l.nb_pj, "flux_id": l.flux_id, "lu_le": l.lu_le, "motif": l.motif,
            "mandat_id": l.piece_id}


def cmd_list(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        lignes = lister_factures(session, app.contexte(session), etat=args.etat, flux_id=args.flux)
    entete = (f"{'Id':>5}  {'N° facture':<20} {'Type':<7} {'Fournisseur':<30} {'Réception':<10} "
              f"{'Montant TTC':>14}  État")

    def ligne(l) -> str:
        etat = libelle_etat(l.etat)
        motif = l.motif if l.etat == EtatFactureDemat.ANOMALIE else l.motif.partition(" : ")[2]
        return (f"{l.id:>5}  {l.numero:<20} {l.type:<7} {l.fournisseur[:30]:<30} "
                f"{format_date(l.date_reception):<10} {format_eur(l.montant_ttc):>14}  {etat}"
                + (f" — {motif}" if motif else ""))
    app.sortie([_json_ligne(l) for l in lignes],
               lambda: "\n".join([entete, *map(ligne, lignes)]) if lignes else "Aucune facture.")
    return 0


def cmd_show(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        d = detail_facture(session, app.contexte(session), args.id)
    data = {**_json_ligne(d.ligne), "champs": dict(d.champs),
            "pj": [asdict(p) for p in d.pjs],
            "etapes": [{"date": e.horodatage, "etape": e.etape, "libelle": e.libelle,
                        "complement": e.complement, "utilisateur": e.utilisateur} for e in d.etapes]}

    def texte() -> str:
        out = [f"{k:<24} {v}" for k, v in d.champs]
        out.append("Pièces jointes :")
        out += [f"  {p.numordre}. {p.nom} ({'facture' if p.type_pj == '01' else 'complémentaire'}, "
                f"{p.mime}, {p.taille} octets)" for p in d.pjs]
        out.append("Étapes :")
        out += [f"  {format_horodatage(e.horodatage)}  {e.libelle:<28} {e.complement}  ({e.utilisateur})"
                for e in d.etapes]
        return "\n".join(out)
    app.sortie(data, texte)
    return 0


def cmd_pj(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        d = detail_facture(session, app.contexte(session), args.id)
        chemins = [ecrire_pj(session, p.id, args.out) for p in d.pjs]
    app.sortie([str(c) for c in chemins], lambda: "\n".join(str(c) for c in chemins))
    return 0


def _ids(args: argparse.Namespace) -> list[int] | None:
    if args.all and args.ids:
        raise ValidationError("Donnez des numéros de facture ou --all, pas les deux")
    if not args.all and not args.ids:
        raise ValidationError("Donnez au moins un numéro de facture (ID) ou --all")
    return None if args.all else args.ids


def cmd_facturer(app: App, args: argparse.Namespace) -> int:
    ids = _ids(args)
    with app.transaction() as session:
        res = mandatement.facturer(session, app.contexte(session), ids)
    app.sortie(res, lambda: mandatement.resume(res, "facturée"))
    return 0


def cmd_mandater(app: App, args: argparse.Namespace) -> int:
    ids = _ids(args)
    sommes = None
    if args.sommes_admises is not None:
        if ids is None or len(ids) != 1:
            raise ValidationError("--sommes-admises s'applique à une seule facture")
        if not (args.motif or "").strip():
            raise ValidationError("--motif obligatoire avec --sommes-admises")
        sommes = parse_fr(args.sommes_admises)
    elif args.motif:
        raise ValidationError("--motif ne s'emploie qu'avec --sommes-admises")
    with app.transaction() as session:
        res = mandatement.mandater(session, app.contexte(session), ids, train=args.train,
                                   article=args.article, sommes_admises=sommes, motif=args.motif)
    app.sortie(res, lambda: mandatement.resume(res, "mandatée"))
    return 0


def cmd_rejeter(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        res = rejeter(session, app.contexte(session), args.id, motif=args.motif, code=args.code,
                      suspendre=args.suspendre)
    app.sortie(res, f"Facture {res.numero} : {libelle_etat(res.etat)} (statut Chorus Pro "
                    f"{res.code_statut} à transmettre) — {res.motif}")
    return 0


def cmd_annuler_rejet(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        res = annuler_rejet(session, app.contexte(session), args.id)
    app.sortie(res, f"Facture {res.numero} : rejet annulé, {libelle_etat(res.etat)}")
    return 0
