"""Command ``corail users``: users, rôles, espaces and sollicitations of a structure (budget), the
transfer of the gestionnaire principal rôle, the administrators of the database
(``users admin list|ajouter|retirer``) and their path when the holder of that rôle left.

Every command runs as the OS user (``CORAIL_UTILISATEUR``), checked by the services.
``--budget`` may follow the action too: ``corail users transferer-admin --budget 123-01 ...``.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from corail.cli.app import ENV_MOT_DE_PASSE as ENV_MOT_DE_PASSE_CONNEXION, App
from corail.cli.pivot import identifiant
from corail.dates import format_date, format_horodatage
from corail.domain import roles
from corail.domain.etats import libelle_etat
from corail.errors import ValidationError
from corail.services import administrateurs as adm
from corail.services import connexion, gestionnaire_principal as gp, habilitations
from corail.services import sollicitations as sol
from corail.services import utilisateurs as us
from corail.services.contexte import lister_budgets

ENV_MOT_DE_PASSE = "CORAIL_NOUVEAU_MOT_DE_PASSE"


def _espace_niveau(texte: str) -> tuple[str, str]:
    espace, _, niveau = texte.partition("=")
    niveau = niveau or roles.CONSULTATION
    if espace not in roles.ESPACES or niveau not in roles.NIVEAUX:
        raise argparse.ArgumentTypeError(
            f"« {texte} » : ESPACE=NIVEAU attendu, espace parmi {', '.join(roles.ESPACES)}, "
            f"niveau consultation ou modification")
    return espace, niveau


def register(sub: argparse._SubParsersAction) -> None:
    commun = argparse.ArgumentParser(add_help=False)
    commun.add_argument("--budget", dest="budget_users", metavar="SIRET|CODCOL-CODBUD",
                        help="structure (budget) visée")
    u = sub.add_parser("users", help="utilisateurs, rôles, espaces, sollicitations ; transfert "
                                     "du gestionnaire principal")
    cmds = u.add_subparsers(dest="action", metavar="ACTION", parser_class=type(u))
    cmds.required = True

    def cmd(nom: str, aide: str, run, *positionnels: str):
        p = cmds.add_parser(nom, help=aide, parents=[commun])
        for nom_arg in positionnels:
            p.add_argument(nom_arg, metavar=nom_arg.upper())
        p.set_defaults(run=run)
        return p

    cmd("list", "utilisateurs de la structure (gestionnaires)", cmd_list)
    cmd("show", "un utilisateur : rôle, espaces, statut", cmd_show, "login")
    p = cmd("create", "créer un utilisateur rattaché à la structure (gestionnaire principal)",
            cmd_create, "login")
    p.add_argument("--nom", default="")
    p.add_argument("--prenom", default="")
    p.add_argument("--email", help="adresse de contact")
    p.add_argument("--role", default=roles.UTILISATEUR, choices=roles.ROLES_ATTRIBUABLES)
    p.add_argument("--espace", action="append", type=_espace_niveau, default=[],
                   metavar="ESPACE=NIVEAU", help="répétable ; ex. depenses=modification")
    for nom, aide, run in (("activer", "activer un nouveau compte", cmd_activer),
                           ("desactiver", "désactiver un compte", cmd_desactiver),
                           ("reactiver", "réactiver un compte désactivé", cmd_reactiver),
                           ("supprimer", "retirer un utilisateur de la structure", cmd_supprimer)):
        cmd(nom, aide, run, "login")
    p = cmd("role", "changer le rôle d'un utilisateur (sauf gestionnaire principal)", cmd_role,
            "login")
    p.add_argument("role", choices=roles.ROLES_ATTRIBUABLES)
    p = cmd("espaces", "espaces et habilitations d'un utilisateur (les voir, les changer)",
            cmd_espaces, "login")
    p.add_argument("--ajouter", action="append", type=_espace_niveau, default=[],
                   metavar="ESPACE=NIVEAU")
    p.add_argument("--retirer", action="append", choices=list(roles.ESPACES), default=[])
    p = cmd("rattacher", "Demander un rattachement à la structure (pour soi)", cmd_rattacher)
    p.add_argument("--nom", default="")
    p.add_argument("--prenom", default="")
    p.add_argument("--email")
    p.add_argument("--description", default="")
    p.add_argument("--espace", type=_espace_niveau, metavar="ESPACE=NIVEAU")
    p = cmd("transferer", "transférer son rôle de gestionnaire principal", cmd_transferer)
    p.add_argument("--vers", required=True, metavar="LOGIN|ADRESSE")
    p.add_argument("--confirmer", action="store_true", help=gp.CONFIRMATION)
    p = cmd("transferer-admin", "administrateur : nommer le gestionnaire principal à la place "
                                "du titulaire parti (enregistré avec le motif)", cmd_transferer_admin)
    p.add_argument("--vers", required=True, metavar="LOGIN|ADRESSE")
    p.add_argument("--motif", required=True)
    p = cmds.add_parser("admin", help="administrateurs de la base (qui nomme le gestionnaire "
                                      "principal à la place du titulaire parti)")
    admin = p.add_subparsers(dest="action_admin", metavar="ACTION", parser_class=type(u))
    admin.required = True
    p = admin.add_parser("list", aliases=["lister"], parents=[commun],
                         help="les administrateurs, qui les a déclarés, quand et pourquoi")
    p.set_defaults(run=cmd_admin_list)
    for nom, aide, run in (
            ("ajouter", "déclarer un administrateur (le premier : quiconque ouvre la base)",
             cmd_admin_ajouter),
            ("retirer", "retirer un administrateur (jamais le dernier)", cmd_admin_retirer)):
        p = admin.add_parser(nom, help=aide, parents=[commun])
        p.add_argument("login", metavar="IDENTIFIANT", help="identifiant de l'utilisateur")
        p.add_argument("--motif", required=True, help="enregistré dans le journal des gestionnaires")
        p.set_defaults(run=run)
    p = cmd("quitter", "retirer son propre rattachement (successeur d'abord si gestionnaire "
                       "principal)", cmd_quitter)
    p.add_argument("--successeur", metavar="LOGIN|ADRESSE")
    p.add_argument("--confirmer", action="store_true")
    p = cmd("mot-de-passe", f"définir un mot de passe (demandé, ou lu dans {ENV_MOT_DE_PASSE})",
            cmd_mot_de_passe)
    p.add_argument("--login", help="un utilisateur de la structure (gestionnaire principal)")
    p = cmd("connexion", "exiger ou non un mot de passe à la connexion (gestionnaire principal)",
            cmd_connexion)
    p.add_argument("--mot-de-passe", dest="exiger", required=True, choices=["exige", "non"])

    p = cmd("sollicitations", "mes sollicitations, ou celles à traiter (--a-traiter)",
            cmd_sollicitations)
    p.add_argument("--a-traiter", action="store_true", help="demandes d'abonnements aux espaces")
    p.add_argument("--toutes", action="store_true", help="avec les demandes déjà traitées")
    p = cmd("solliciter", "nouvelle sollicitation (brouillon, ou --envoyer)", cmd_solliciter)
    p.add_argument("--categorie", required=True, choices=list(roles.CATEGORIES))
    p.add_argument("--sous-categorie", required=True)
    p.add_argument("--description", default="")
    p.add_argument("--espace", type=_espace_niveau, metavar="ESPACE=NIVEAU")
    p.add_argument("--envoyer", action="store_true", help="Valider et envoyer")
    for nom, aide, run in (("envoyer", "envoyer un brouillon", cmd_envoyer),
                           ("accepter", "accepter une sollicitation", cmd_accepter),
                           ("refuser", "refuser une sollicitation (--reponse obligatoire)",
                            cmd_refuser)):
        p = cmds.add_parser(nom, help=aide, parents=[commun])
        p.add_argument("id", type=identifiant, metavar="ID")
        if nom != "envoyer":
            p.add_argument("--reponse", default="", required=nom == "refuser")
        p.set_defaults(run=run)


def _contexte(app: App, s, args):
    if getattr(args, "budget_users", None):
        app.budget = args.budget_users
    return app.contexte(s)


def _contexte_administrateur(app: App, s, args, *, structure: bool):
    """The context of an administrator's command. The administrator is the database's: without
    ``--budget``, any budget will do unless the command acts on a ``structure``. His password is
    asked when any collectivité asks for one (the App only checks the context's)."""
    if getattr(args, "budget_users", None):
        app.budget = args.budget_users
    if app.budget is None and not structure:
        budgets = lister_budgets(s)
        app.budget = budgets[0].code if budgets else None
    ctx = app.contexte(s)
    if (connexion.connexion_requise(s, ctx.utilisateur)
            and not connexion.mot_de_passe_requis(s, ctx.collectivite_id)):
        mot_de_passe = os.environ.get(ENV_MOT_DE_PASSE_CONNEXION)
        if mot_de_passe is None and sys.stdin.isatty():
            mot_de_passe = getpass.getpass(f"Mot de passe de {ctx.utilisateur} : ")
        if mot_de_passe is None:
            raise connexion.ConnexionRefusee(
                f"Une collectivité de la base exige un mot de passe, donc de ses administrateurs : "
                f"saisissez-le dans un terminal ou passez-le par la variable "
                f"{ENV_MOT_DE_PASSE_CONNEXION}")
        connexion.authentifier(s, ctx.utilisateur, mot_de_passe)
    return ctx


def _texte_ligne(u: us.UtilisateurLigne) -> str:
    espaces = ", ".join(f"{roles.libelle_espace(e)} ({n})" for e, n in u.espaces) or "aucun espace"
    return (f"{u.login:<20} {(u.prenom + ' ' + u.nom).strip()[:28]:<28} "
            f"{roles.libelle_role(u.role):<24} {u.statut:<10} {espaces}")


def cmd_list(app: App, args) -> int:
    with app.transaction() as s:
        lignes = us.lister_utilisateurs(s, _contexte(app, s, args))
    app.sortie(lignes, lambda: "\n".join(_texte_ligne(u) for u in lignes))
    return 0


def cmd_show(app: App, args) -> int:
    with app.transaction() as s:
        u = us.detail_utilisateur(s, _contexte(app, s, args), args.login)

    def texte() -> str:
        out = [f"{u.login} — {(u.prenom + ' ' + u.nom).strip()}",
               f"Adresse de contact : {u.email or '—'}", f"Rôle : {roles.libelle_role(u.role)}",
               f"Statut : {u.statut}",
               f"Dernière connexion : {format_horodatage(u.derniere_connexion) if u.derniere_connexion else '—'}"]
        if u.date_reactivation:
            out.append(f"Réactivé le {format_date(u.date_reactivation)}")
        out += [f"  {roles.libelle_habilitation(e, n)}" for e, n in u.espaces] or ["  aucun espace"]
        return "\n".join(out)
    app.sortie(u, texte)
    return 0


def cmd_create(app: App, args) -> int:
    with app.transaction() as s:
        u = us.creer_utilisateur(s, _contexte(app, s, args), args.login, nom=args.nom,
                                 prenom=args.prenom, email=args.email, role=args.role,
                                 espaces=dict(args.espace))
    app.sortie(u, f"Utilisateur « {u.login} » rattaché ({roles.libelle_role(u.role)})")
    return 0


def _statut(fonction, verbe: str):
    def run(app: App, args) -> int:
        with app.transaction() as s:
            u = fonction(s, _contexte(app, s, args), args.login)
        app.sortie(u, f"Compte « {u.login} » {verbe}")
        return 0
    return run


cmd_activer = _statut(us.activer_utilisateur, "activé")
cmd_desactiver = _statut(us.desactiver_utilisateur, "désactivé")
cmd_reactiver = _statut(us.reactiver_utilisateur, "réactivé")


def cmd_supprimer(app: App, args) -> int:
    with app.transaction() as s:
        us.supprimer_utilisateur(s, _contexte(app, s, args), args.login)
    app.sortie({"supprime": args.login}, f"« {args.login} » retiré de la structure")
    return 0


def cmd_role(app: App, args) -> int:
    with app.transaction() as s:
        u = us.changer_role(s, _contexte(app, s, args), args.login, args.role)
    app.sortie(u, f"« {u.login} » : {roles.libelle_role(u.role)}")
    return 0


def cmd_espaces(app: App, args) -> int:
    with app.transaction() as s:
        ctx = _contexte(app, s, args)
        for espace, niveau in args.ajouter:
            habilitations.definir_habilitation(s, ctx, args.login, espace, niveau)
        for espace in args.retirer:
            habilitations.definir_habilitation(s, ctx, args.login, espace, None)
        u = us.detail_utilisateur(s, ctx, args.login)
    app.sortie(dict(u.espaces), lambda: "\n".join(
        roles.libelle_habilitation(e, n) for e, n in u.espaces) or "Aucun espace.")
    return 0


def _texte_sollicitation(l: sol.SollicitationLigne) -> str:
    out = f"{l.id:>4}  {libelle_etat(l.etat):<9} {l.demandeur:<15} {l.objet}"
    if l.reponse:
        out += f"\n      Réponse de {l.traite_par} : {l.reponse}"
    return out


def cmd_rattacher(app: App, args) -> int:
    espace, niveau = args.espace or (None, None)
    with app.transaction() as s:
        ctx = _contexte(app, s, args)
        l = sol.demander_rattachement(s, ctx, ctx.budget_id, nom=args.nom, prenom=args.prenom,
                                      email=args.email, description=args.description,
                                      espace=espace, niveau=niveau)
    app.sortie(l, f"Demande de rattachement n° {l.id} envoyée au gestionnaire principal de "
                  f"{l.structure}")
    return 0


def cmd_transferer(app: App, args) -> int:
    with app.transaction() as s:
        t = gp.transferer_role(s, _contexte(app, s, args), args.vers, confirme=args.confirmer)
    app.sortie(t, f"« {t.nouveau} » est gestionnaire principal de {t.structure} ; "
                  f"« {t.ancien} » devient gestionnaire secondaire")
    return 0


def cmd_transferer_admin(app: App, args) -> int:
    with app.transaction() as s:
        t = gp.transferer_par_administrateur(
            s, _contexte_administrateur(app, s, args, structure=True), args.vers, motif=args.motif)
    app.sortie(t, f"« {t.nouveau} » est gestionnaire principal de {t.structure} (ancien : "
                  f"{t.ancien or 'aucun'}) ; transfert enregistré au nom de {t.par}")
    return 0


def _texte_admin(a: adm.AdministrateurLigne) -> str:
    qui = f"{a.login:<20} {(a.prenom + ' ' + a.nom).strip()[:28]:<28}"
    if not a.actif:
        qui += " (compte inactif)"
    if a.declare_le is None:
        return qui
    return f"{qui} déclaré le {format_horodatage(a.declare_le)} par {a.declare_par} : {a.motif}"


def cmd_admin_list(app: App, args) -> int:
    with app.transaction() as s:
        lignes = adm.lister_administrateurs(s, _contexte_administrateur(app, s, args,
                                                                        structure=False))
    app.sortie(lignes, lambda: "\n".join(_texte_admin(a) for a in lignes)
               or "Aucun administrateur déclaré : le premier peut l'être par quiconque ouvre la "
                  "base (corail users admin ajouter IDENTIFIANT --motif …).")
    return 0


def cmd_admin_ajouter(app: App, args) -> int:
    with app.transaction() as s:
        a = adm.ajouter_administrateur(s, _contexte_administrateur(app, s, args, structure=False),
                                       args.login, motif=args.motif)
    app.sortie(a, f"« {a.login} » est administrateur de la base (déclaré par {a.declare_par})")
    return 0


def cmd_admin_retirer(app: App, args) -> int:
    with app.transaction() as s:
        a = adm.retirer_administrateur(s, _contexte_administrateur(app, s, args, structure=False),
                                       args.login, motif=args.motif)
    app.sortie(a, f"« {a.login} » n'est plus administrateur de la base")
    return 0


def cmd_quitter(app: App, args) -> int:
    with app.transaction() as s:
        t = gp.quitter_structure(s, _contexte(app, s, args), successeur=args.successeur,
                                 confirme=args.confirmer)
    app.sortie({"transfert": t}, "Rattachement retiré"
               + (f" ; « {t.nouveau} » est gestionnaire principal" if t else ""))
    return 0


def _lire_mot_de_passe() -> str:
    if os.environ.get(ENV_MOT_DE_PASSE):
        return os.environ[ENV_MOT_DE_PASSE]
    if not sys.stdin.isatty():
        raise ValidationError(f"Mot de passe : saisissez-le dans un terminal, ou passez-le par "
                              f"la variable {ENV_MOT_DE_PASSE}")
    premier = getpass.getpass("Nouveau mot de passe : ")
    if getpass.getpass("Confirmation : ") != premier:
        raise ValidationError("Les deux saisies du mot de passe diffèrent : rien n'a été modifié")
    return premier


def cmd_mot_de_passe(app: App, args) -> int:
    actuel = None
    with app.transaction() as s:
        ctx = _contexte(app, s, args)
        moi = us.trouver(s, ctx.utilisateur)
        if args.login in (None, ctx.utilisateur) and moi is not None and moi.mot_de_passe:
            actuel = os.environ.get(ENV_MOT_DE_PASSE_CONNEXION) or getpass.getpass("Mot de passe actuel : ")
        connexion.definir_mot_de_passe(s, ctx, _lire_mot_de_passe(), actuel=actuel, login=args.login)
    app.sortie({"login": args.login or app.utilisateur}, "Mot de passe enregistré")
    return 0


def cmd_connexion(app: App, args) -> int:
    with app.transaction() as s:
        connexion.regler_mot_de_passe_requis(s, _contexte(app, s, args), args.exiger == "exige")
    app.sortie({"mot_de_passe_requis": args.exiger == "exige"},
               "Mot de passe exigé à la connexion" if args.exiger == "exige"
               else "Connexion sans mot de passe (utilisateur du système)")
    return 0


def cmd_sollicitations(app: App, args) -> int:
    with app.transaction() as s:
        ctx = _contexte(app, s, args)
        lignes = (sol.sollicitations_a_traiter(s, ctx, toutes=args.toutes) if args.a_traiter
                  else sol.mes_sollicitations(s, ctx))
    app.sortie(lignes, lambda: "\n".join(_texte_sollicitation(l) for l in lignes)
               or "Aucune sollicitation.")
    return 0


def cmd_solliciter(app: App, args) -> int:
    espace, niveau = args.espace or (None, None)
    saisie = sol.SollicitationSaisie(args.categorie, args.sous_categorie, args.description,
                                     espace, niveau)
    with app.transaction() as s:
        l = sol.enregistrer_sollicitation(s, _contexte(app, s, args), saisie, envoyer=args.envoyer)
    app.sortie(l, f"Sollicitation n° {l.id} {'envoyée' if args.envoyer else 'enregistrée (brouillon)'}"
                  f" : {l.objet}")
    return 0


def _traiter(fonction, verbe: str, *, reponse: bool):
    def run(app: App, args) -> int:
        with app.transaction() as s:
            ctx = _contexte(app, s, args)
            l = fonction(s, ctx, args.id, args.reponse) if reponse else fonction(s, ctx, args.id)
        app.sortie(l, f"Sollicitation n° {l.id} {verbe} : {l.objet}")
        return 0
    return run


cmd_envoyer = _traiter(sol.envoyer_sollicitation, "envoyée", reponse=False)
cmd_accepter = _traiter(sol.accepter_sollicitation, "acceptée", reponse=True)
cmd_refuser = _traiter(sol.refuser_sollicitation, "refusée", reponse=True)
