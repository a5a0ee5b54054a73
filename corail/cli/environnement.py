"""Commands: init, budgets, exercices, compteurs."""
from __future__ import annotations

import argparse

from corail.cli.app import App
from corail.services.collectivites import initialiser_collectivite
from corail.services.compteurs import etats_compteurs
from corail.services.contexte import choisir_budget, lister_budgets, lister_exercices


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="créer une collectivité, son budget et son exercice")
    p.add_argument("--nom", required=True, help="nom de la collectivité")
    p.add_argument("--siret", required=True)
    p.add_argument("--code-col", required=True, help="code collectivité (CodCol)")
    p.add_argument("--code-bud", required=True, help="code budget (CodBud)")
    p.add_argument("--poste", required=True, help="poste comptable (IdPost, 6 chiffres)")
    p.add_argument("--libelle-budget", default="Budget principal")
    p.add_argument("--service-chorus", action="append", default=[],
                   help="code service Chorus Pro du budget (répétable)")
    p.set_defaults(run=cmd_init, creer_base=True)

    p = sub.add_parser("budgets", help="budgets de la base")
    p.add_argument("action", nargs="?", choices=["list"], default="list")
    p.set_defaults(run=cmd_budgets)

    p = sub.add_parser("exercices", help="exercices du budget")
    p.add_argument("action", nargs="?", choices=["list"], default="list")
    p.set_defaults(run=cmd_exercices)

    p = sub.add_parser("compteurs", help="prochains numéros de l'exercice")
    p.add_argument("action", nargs="?", choices=["list"], default="list")
    p.set_defaults(run=cmd_compteurs)


def cmd_init(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        res = initialiser_collectivite(
            session, app.clock, app.utilisateur, nom=args.nom, siret=args.siret,
            code_col=args.code_col, code_bud=args.code_bud, poste=args.poste,
            exercice=app.exercice, libelle_budget=args.libelle_budget,
            services_chorus=tuple(args.service_chorus),
        )
    app.sortie(res, lambda: (
        f"Collectivité « {args.nom} » créée : budget {res.budget_id}, exercice {res.exercice}, "
        f"{res.articles} articles M57, trains Normal et attente, "
        f"{res.utilisateur} gestionnaire principal."))
    return 0


def cmd_budgets(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        budgets = lister_budgets(session)
    app.sortie(budgets, lambda: "\n".join(b.choix for b in budgets) or "Aucun budget.")
    return 0


def cmd_exercices(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        budget = choisir_budget(session, app.budget)
        exercices = lister_exercices(session, budget.id)
    app.sortie(exercices, lambda: "\n".join(
        f"{e.annee}{' (courant)' if e.courant else ''}{' (clos)' if e.clos else ''}"
        for e in exercices))
    return 0


def cmd_compteurs(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as session:
        ctx = app.contexte(session)
        etats = etats_compteurs(session, ctx.budget_id, ctx.exercice)
    app.sortie(etats, lambda: "\n".join(
        f"{e.libelle} {e.annee} : prochain n° {e.prochain}" for e in etats))
    return 0



