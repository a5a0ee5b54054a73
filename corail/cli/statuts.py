"""Commands ``corail statuts …``: the Chorus Pro statuses of received invoices (mode portail:
the CPPStatut transfer file; the list of statuses still to set in Chorus Pro)."""
from __future__ import annotations

import argparse
from pathlib import Path

from corail.cli.app import App
from corail.cli.pivot import identifiant
from corail.dates import format_date, format_horodatage
from corail.domain.etats import STATUTS_CHORUS
from corail.formats.cpp_statut import lire_cpp_statut
from corail.services.statuts import (
    StatutLigne, definir_statut, historique_statuts, lister_statuts, marquer_saisis,
)
from corail.services.statuts_export import exporter_statuts


def _code(texte: str) -> str:
    code = texte.strip().zfill(2)
    if code not in STATUTS_CHORUS:
        raise argparse.ArgumentTypeError(f"statut inconnu : « {texte} » (codes 01 à 12)")
    return code


def register(sub: argparse._SubParsersAction) -> None:
    statuts = sub.add_parser("statuts", help="statuts Chorus Pro des factures reçues")
    cmds = statuts.add_subparsers(dest="action", metavar="ACTION", parser_class=type(statuts))
    cmds.required = True
    p = cmds.add_parser("export", help="fichier de transfert des statuts (CPPStatut)")
    p.add_argument("dossier", nargs="?", type=Path, metavar="DOSSIER",
                   help="défaut : le Répertoire de transfert de la collectivité")
    p.add_argument("--statut", type=_code, metavar="CODE")
    p.add_argument("--facture", type=identifiant, metavar="ID")
    p.add_argument("--reexporter", action="store_true",
                   help="reprendre aussi les statuts déjà écrits dans un fichier")
    p.set_defaults(run=cmd_export)
    p = cmds.add_parser("list", help="statuts à saisir dans Chorus Pro (--tous : tous)")
    p.add_argument("--tous", action="store_true")
    p.add_argument("--statut", type=_code, metavar="CODE")
    p.add_argument("--facture", type=identifiant, metavar="ID")
    p.set_defaults(run=cmd_list)
    p = cmds.add_parser("historique", help="historique des statuts d'une facture")
    p.add_argument("id", type=identifiant)
    p.set_defaults(run=cmd_historique)
    p = cmds.add_parser("saisis", help="mode portail : statuts saisis dans Chorus Pro")
    p.add_argument("ids", nargs="+", type=identifiant, metavar="STATUT_ID")
    p.set_defaults(run=cmd_saisis)
    p = cmds.add_parser("definir", help="donner un statut à une facture (07 Service fait)")
    p.add_argument("id", type=identifiant)
    p.add_argument("--statut", type=_code, required=True, metavar="CODE")
    p.add_argument("--motif")
    p.set_defaults(run=cmd_definir)
    p = cmds.add_parser("lire", help="lire un fichier CPPStatut")
    p.add_argument("fichier", type=Path)
    p.set_defaults(run=cmd_lire)


def _json(l: StatutLigne) -> dict:
    return {"id": l.id, "facture_id": l.facture_id, "numero_facture": l.numero_facture,
            "code": l.code, "libelle": l.libelle, "motif": l.motif, "numero_mandat": l.numero_mandat,
            "horodatage": l.horodatage, "utilisateur": l.utilisateur, "envoi": l.envoi,
            "origine": l.origine, "transmis_le": l.transmis_le, "message": l.message,
            "fichier": l.fichier}


def _texte(l: StatutLigne) -> str:
    suite = f" — mandat n° {l.numero_mandat}" if l.numero_mandat else ""
    suite += f" — {l.motif}" if l.motif else ""
    etat = l.envoi_libelle + (f" : {l.message}" if l.message else "")
    return (f"{l.id:>5}  {format_horodatage(l.horodatage)}  {l.numero_facture:<20} "
            f"{l.code} {l.libelle}{suite}  [{etat}] ({l.utilisateur})")


def cmd_export(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        res = exporter_statuts(session, app.contexte(session), args.dossier, statut=args.statut,
                               facture_id=args.facture, reexporter=args.reexporter)
    app.sortie({"fichier": str(res.chemin), "id_flx": res.id_flx, "nb_statuts": res.nb_statuts,
                "statuts": res.statut_ids, "factures": res.factures},
               f"{res.chemin} : {res.nb_statuts} statut(s) ({', '.join(res.factures)}).\n"
               f"Mode portail : ces statuts doivent aussi être saisis dans Chorus Pro, puis "
               f"notés saisis (corail statuts saisis ID…).")
    return 0


def cmd_list(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        lignes = lister_statuts(session, app.contexte(session), a_saisir=not args.tous,
                                statut=args.statut, facture_id=args.facture)
    vide = "Aucun statut." if args.tous else "Aucun statut à saisir dans Chorus Pro."
    app.sortie([_json(l) for l in lignes],
               lambda: "\n".join(map(_texte, lignes)) if lignes else vide)
    return 0


def cmd_historique(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        lignes = historique_statuts(session, app.contexte(session), args.id)
    app.sortie([_json(l) for l in lignes],
               lambda: "\n".join(map(_texte, lignes)) if lignes else "Aucun statut pour cette facture.")
    return 0


def cmd_saisis(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        lignes = marquer_saisis(session, app.contexte(session), args.ids)
    app.sortie([_json(l) for l in lignes], lambda: "\n".join(map(_texte, lignes)))
    return 0


def cmd_definir(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        l = definir_statut(session, app.contexte(session), args.id, args.statut, motif=args.motif)
    app.sortie(_json(l), _texte(l))
    return 0


def cmd_lire(app: App, args: argparse.Namespace) -> int:
    flux = lire_cpp_statut(args.fichier)
    data = {"id_flx": flux.id_flx, "date_production": flux.date_production,
            "statuts": [{"id_statut": s.id_statut, "id_facture": s.id_facture,
                         "fournisseur": s.fournisseur_identifiant, "debiteur": s.debiteur_identifiant,
                         "commentaire": s.commentaire, "horodatage": s.horodatage,
                         "date_facture": s.date_facture, "id_mandat_dp": s.id_mandat_dp}
                        for s in flux.statuts]}
    app.sortie(data, lambda: "\n".join(
        [f"Flux {flux.id_flx} du {format_date(flux.date_production)} : {len(flux.statuts)} statut(s)"]
        + [f"  {s.id_statut} {STATUTS_CHORUS[s.id_statut][1]} — facture {s.id_facture} "
           f"(fournisseur {s.fournisseur_identifiant})" + (f" — {s.commentaire}" if s.commentaire else "")
           for s in flux.statuts]))
    return 0
