"""Commands ``corail asap saisir|importer|show|supprimer``: the ASAP invoice of a titre
(*PES Facture ASAP*), entered or imported from a billing program, and its printed avis.

``TITRE`` is the titre's id (``corail titres list``). Exit 2 when refused, nothing written.
"""
from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from corail.cli.app import App
from corail.dates import format_date
from corail.money import format_eur
from corail.services import asap, asap_avis, asap_import
from corail.services.asap_regles import Signataire


def _titre(texte: str) -> int:
    if not texte.isdigit() or not 0 < int(texte) < 2**63:
        raise argparse.ArgumentTypeError(f"numéro de titre invalide : « {texte} »")
    return int(texte)


def _ligne(texte: str) -> asap.LigneSaisie:
    parties = [p.strip() for p in texte.split(";")]
    if len(parties) != 4 or not all(parties):
        raise argparse.ArgumentTypeError(
            f"ligne invalide : « {texte} » (attendu \"LIBELLÉ;QUANTITÉ;PRIX UNITAIRE HT;TAUX TVA\", "
            f"par exemple \"Location de salle;2;150,00;20\")")
    return asap.LigneSaisie(parties[0], parties[1], parties[2], parties[3])


def _signataire(texte: str) -> Signataire:
    parties = [p.strip() for p in texte.split(";")]
    if len(parties) != 3 or not all(parties):
        raise argparse.ArgumentTypeError(f"signataire invalide : « {texte} » (attendu \"NOM;PRÉNOM;FONCTION\")")
    return Signataire(*parties)


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("asap", help="facture ASAP (avis des sommes à payer) d'un titre")
    cmds = a.add_subparsers(dest="action", metavar="ACTION", parser_class=type(a))
    cmds.required = True
    p = cmds.add_parser("saisir", help="saisir (ou remplacer) la facture ASAP d'un titre")
    p.add_argument("titre", type=_titre, metavar="TITRE")
    p.add_argument("--ligne", type=_ligne, action="append", required=True, dest="lignes",
                   metavar="\"LIBELLÉ;QTÉ;PU_HT;TAUX\"", help="une ligne de facture (répétable)")
    p.add_argument("--objet", help="objet de la facture (défaut : celui du titre)")
    p.add_argument("--signataire", type=_signataire, metavar="\"NOM;PRÉNOM;FONCTION\"",
                   help="défaut : le signataire du paramétrage")
    p.add_argument("--code-service", help="code service Chorus Pro du débiteur (ASAP 02)")
    p.add_argument("--engagement", help="numéro d'engagement du débiteur (ASAP 02)")
    p.set_defaults(run=cmd_saisir)
    p = cmds.add_parser("importer", help="joindre au titre une PES Facture ASAP d'un logiciel de facturation")
    p.add_argument("titre", type=_titre, metavar="TITRE")
    p.add_argument("fichier", type=Path, metavar="FICHIER")
    p.add_argument("--code-service", help="code service Chorus Pro du débiteur (ASAP 02)")
    p.add_argument("--engagement", help="numéro d'engagement du débiteur (ASAP 02)")
    p.set_defaults(run=cmd_importer)
    p = cmds.add_parser("show", help="la facture ASAP d'un titre")
    p.add_argument("titre", type=_titre, metavar="TITRE")
    p.add_argument("--pdf", type=Path, metavar="FICHIER", help="écrire l'avis des sommes à payer (PDF)")
    p.set_defaults(run=cmd_show)
    p = cmds.add_parser("supprimer", help="supprimer la facture ASAP d'un titre non transmis")
    p.add_argument("titre", type=_titre, metavar="TITRE")
    p.set_defaults(run=cmd_supprimer)


def _nombre(valeur) -> str:
    """``2``, ``1,5``, ``5,5``: a quantity or a rate without its useless zeros."""
    return f"{valeur.normalize():f}".replace(".", ",")


def _texte(d: asap.AsapDetail) -> str:
    out = [f"{d.titre} — ASAP {d.type_asap} ({'saisie' if d.origine == 'saisie' else 'importée'}) — "
           f"facture {d.numero_facture} du {format_date(d.date_emission)}",
           f"Objet : {d.objet}"]
    out += [f"  {l.ordre:>2}. {l.libelle[:40]:<40} {_nombre(l.quantite):>7} × {format_eur(l.prix_unitaire_ht):>10}"
            f"  TVA {_nombre(l.taux_tva):>5} %  {format_eur(l.montant_ttc):>12} TTC" for l in d.lignes]
    out.append(f"Total HT {format_eur(d.montant_ht)} — TVA {format_eur(d.montant_tva)} — "
               f"TTC {format_eur(d.montant_ttc)}")
    out.append(f"Signataire : {d.signataire.prenom} {d.signataire.nom}, {d.signataire.fonction}")
    if d.code_service or d.numero_engagement:
        out.append(f"Chorus Pro : service {d.code_service or '—'}, engagement {d.numero_engagement or '—'}")
    out.append(f"PES Facture : {d.nom_pj} (PJ {d.pj_id}, TypePJ 006)" if d.pj_id else
               "PES Facture : produite à la numérotation du titre")
    return "\n".join(out)


def cmd_saisir(app: App, args) -> int:
    with app.transaction() as s:
        d = asap.saisir_asap(s, app.contexte(s), args.titre, args.lignes, objet=args.objet,
                             signataire=args.signataire, code_service=args.code_service,
                             numero_engagement=args.engagement)
    app.sortie(d, lambda: _texte(d))
    return 0


def cmd_importer(app: App, args) -> int:
    with app.transaction() as s:
        d = asap_import.importer_asap(s, app.contexte(s), args.titre, args.fichier,
                                      code_service=args.code_service, numero_engagement=args.engagement)
    app.sortie(d, lambda: _texte(d))
    return 0


def cmd_show(app: App, args) -> int:
    with app.transaction() as s:
        ctx = app.contexte(s)
        d = asap.lire_asap_titre(s, ctx, args.titre)
        if d is None:
            from corail.errors import NotFound

            raise NotFound(f"Titre {args.titre} : pas de facture ASAP")
        if args.pdf is not None:
            asap_avis.imprimer_asap(s, ctx, args.titre, args.pdf)
    data = {**asdict(d), "pdf": args.pdf}
    app.sortie(data, lambda: _texte(d) + (f"\nAvis des sommes à payer : {args.pdf}" if args.pdf else ""))
    return 0


def cmd_supprimer(app: App, args) -> int:
    with app.transaction() as s:
        asap.supprimer_asap(s, app.contexte(s), args.titre)
    app.sortie({"titre_id": args.titre, "supprimee": True}, f"Titre {args.titre} : facture ASAP supprimée")
    return 0
