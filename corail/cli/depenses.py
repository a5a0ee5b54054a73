"""Commands ``corail mandats|bordereaux|trains|engagements|factures``: the Dépenses module."""
from __future__ import annotations

import argparse
from dataclasses import asdict

from corail.cli.app import App
from corail.cli.pieces import (
    Genre, ajouter_list, ajouter_numeroter_imprimer_annuler, ajouter_show, ajouter_valider, annuler,
    commandes, identifiant, ligne_json, texte_ligne, texte_numerotation, train_choisi, valider,
)
from corail.dates import format_date, parse_date_fr
from corail.domain.etats import libelle_etat
from corail.money import format_eur, parse_fr
from corail.services import edition, engagements, mandats, numerotation, registre, trains


def _date(texte: str):
    try:
        return parse_date_fr(texte)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


MANDATS = Genre("Mandat", "mandats", "bordereau", identifiant)


def register(sub: argparse._SubParsersAction) -> None:
    cmds = commandes(sub, "mandats", "mandats : liste, détail, validation, numérotation, impression")
    ajouter_list(cmds, MANDATS, cmd_list)
    ajouter_show(cmds, MANDATS, cmd_show)
    ajouter_valider(cmds, MANDATS, "valider des mandats (équilibre, inventaire, IBAN…)", cmd_valider)
    ajouter_numeroter_imprimer_annuler(cmds, MANDATS, numeroter=cmd_numeroter, imprimer=cmd_imprimer,
                                       annuler=cmd_annuler,
                                       aide_montant="réduction (défaut : annulation du reste)")

    p = sub.add_parser("bordereaux", help="bordereaux de l'exercice (mandats et titres)")
    p.add_argument("action", nargs="?", choices=["list"], default="list")
    p.add_argument("--type", choices=["mandat", "titre"], help="seulement les bordereaux de mandats, "
                   "ou de titres")
    p.set_defaults(run=cmd_bordereaux)

    cmds = commandes(sub, "trains", "trains de mandats")
    cmds.add_parser("list", help="trains et mandats à numéroter").set_defaults(run=cmd_trains)
    p = cmds.add_parser("create", help="créer un train")
    p.add_argument("nom")
    p.add_argument("--attente", action="store_true", help="train d'attente (débit d'office)")
    p.set_defaults(run=cmd_train_create)
    p = cmds.add_parser("liberer", help="libérer un train d'attente (bordereau de régularisation reçu)")
    p.add_argument("nom")
    p.add_argument("--reference", required=True)
    p.add_argument("--date", required=True, type=_date, metavar="AAAA-MM-JJ")
    p.set_defaults(run=cmd_train_liberer)

    cmds = commandes(sub, "engagements", "engagements du budget")
    cmds.add_parser("list").set_defaults(run=cmd_engagements)
    p = cmds.add_parser("create")
    p.add_argument("numero")
    p.add_argument("--article", required=True)
    p.add_argument("--montant", required=True)
    p.add_argument("--objet", default="")
    p.set_defaults(run=cmd_engagement_create)

    p = sub.add_parser("factures", help="registre des factures et délai global de paiement")
    p.add_argument("action", nargs="?", choices=["list"], default="list")
    p.set_defaults(run=cmd_factures)


def _ligne_json(l: mandats.MandatLigne) -> dict:
    return ligne_json(l, facture_demat_id=l.facture_demat_id, regularisation=l.regularisation)


def cmd_list(app: App, args) -> int:
    with app.transaction() as s:
        lignes = mandats.lister_mandats(s, app.contexte(s), etat=args.etat, train=args.train)
    app.sortie([_ligne_json(l) for l in lignes],
               lambda: "\n".join(texte_ligne(l, libelle_etat(l.etat)) for l in lignes) or "Aucun mandat.")
    return 0


def cmd_show(app: App, args) -> int:
    with app.transaction() as s:
        d = mandats.detail_mandat(s, app.contexte(s), args.id)
    data = {**_ligne_json(d.ligne), "saisie": asdict(d.saisie), "pj": [p[1] for p in d.pj],
            "montant_du": d.montant_du, "a_corriger": list(d.avertissements)}

    def texte() -> str:
        out = [f"Mandat {d.ligne.id} — n° {d.ligne.numero or '(non numéroté)'} — {libelle_etat(d.ligne.etat)}",
               f"Tiers : {d.ligne.tiers}", f"Objet : {d.ligne.objet}", f"Train : {d.ligne.train}",
               "Imputations :"]
        out += [f"  {i.article:<8} {i.designation[:40]:<40} {format_eur(i.montant):>14}"
                for i in d.saisie.imputations]
        out.append(f"Total : {format_eur(d.ligne.montant)}"
                   + (f" (facture : {format_eur(d.montant_du)})" if d.montant_du is not None else ""))
        out += [f"PJ : {p[1]}" for p in d.pj]
        out += [f"À corriger : {a}" for a in d.avertissements]
        return "\n".join(out)
    app.sortie(data, texte)
    return 0


def cmd_valider(app: App, args) -> int:
    return valider(app, args, MANDATS, mandats.valider_mandat, _ligne_json)


def cmd_numeroter(app: App, args) -> int:
    with app.transaction() as s:
        res = numerotation.numeroter(s, app.contexte(s), train=train_choisi(args))
    app.sortie(res, lambda: texte_numerotation(MANDATS, res))
    return 0


def cmd_imprimer(app: App, args) -> int:
    with app.transaction() as s:
        res = edition.imprimer_mandats(s, app.contexte(s), args.out, train=args.train,
                                       bordereau_id=args.bordereau)
    app.sortie(res, f"{res.mandats} mandat(s), {res.pages} page(s) : {res.chemin}")
    return 0


def cmd_annuler(app: App, args) -> int:
    return annuler(app, args, MANDATS, numerotation.annuler_mandat, mandats.detail_mandat, _ligne_json)


def cmd_bordereaux(app: App, args) -> int:
    with app.transaction() as s:
        lignes = numerotation.lister_bordereaux(s, app.contexte(s), type_piece=args.type)
    data = [{"id": b.id, "type": b.type, "type_bord": b.type_bord, "exercice": b.exercice,
             "numero": b.numero, "nb_pieces": b.nb_pieces, "montant": b.montant, "etat": b.etat,
             "date": b.date_emission, "train": b.train} for b in lignes]
    app.sortie(data, lambda: "\n".join(
        f"{b.id:>4}  {b.type:<6} {b.type_bord}  n° {b.numero:<5} {format_date(b.date_emission)} "
        f"{b.nb_pieces:>4} pièce(s) {format_eur(b.montant):>14}  {libelle_etat(b.etat)}" for b in lignes)
        or "Aucun bordereau.")
    return 0


def cmd_trains(app: App, args) -> int:
    with app.transaction() as s:
        lignes = trains.lister_trains(s, app.contexte(s))
    app.sortie(lignes, lambda: "\n".join(
        f"{t.nom:<15} {'attente' if t.attente else '':<8} {t.valides} validé(s), {t.brouillons} brouillon(s), "
        f"{format_eur(t.montant_a_numeroter)} à numéroter" for t in lignes))
    return 0


def cmd_train_create(app: App, args) -> int:
    with app.transaction() as s:
        t = trains.creer_train(s, app.contexte(s), args.nom, attente=args.attente)
    app.sortie(t, f"Train « {t.nom} » créé{' (attente)' if t.attente else ''}")
    return 0


def cmd_train_liberer(app: App, args) -> int:
    with app.transaction() as s:
        res = trains.liberer_train(s, app.contexte(s), args.nom, reference=args.reference, le=args.date)
    app.sortie(res, lambda: "\n".join(f"Train « {args.nom} » libéré : bordereau n° {b.numero}, "
                                      f"{b.nb_pieces} mandat(s), {format_eur(b.montant)}"
                                      for b in res.bordereaux))
    return 0


def cmd_engagements(app: App, args) -> int:
    with app.transaction() as s:
        lignes = engagements.lister_engagements(s, app.contexte(s))
    app.sortie(lignes, lambda: "\n".join(
        f"{e.numero:<15} {e.article:<7} {e.tiers[:25]:<25} {format_eur(e.montant):>12} "
        f"reste {format_eur(e.solde):>12}" for e in lignes) or "Aucun engagement.")
    return 0


def cmd_engagement_create(app: App, args) -> int:
    montant = parse_fr(args.montant)
    with app.transaction() as s:
        e = engagements.creer_engagement(s, app.contexte(s), numero=args.numero, article=args.article,
                                         montant=montant, objet=args.objet)
    app.sortie(e, f"Engagement {e.numero} créé ({format_eur(e.montant)})")
    return 0


def cmd_factures(app: App, args) -> int:
    with app.transaction() as s:
        lignes = registre.lister_registre(s, app.contexte(s))
    alertes = {"retard": "EN RETARD", "proche": "bientôt due", "suspendue": "suspendue", "": ""}
    app.sortie(lignes, lambda: "\n".join(
        f"{f.numero:<20} {f.tiers[:25]:<25} {format_eur(f.montant_net):>12} reçue {format_date(f.date_reception)}"
        f" échéance {format_date(f.echeance)} ({f.jours_restants} j) {alertes[f.alerte]}"
        + (f" intérêts {format_eur(f.interets)} + {format_eur(f.indemnite)}" if f.interets else "")
        for f in lignes) or "Aucune facture au registre.")
    return 0
