"""Commands: sauvegarde FICHIER, restauration FICHIER (embedded SQLite database)."""
from __future__ import annotations

import argparse
from pathlib import Path

from corail.cli.app import App
from corail.db.engine import Database
from corail.db.migrate import migrer
from corail.services.sauvegarde import restaurer, sauvegarder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sauvegarde", help="copier la base SQLite dans un fichier (à chaud)")
    p.add_argument("fichier", type=Path, metavar="FICHIER")
    p.add_argument("--remplacer", action="store_true", help="écraser FICHIER s'il existe")
    p.set_defaults(run=cmd_sauvegarde)

    p = sub.add_parser("restauration",
                       help="remplacer la base SQLite par une sauvegarde (la base d'avant est gardée)")
    p.add_argument("fichier", type=Path, metavar="FICHIER")
    p.set_defaults(run=cmd_restauration)


def cmd_sauvegarde(app: App, args: argparse.Namespace) -> int:
    res = sauvegarder(app.database_url, args.fichier, remplacer=args.remplacer)
    app.sortie(res, lambda: (
        f"Sauvegarde écrite : {res.fichier} ({res.taille:,} octets ; {res.factures} factures "
        f"dématérialisées, {res.pieces} mandats et titres).".replace(",", " ")))
    return 0


def cmd_restauration(app: App, args: argparse.Namespace) -> int:
    res, copie = restaurer(app.database_url, args.fichier, horodatage=app.clock.now())
    db = Database(app.database_url)
    try:
        migrer(db)  # a sauvegarde made by an older Corail is brought up to date
    finally:
        db.dispose()
    app.sortie({"fichier": res.fichier, "factures": res.factures, "pieces": res.pieces,
                "base_precedente": copie}, lambda: (
        f"Base restaurée depuis {res.fichier} ({res.factures} factures dématérialisées, "
        f"{res.pieces} mandats et titres)."
        + (f"\nLa base remplacée est gardée dans {copie}." if copie else "")))
    return 0
