"""Command: demo."""
from __future__ import annotations

import argparse

from corail.cli.app import App
from corail.db.engine import dossier_demo
from corail.services.demo import DEMO_NOM, creer_demo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="créer la collectivité de démonstration (sans effet si elle existe)")
    p.set_defaults(run=cmd_demo, creer_base=True)


def cmd_demo(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        dossier = dossier_demo(app.db.url)
        res = creer_demo(session, app.clock, app.utilisateur, exercice=app.exercice,
                         dossier_flux=dossier)
    if res.cree:
        texte = (f"Démo créée : {DEMO_NOM}, exercice {res.exercice}, {len(res.budget_ids)} budgets, "
                 f"{res.factures} factures dématérialisées, {res.mandats} mandats.")
    else:
        texte = f"La démo ({DEMO_NOM}) existe déjà : rien n'a été modifié."
    app.sortie(res, texte)
    return 0
