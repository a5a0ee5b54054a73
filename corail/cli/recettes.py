"""Command ``corail titres``: the Recettes module (titres de recettes, their numbering,
bordereaux de titres, printing, annulation, and Emettre titre from a pivot avoir)."""
from __future__ import annotations

import argparse
from dataclasses import asdict

from corail.cli.app import App
from corail.cli.pieces import (
    Genre, ajouter_list, ajouter_numeroter_imprimer_annuler, ajouter_show, ajouter_valider, annuler,
    commandes, identifiant, ligne_json, texte_ligne, texte_numerotation, train_choisi, valider,
)
from corail.errors import NotFound, ValidationError
from corail.money import format_eur, parse_fr
from corail.services import edition, titres, titres_emission
from corail.services.tiers import rechercher_tiers, trouver_par_siret
from corail.texte import plier


TITRES = Genre("Titre", "titres", "bordereau de titres", identifiant)


def register(sub: argparse._SubParsersAction) -> None:
    cmds = commandes(sub, "titres", "titres de recettes : saisie, validation, numérotation, impression")
    p = ajouter_list(cmds, TITRES, cmd_list)
    p.add_argument("--numero", type=identifiant)
    p.add_argument("--tiers", help="nom (ou partie du nom) ou SIRET du débiteur")
    ajouter_show(cmds, TITRES, cmd_show)
    p = cmds.add_parser("creer", help="créer un titre (brouillon) d'une imputation")
    p.add_argument("--tiers", required=True, help="débiteur : id, SIRET ou nom")
    p.add_argument("--objet", required=True)
    p.add_argument("--article", required=True, help="article de recette (ex. 70323)")
    p.add_argument("--montant", required=True, help="montant (TTC avec --taux-tva, sauf --ht)")
    p.add_argument("--taux-tva", help="titre avec TVA : taux en %% (20, 5,5)")
    p.add_argument("--ht", action="store_true", help="avec --taux-tva : le montant est HT")
    p.add_argument("--train")
    p.add_argument("--type-asap", choices=sorted(titres.TYPES_ASAP))
    p.add_argument("--code-produit")
    p.set_defaults(run=cmd_creer)
    ajouter_valider(cmds, TITRES, "valider des titres", cmd_valider)
    p = cmds.add_parser("supprimer", help="supprimer un titre brouillon")
    p.add_argument("id", type=identifiant)
    p.set_defaults(run=cmd_supprimer)
    ajouter_numeroter_imprimer_annuler(cmds, TITRES, numeroter=cmd_numeroter, imprimer=cmd_imprimer,
                                       annuler=cmd_annuler,
                                       aide_montant="réduction TTC (défaut : annulation du reste)")
    p = cmds.add_parser("emettre", help="Emettre titre : un titre depuis un avoir Chorus Pro (pivot)")
    p.add_argument("id", type=identifiant, help="id de l'avoir (pivot list)")
    p.add_argument("--article", help="article de recette (défaut : celui du budget)")
    p.add_argument("--train")
    p.set_defaults(run=cmd_emettre)


def _ligne_json(l: titres.TitreLigne) -> dict:
    return ligne_json(l, type_asap=l.type_asap, facture_demat_id=l.facture_demat_id,
                      titre_origine_id=l.piece_origine_id)


def cmd_list(app: App, args) -> int:
    with app.transaction() as s:
        lignes = titres.lister_titres(s, app.contexte(s), etat=args.etat, train=args.train,
                                      numero=args.numero, tiers=args.tiers)
    app.sortie([_ligne_json(l) for l in lignes],
               lambda: "\n".join(texte_ligne(l, l.etat_libelle) for l in lignes) or "Aucun titre.")
    return 0


def cmd_show(app: App, args) -> int:
    with app.transaction() as s:
        d = titres.detail_titre(s, app.contexte(s), args.id)
    data = {**_ligne_json(d.ligne), "date_emission": d.date_emission, "bordereau": d.bordereau,
            "montant_ht": d.montant_ht, "montant_tva": d.montant_tva, "saisie": asdict(d.saisie),
            "imputations": [asdict(i) for i in d.imputations], "pj": [p[1] for p in d.pj],
            "montant_du": d.montant_du, "a_corriger": list(d.avertissements)}

    def texte() -> str:
        sa = d.saisie
        out = [f"Titre {d.ligne.id} — n° {d.ligne.numero or '(non numéroté)'} — {d.ligne.etat_libelle}",
               f"Débiteur : {d.ligne.tiers}", f"Objet : {d.ligne.objet}", f"Train : {d.ligne.train}",
               f"Type de pièce : {sa.type_pce} {titres.TYPES_PCE.get(sa.type_pce, '')} — nature "
               f"{sa.nat_pce} {titres.NATURES_PCE.get(sa.nat_pce or '', '')}"]
        if sa.type_asap:
            out.append(f"Type ASAP : {sa.type_asap} {titres.TYPES_ASAP[sa.type_asap]}")
        out.append("Imputations :")
        for i in d.imputations:
            tva = (f"  HT {format_eur(i.montant_ht)}, TVA {_taux(i.taux_tva)} % {format_eur(i.montant_tva)}"
                   if i.taux_tva is not None else "")
            out.append(f"  {i.article:<8} {i.designation[:36]:<36} {format_eur(i.montant):>14}{tva}")
        out.append(f"Total : {format_eur(d.ligne.montant)}"
                   + (f" (HT {format_eur(d.montant_ht)}, TVA {format_eur(d.montant_tva)})"
                      if d.saisie.avec_tva else "")
                   + (f" — avoir : {format_eur(d.montant_du)}" if d.montant_du is not None else ""))
        out += [f"PJ : {p[1]}" for p in d.pj]
        out += [f"À corriger : {a}" for a in d.avertissements]
        return "\n".join(out)
    app.sortie(data, texte)
    return 0


def _taux(taux) -> str:
    return format(taux.normalize(), "f").replace(".", ",")


def _tiers(s, ctx, texte: str) -> int:
    """A débiteur by id, SIRET or name (one match only)."""
    brut = texte.strip()
    compact = "".join(brut.split())
    if compact.isdigit() and len(compact) == 14:
        trouve = trouver_par_siret(s, ctx, compact)
        if trouve is None:
            raise NotFound(f"Aucun tiers de SIRET {compact} dans la collectivité")
        return trouve.id
    if compact.isdigit():
        return int(compact)
    if len(brut) < 3:
        raise ValidationError(f"Débiteur « {brut} » : donnez son id, son SIRET ou au moins 3 lettres "
                              f"de son nom")
    cherche = plier(brut)
    candidats = [t for t in rechercher_tiers(s, ctx, brut, limite=50) if cherche in plier(t.nom)]
    exacts = [t for t in candidats if plier(t.nom) == cherche]
    if len(exacts) == 1 or len(candidats) == 1:
        return (exacts or candidats)[0].id
    if not candidats:
        raise NotFound(f"Aucun tiers « {brut} » dans la collectivité")
    raise ValidationError(f"Plusieurs tiers répondent à « {brut} » : précisez l'id ou le SIRET",
                          choix=[f"{t.id} {t.nom} {t.siret or ''}".strip() for t in candidats])


def cmd_creer(app: App, args) -> int:
    montant = parse_fr(args.montant)
    taux = titres.lire_taux(args.taux_tva) if args.taux_tva is not None else None
    if args.ht and taux is None:
        raise ValidationError("--ht ne s'emploie qu'avec --taux-tva")
    with app.transaction() as s:
        ctx = app.contexte(s)
        saisie = titres.TitreSaisie(
            tiers_id=_tiers(s, ctx, args.tiers), objet=args.objet, train=args.train,
            code_produit=args.code_produit, type_asap=args.type_asap, avec_tva=taux is not None,
            saisie_ttc=not args.ht,
            imputations=(titres.ImputationTitreSaisie(args.article, montant, taux),))
        d = titres.creer_titre(s, ctx, saisie)
    app.sortie(_ligne_json(d.ligne), f"Titre {d.ligne.id} créé (brouillon, {format_eur(d.ligne.montant)})"
               + "".join(f"\n  À corriger : {a}" for a in d.avertissements))
    return 0


def cmd_valider(app: App, args) -> int:
    return valider(app, args, TITRES, titres.valider_titre, _ligne_json)


def cmd_supprimer(app: App, args) -> int:
    with app.transaction() as s:
        titres.supprimer_titre(s, app.contexte(s), args.id)
    app.sortie({"id": args.id, "supprime": True}, f"Titre {args.id} supprimé")
    return 0


def cmd_numeroter(app: App, args) -> int:
    with app.transaction() as s:
        res = titres_emission.numeroter_titres(s, app.contexte(s), train=train_choisi(args))
    data = {"bordereaux": [{"id": b.id, "numero": b.numero, "type_bord": b.type_bord,
                            "nb_pieces": b.nb_pieces, "montant": b.montant,
                            "titres": [{"id": i, "numero": n} for i, n in b.pieces]}
                           for b in res.bordereaux],
            "ignores": [{"id": i, "raison": r} for i, r in res.ignores],
            "avertissements": list(res.avertissements)}
    app.sortie(data, lambda: texte_numerotation(TITRES, res))
    return 0


def cmd_imprimer(app: App, args) -> int:
    with app.transaction() as s:
        res = edition.imprimer_titres(s, app.contexte(s), args.out, train=args.train,
                                      bordereau_id=args.bordereau)
    app.sortie(res, f"{res.titres} titre(s), {res.pages} page(s) : {res.chemin}"
               + "".join(f"\nBordereau : {b}" for b in res.bordereaux))
    return 0


def cmd_annuler(app: App, args) -> int:
    return annuler(app, args, TITRES, titres_emission.annuler_titre, titres.detail_titre, _ligne_json)


def cmd_emettre(app: App, args) -> int:
    with app.transaction() as s:
        res = titres_emission.emettre_titre(s, app.contexte(s), args.id, article=args.article,
                                            train=args.train)
    ligne = res.titre.ligne
    app.sortie({**_ligne_json(ligne), "avertissements": list(res.avertissements)},
               f"Avoir {args.id} : titre {ligne.id} émis (brouillon, {format_eur(ligne.montant)}, "
               f"débiteur {ligne.tiers})" + "".join(f"\n  ⚠ {a}" for a in res.avertissements))
    return 0

