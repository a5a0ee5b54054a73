"""Import of the ASAP of a titre produced by a billing program (a PES_Facture file).

The file is checked as a whole before anything is written: an ASAP (TypeFact 09) that follows
the schema's ASAP rules, referencing this titre (RefTitre: exercice, bordereau and titre numbers —
so the titre must be numbered), with the titre's total, for the titre's debtor (matched on its
SIRET or identifier when the file gives one, else on its name), and a debtor the titre's Type
ASAP PES allows. The file itself becomes the titre's PES_Facture PJ, unchanged; its header and
lines are copied into ``asap_facture`` / ``asap_ligne`` for the screens and the printed avis.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Tiers
from corail.db.models.asap import IMPORT, AsapFacture, AsapLigne
from corail.domain.etats import Etape
from corail.domain.roles import MODIFICATION, RECETTES
from corail.errors import ValidationError
from corail.formats.pes_facture import FactureAsap, PESFactureRefusee, anomalies, lire
from corail.formats.pes_facture_lecture import TAILLE_MAX
from corail.money import format_eur, to_money
from corail.services.asap import (
    AsapDetail,
    _asap,
    _attacher,
    _comparer_totaux,
    _retirer,
    _titre_modifiable,
    detail,
)
from corail.services.asap_regles import (
    ExigencesChorus,
    controler_debiteur,
    lire_exigences,
    normaliser_nom,
    references,
    type_asap_du_titre,
    verifier_parametrage,
)
from corail.services.etapes import ajouter_etape
from corail.services.habilitations import exiger
from corail.services.titres import nom_titre


def lire_fichier(chemin: Path) -> bytes:
    chemin = Path(chemin)
    if not chemin.is_file():
        raise ValidationError(f"Fichier « {chemin} » introuvable")
    if chemin.stat().st_size > TAILLE_MAX:
        raise PESFactureRefusee(f"{chemin.name} : fichier trop volumineux pour une PES Facture ASAP "
                                f"({chemin.stat().st_size // 1024} Ko, "
                                f"{TAILLE_MAX // 1024 // 1024} Mo au plus)")
    try:
        return chemin.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Fichier « {chemin} » illisible : {exc.strerror}") from None


def _chiffres(texte: str | None) -> str:
    return "".join(c for c in (texte or "") if c.isalnum()).upper()


def debiteur_concorde(f: FactureAsap, tiers: Tiers) -> str | None:
    """Why the file's debtor is not the titre's tiers (None: it is)."""
    d = f.debiteur
    if d.id_tiers:
        connus = {_chiffres(tiers.siret), _chiffres(tiers.identifiant)} - {""}
        if _chiffres(d.id_tiers) in connus:
            return None
        return (f"débiteur du fichier « {d.nom} » (identifiant {d.id_tiers}) différent du débiteur "
                f"du titre « {tiers.nom} » ({'SIRET ' + tiers.siret if tiers.siret else 'sans SIRET'})")
    fichier = {normaliser_nom(f"{d.nom} {d.compl_nom}"), normaliser_nom(f"{d.nom} {d.compl_nom} {d.prenom}"),
               normaliser_nom(d.nom)}
    corail = {normaliser_nom(tiers.nom), normaliser_nom(f"{tiers.nom} {tiers.prenom or ''}")}
    if fichier & corail:
        return None
    return (f"débiteur du fichier « {' '.join(x for x in (d.nom, d.compl_nom, d.prenom) if x)} » "
            f"différent du débiteur du titre « {tiers.nom} » (nom différent, et pas d'identifiant "
            f"IdTiers dans le fichier)")


def importer_asap(session: Session, ctx: Context, titre_id: int, chemin: Path | str, *,
                  code_service: str | None = None, numero_engagement: str | None = None) -> AsapDetail:
    """Attach a PES_Facture ASAP produced elsewhere to the titre (replacing its ASAP)."""
    exiger(session, ctx, RECETTES, MODIFICATION, "importer une facture ASAP")
    chemin = Path(chemin)
    piece = _titre_modifiable(session, ctx, titre_id)
    type_asap = type_asap_du_titre(piece)
    verifier_parametrage(session, ctx)
    contenu = lire_fichier(chemin)
    nom = chemin.name
    f = lire(contenu, nom)
    if f.type_fact != "09":
        raise PESFactureRefusee(f"{nom} : TypeFact « {f.type_fact or 'absent'} » — une facture ASAP "
                                f"est de type 09 (avis des sommes à payer)")
    problemes = anomalies(f)
    if problemes:
        raise PESFactureRefusee(f"{nom} : ce n'est pas une PES Facture ASAP valide :", choix=problemes)
    exercice, bordereau, numero = references(session, piece)
    if not (bordereau and numero):
        raise ValidationError(f"{nom} : {nom_titre(piece)} n'est pas encore numéroté ; la PES Facture "
                              f"référence le numéro du titre et de son bordereau (RefTitre) : "
                              f"numérotez d'abord le titre")
    if (f.exercice_titre, f.num_bordereau, f.num_titre) != (exercice, bordereau, numero):
        raise ValidationError(
            f"{nom} : RefTitre (exercice {f.exercice_titre}, bordereau {f.num_bordereau}, titre "
            f"{f.num_titre}) ne désigne pas le titre n° {numero} du bordereau {bordereau} "
            f"(exercice {exercice})")
    _comparer_totaux(piece, f.total_ht, f.total_ttc, ou=nom)
    tiers = session.get(Tiers, piece.tiers_id) if piece.tiers_id else None
    if tiers is None:
        raise ValidationError(f"{nom_titre(piece)} : pas de débiteur")
    raison = debiteur_concorde(f, tiers)
    if raison:
        raise ValidationError(f"{nom} : {raison}")
    exigences = lire_exigences(session, ctx, tiers.id) if tiers else ExigencesChorus()
    code_service = (code_service or "").strip() or None
    numero_engagement = (numero_engagement or "").strip() or None
    raisons = controler_debiteur(tiers, type_asap, code_service=code_service,
                                 numero_engagement=numero_engagement, exigences=exigences)
    if raisons:
        raise ValidationError(f"{nom_titre(piece)} : ASAP {type_asap} impossible :", choix=raisons)
    ancien = _asap(session, piece.id)
    if ancien is not None:
        _retirer(session, ancien)
    asap = AsapFacture(
        piece_id=piece.id, origine=IMPORT, type_asap=type_asap, date_facture=f.date,
        date_emission=f.date_emission, numero_facture=f.numero_facture[:50], objet=f.objet[:160],
        montant_ht=to_money(f.total_ht), montant_tva=to_money(f.total_tva),
        montant_ttc=to_money(f.total_ttc), signataire_nom=f.signataire_nom[:38],
        signataire_prenom=f.signataire_prenom[:38], signataire_fonction=f.signataire_role[:50],
        mode_recouvrement=f.mode_recouvrement,
        code_service=code_service or exigences.code_service or None,
        numero_engagement=numero_engagement, talon_ligne1=f.talon[0], talon_ligne2=f.talon[1],
        notes=f"Importée de « {nom} »", cree_le=ctx.now(), cree_par=ctx.utilisateur,
        lignes=[AsapLigne(ordre=l.ordre, libelle=l.libelle[:200], date_prestation=l.date,
                          quantite=l.quantite, prix_unitaire_ht=to_money(l.prix_unitaire_ht),
                          taux_tva=l.taux_tva, montant_ht=to_money(l.montant_ht),
                          montant_tva=to_money(l.montant_tva), montant_ttc=to_money(l.montant_ttc))
                for l in sorted(f.lignes, key=lambda x: x.ordre)])
    session.add(asap)
    session.flush()
    _attacher(session, ctx, piece, asap, contenu, nom_origine=nom)
    ajouter_etape(session, ctx, Etape.FACTURE_ASAP, piece_id=piece.id,
                  facture_demat_id=piece.facture_demat_id,
                  complement=f"ASAP {type_asap} importée de « {nom} » ({format_eur(f.total_ttc)} TTC)"
                  + (" en remplacement de la précédente" if ancien is not None else ""))
    session.flush()
    return detail(session, piece, asap)
