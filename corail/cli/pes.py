"""Commands ``corail pes …``: PES Aller of bordereaux, acquittements returned by Hélios."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corail.cli.app import App
from corail.dates import format_horodatage
from corail.domain.etats import libelle_etat
from corail.errors import ValidationError
from corail.jobs import JobControl
from corail.money import format_eur
from corail.services import pes, pes_acquit


def _bordereau(texte: str) -> int:
    if not texte.isdigit() or not 0 < int(texte) < 2**63:
        raise argparse.ArgumentTypeError(f"identifiant de bordereau invalide : « {texte} »")
    return int(texte)


def register(sub: argparse._SubParsersAction) -> None:
    p_pes = sub.add_parser("pes", help="PES V2 : PES Aller des bordereaux, acquittements d'Hélios")
    cmds = p_pes.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p_pes))
    cmds.required = True
    p = cmds.add_parser("export", help="écrire le PES Aller de bordereaux (contrôlés d'abord)")
    p.add_argument("--bordereau", dest="bordereaux", action="append", required=True, type=_bordereau,
                   metavar="ID", help="id d'un bordereau (corail bordereaux list) ; répétable")
    p.add_argument("--out", type=Path, metavar="DOSSIER",
                   help="dossier de sortie (défaut : répertoire de transfert de la collectivité)")
    p.set_defaults(run=cmd_export)
    p = cmds.add_parser("verifier", help="contrôler des bordereaux sans rien écrire")
    p.add_argument("--bordereau", dest="bordereaux", action="append", required=True, type=_bordereau,
                   metavar="ID")
    p.set_defaults(run=cmd_verifier)
    p = cmds.add_parser("import-acquit", help="lire un acquittement (PES_ACQUIT, PES_Acquit, PES_NonAcquit)")
    p.add_argument("fichier", type=Path, metavar="FICHIER")
    p.set_defaults(run=cmd_import_acquit)
    cmds.add_parser("list", help="PES Aller écrits et leur acquittement").set_defaults(run=cmd_list)
    cmds.add_parser("acquittements", help="acquittements lus et leurs erreurs").set_defaults(
        run=cmd_acquittements)


def _progression(app: App) -> tuple[JobControl, bool]:
    if app.json or not sys.stderr.isatty():
        return JobControl(), False

    def afficher(fait: int, total: int) -> None:
        if total > 0:
            print(f"\rPES Aller… {fait * 100 // total} %", end="", file=sys.stderr, flush=True)
    return JobControl(on_progress=afficher), True


def _texte_pes(i: pes.PesAllerInfo) -> str:
    return (f"{i.id:>4}  {format_horodatage(i.genere_le)}  {i.nom_fichier}  "
            f"{i.nb_bordereaux} bordereau(x), {i.nb_pieces} pièce(s), {i.nb_pj} PJ  "
            f"{format_eur(i.montant):>14}  {libelle_etat(i.etat)}")


def cmd_export(app: App, args: argparse.Namespace) -> int:
    control, affiche = _progression(app)
    try:
        with app.transaction() as s:
            info = pes.exporter_pes(s, app.contexte(s), args.bordereaux, args.out, control=control,
                                    apres_validation=True)
    finally:
        if affiche:
            print(file=sys.stderr)
    app.sortie(info, lambda: (f"PES Aller écrit : {info.chemin}\n"
                              f"NomFic {info.nom_fic} — {', '.join(info.bordereaux)} — "
                              f"{info.nb_pieces} pièce(s), {info.nb_pj} PJ, {format_eur(info.montant)} — "
                              f"{info.taille} octets, sha256 {info.sha256}"))
    return 0


def cmd_verifier(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as s:  # a refusal raised inside: not even the connection date is noted
        problemes = pes.verifier_bordereaux(s, app.contexte(s), args.bordereaux)
        if problemes:
            raise ValidationError(f"{len(problemes)} problème(s) à corriger avant le PES Aller",
                                  choix=problemes)
    app.sortie({"problemes": []}, "Bordereaux prêts pour le PES Aller : aucun problème.")
    return 0


def _texte_acquit(a: pes_acquit.AcquittementInfo) -> str:
    out = [f"Acquittement « {a.nom_fichier} » ({a.format}) du PES Aller « {a.pes_aller} » : "
           f"{libelle_etat(a.etat)} — {a.nb_acceptes} accepté(s), {a.nb_rejetes} rejeté(s)"
           f" — lu le {format_horodatage(a.importe_le)}"]
    if a.motif:
        out.append(f"  Motif : {a.motif}")
    out += [f"  {e.objet} : {e.code}" + (f" — {e.libelle}" if e.libelle else "") for e in a.erreurs]
    return "\n".join(out)


def cmd_import_acquit(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as s:
        info = pes_acquit.importer_acquittement(s, app.contexte(s), args.fichier)
    app.sortie(info, lambda: _texte_acquit(info))
    return 0


def cmd_list(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as s:
        lignes = pes.lister_pes_aller(s, app.contexte(s))
    app.sortie(lignes, lambda: "\n".join(_texte_pes(i) for i in lignes) or "Aucun PES Aller.")
    return 0


def cmd_acquittements(app: App, args: argparse.Namespace) -> int:
    with app.transaction() as s:
        lignes = pes_acquit.lister_acquittements(s, app.contexte(s))
    app.sortie(lignes, lambda: "\n\n".join(_texte_acquit(a) for a in lignes) or "Aucun acquittement.")
    return 0

