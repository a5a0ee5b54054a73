"""Command ``corail chorus sync``: mode service — fetch the new invoices from Chorus Pro,
send the queued statuses, read the comptable's. Exit 2 (nothing written) when the structure is
in mode portail, not configured, or PISTE refuses the connection, or when another workstation
is synchronising the structure. The database is not held while Chorus Pro answers: the
synchronisation writes in short transactions between its calls."""
from __future__ import annotations

import argparse
import sys

from corail.chorus.client import ClientChorus, config_depuis_reglage
from corail.chorus.synchro import synchroniser_par_etapes
from corail.cli.app import App
from corail.jobs import JobControl
from corail.secrets import MemoireSession
from corail.services.reglages_demat import lire_recuperation


def register(sub: argparse._SubParsersAction) -> None:
    chorus = sub.add_parser("chorus", help="Chorus Pro en mode service (API PISTE)")
    cmds = chorus.add_subparsers(dest="action", metavar="ACTION", parser_class=type(chorus))
    cmds.required = True
    p = cmds.add_parser("sync", help="récupérer les factures et transmettre les statuts")
    p.set_defaults(run=cmd_sync)


def cmd_sync(app: App, args: argparse.Namespace) -> int:
    tty = not app.json and sys.stderr.isatty()
    control = JobControl(on_message=lambda t: print(f"\r{t:<72}", end="", file=sys.stderr,
                                                    flush=True)) if tty else JobControl()
    with app.db.lecture() as session:  # reads only: a refusal writes nothing
        ctx = app.contexte(session, collectivite=True)
        config = config_depuis_reglage(lire_recuperation(session, ctx), ctx.collectivite_id,
                                       memoire=MemoireSession())
    with ClientChorus(config) as client:
        res = synchroniser_par_etapes(app.transaction, ctx, client, control)
    if tty:
        print(file=sys.stderr)
    app.sortie(res, res.resume)
    return 0
