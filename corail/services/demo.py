"""``corail demo``: a believable commune to try Corail on.

Commune de Saint-Aubin-sur-Corail: a budget principal and a budget annexe *Eau
et assainissement* (assujetti à la TVA) sharing one SIRET, told apart by their
Chorus Pro service codes; tiers with bank accounts; engagements; two flux pivots
already read (one invoice in anomalie, one rejected, one direct debit); mandats
at several stages (brouillon, validé, numéroté in a bordereau, transmis).
Nothing happens when the demo is already there.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Clock, Context
from corail.db.models import (
    Budget, Collectivite, CompteBancaire, Engagement, FactureDemat, Flux,
    Operation, Piece, Service, Tiers,
)
from corail.domain.identifiants import rib_vers_iban
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.collectivites import ajouter_budget, initialiser_collectivite
from corail.services.mandatement import facturer, mandater
from corail.services.mandats import valider_mandat
from corail.services.numerotation import numeroter
from corail.services.pes import exporter_pes
from corail.services.nomenclature import marquer_utilise
from corail.services.pivot_import import importer_fichier
from corail.services.rejets import rejeter
from corail.services.utilisateurs_demo import peupler_utilisateurs

DEMO_NOM = "Commune de Saint-Aubin-sur-Corail"
DEMO_SIRET = "21450123100010"
DEMO_CODE_COL = "045"

FOURNISSEURS = [
    # siret, raison sociale, RIB, ville
    ("31245678300017", "Quincaillerie Martin SARL", "30004 00825 00012345678 86", "45000 Orléans"),
    ("44789123500023", "EDF Collectivités", "30003 03620 00020123456 73", "75012 Paris"),
    ("55213467800010", "Papeterie du Centre", "10278 37200 00012345601 37", "41000 Blois"),
    ("39876543800013", "Orange Business Services", "30002 00550 00001234567 83", "75015 Paris"),
    ("44123789800016", "Bâtiments Loiret Rénovation", "14505 00001 08001234567 23", "45160 Olivet"),
    ("77556123600016", "Société des Eaux du Val", "20041 01005 05000123456 94", "37000 Tours"),
]
ARTICLES_UTILISES = ("60611", "60612", "60622", "60632", "6064", "615221", "6156", "6231",
                     "6262", "6281", "2183", "2184", "2188", "70323", "7067", "74121")


@dataclass(frozen=True)
class DemoResultat:
    collectivite_id: int
    budget_ids: tuple[int, ...]
    exercice: int
    factures: int
    mandats: int
    cree: bool


def _tiers(session: Session, ctx: Context) -> dict[str, Tiers]:
    out = {}
    for siret, nom, rib, commune in FOURNISSEURS:
        code_postal, _, ville = commune.partition(" ")
        t = Tiers(collectivite_id=ctx.collectivite_id, nom=nom, type_identifiant="01",
                  identifiant=siret, siret=siret, cat_tiers="60", nat_jur="03",
                  adresse1="12 rue de la République", code_postal=code_postal, ville=ville,
                  code_pays="FR", cree_le=ctx.now())
        t.comptes.append(CompteBancaire(iban=rib_vers_iban(rib), titulaire=nom, iban_valide=True,
                                        principal=True, origine="rib", cree_le=ctx.now(),
                                        cree_par=ctx.utilisateur, date_debut=ctx.today()))
        session.add(t)
        out[siret] = t
    session.flush()
    return out


def _factures(annee: int, today: date) -> tuple[list, list]:
    """Two flux of invoices for the demo commune (some for the budget annexe)."""
    f1_day = min(today, date(annee, 12, 31)) - timedelta(days=24)
    f2_day = f1_day + timedelta(days=17)
    mairie = dict(siret_debiteur=DEMO_SIRET, debiteur_nom=DEMO_NOM, code_service="MAIRIE",
                  nom_service="Mairie - Comptabilité")
    eau = dict(siret_debiteur=DEMO_SIRET, debiteur_nom=DEMO_NOM, code_service="EAU",
               nom_service="Service de l'eau")

    def f(num, four, ht, taux, day, **kw):
        siret, raison, rib, _ = FOURNISSEURS[four]
        params = {**mairie, **kw}
        return exemple_facture(num, fournisseur=(siret, raison), montant_ht=ht, taux_tva=taux,
                               date_reception=day, iban=rib_vers_iban(rib), **params)

    flux1 = [
        f("QM-2026-0412", 0, "1249.17", "20", f1_day, lignes=3, numero_engagement="ENG-2026-014"),
        f("PAP-88213", 2, "386.40", "20", f1_day, avec_pj_complementaire=True),
        f("BLR-F-1093", 4, "14820.00", "20", f1_day, numero_marche="MAPA-2026-03",
          avec_pj_complementaire=True),
        f("QM-2026-0431", 0, "96.50", "20", f1_day),
        f("PAP-88305", 2, "57.08", "5.5", f1_day),
        f("PAP-87990", 2, "182.40", "20", f1_day - timedelta(days=21)),  # late: the register shows it
    ]
    flux2 = [
        f("EDF-100245871", 1, "2731.18", "20", f2_day, mode_paiement="49"),
        f("OBS-2026-77812", 3, "412.92", "20", f2_day, numero_engagement="ENG-2026-021"),
        f("SEV-2026-118", 5, "3120.00", "5.5", f2_day, **eau),
        f("SEV-2026-119", 5, "845.20", "10", f2_day, **{**eau, "code_service": "VOIRIE"}),
        f("QM-2026-0470", 0, "312.00", "20", f2_day, avoir=True, facture_origine="QM-2026-0412"),
    ]
    return flux1, flux2


def _lire(session: Session, ctx: Context, factures: list, id_flx: str, dossier: Path,
          nom: str) -> None:
    """Write the flux where Chorus Pro downloads would land, then read it like a user does."""
    dossier.mkdir(parents=True, exist_ok=True)
    chemin = dossier / nom
    chemin.write_bytes(build_pivot(exemple_flux(*factures, id_flx=id_flx)))
    importer_fichier(session, ctx, chemin)


def creer_demo(session: Session, clock: Clock, utilisateur: str, *, exercice: int | None = None,
               dossier_flux: Path | None = None) -> DemoResultat:
    existante = session.scalars(select(Collectivite).where(Collectivite.siret == DEMO_SIRET)).first()
    if existante is not None:
        budgets = tuple(b.id for b in existante.budgets)
        return DemoResultat(existante.id, budgets, exercice or clock.today().year, 0, 0, False)
    init = initialiser_collectivite(
        session, clock, utilisateur, nom=DEMO_NOM, siret=DEMO_SIRET, code_col=DEMO_CODE_COL,
        code_bud="01", poste="045000", exercice=exercice, services_chorus=("MAIRIE",))
    ctx = Context(init.collectivite_id, init.budget_id, init.exercice, utilisateur, clock)
    coll = session.get(Collectivite, init.collectivite_id)
    coll.adresse1, coll.code_postal, coll.ville = "1 place de la Mairie", "45100", "Saint-Aubin-sur-Corail"
    coll.categorie, coll.email = "Commune", "comptabilite@saint-aubin-sur-corail.fr"
    coll.repertoire_flux = str(dossier_flux) if dossier_flux else None
    coll.poste_comptable.nom = "Service de gestion comptable d'Orléans"
    coll.poste_comptable.ville = "Orléans"
    principal = session.get(Budget, init.budget_id)
    annexe = ajouter_budget(session, ctx, libelle="Eau et assainissement", code_bud="02",
                            assujetti_tva=True, services_chorus=("EAU",))
    for code in ARTICLES_UTILISES:
        marquer_utilise(session, ctx, code)
    session.add_all([
        Operation(budget_id=principal.id, code="101", libelle="Rénovation de l'école Jules-Ferry"),
        Operation(budget_id=principal.id, code="102", libelle="Aménagement du parc municipal"),
        Service(budget_id=principal.id, code="TECH", libelle="Services techniques"),
        Service(budget_id=principal.id, code="ADM", libelle="Administration générale"),
        Service(budget_id=principal.id, code="ECOLE", libelle="Affaires scolaires"),
    ])
    tiers = _tiers(session, ctx)
    session.add_all([
        Engagement(budget_id=principal.id, annee=ctx.exercice, numero="ENG-2026-014",
                   tiers_id=tiers["31245678300017"].id, article="60632",
                   objet="Petit équipement services techniques", montant=Decimal("5000.00"),
                   date_engagement=date(ctx.exercice, 2, 3)),
        Engagement(budget_id=principal.id, annee=ctx.exercice, numero="ENG-2026-021",
                   tiers_id=tiers["39876543800013"].id, article="6262",
                   objet="Téléphonie et accès internet", montant=Decimal("6000.00"),
                   date_engagement=date(ctx.exercice, 1, 15)),
    ])
    flux1, flux2 = _factures(ctx.exercice, clock.today())
    with tempfile.TemporaryDirectory() as temp:
        dossier = dossier_flux or Path(temp)
        _lire(session, ctx, flux1, "CPP0020036000000000010001", dossier, "flux_pivot_1.xml")
        _lire(session, ctx, flux2, "CPP0020036000000000010002", dossier, "flux_pivot_2.xml")
    if dossier_flux is not None:  # downloaded but not read yet: Suivi démat lists it
        flux3 = exemple_flux(exemple_facture("PAP-88377", fournisseur=FOURNISSEURS[2][:2],
                                             montant_ht="64.90", siret_debiteur=DEMO_SIRET,
                                             code_service="MAIRIE", debiteur_nom=DEMO_NOM,
                                             date_reception=clock.today()),
                             id_flx="CPP0020036000000000010003")
        (dossier_flux / "flux_pivot_3.xml").write_bytes(build_pivot(flux3))
    factures = {fd.numero: fd for fd in session.scalars(
        select(FactureDemat).join(Flux).where(Flux.collectivite_id == init.collectivite_id))}
    transfert = dossier_flux.parent / "pes-demo" if dossier_flux is not None else None
    coll.repertoire_transfert = str(transfert) if transfert is not None else None
    mandats = _avancer(session, ctx, annexe, factures, transfert)
    _recettes(session, ctx)
    peupler_utilisateurs(session, ctx)
    return DemoResultat(init.collectivite_id, (principal.id, annexe.id), ctx.exercice,
                        len(factures), mandats, True)


def _avancer(session: Session, ctx: Context, annexe: Budget,
             factures: dict[str, FactureDemat], transfert: Path | None = None) -> int:
    """Mandats at several stages, through the real services: Mandater, Valider, Numéroter."""
    def m(numero: str, article: str, contexte: Context = ctx, valider: bool = True) -> Piece:
        (traitee,) = mandater(session, contexte, [factures[numero].id], article=article).traitees
        if valider:
            valider_mandat(session, contexte, traitee.piece_id)
        return session.get(Piece, traitee.piece_id)

    m("QM-2026-0412", "60632"), m("PAP-88213", "6064")  # numbered, then sent
    (premier,) = numeroter(session, ctx, train="Normal").bordereaux
    # its PES Aller, written into the répertoire de transfert (a temporary folder without one)
    with tempfile.TemporaryDirectory() as temp:
        exporter_pes(session, ctx, [premier.id], transfert or Path(temp))
    m("BLR-F-1093", "615221")
    numeroter(session, ctx, train="Normal")
    m("OBS-2026-77812", "6262")
    m("EDF-100245871", "60612", valider=False)  # débit d'office: waits in the train d'attente
    m("SEV-2026-118", "60611", replace(ctx, budget_id=annexe.id))
    rejeter(session, ctx, factures["PAP-88305"].id, motif="Prestation non commandée")
    # in the Dépenses register, waiting for their mandat (one of them past its délai de paiement)
    facturer(session, ctx, [factures["QM-2026-0431"].id, factures["PAP-87990"].id])
    session.flush()
    return 6


DEBITEURS = [
    # nom, SIRET, CatTiers, NatJur, adresse, commune
    ("SARL Le Bistrot de la Place", "55210055400013", "60", "03", "4 place de la Mairie",
     "45100 Saint-Aubin-sur-Corail"),
    ("Communauté de communes des Loges", "24450056700007", "24", "02", "2 rue du Général de Gaulle",
     "45150 Jargeau"),
    ("Association Les Amis du Patrimoine", "", "60", "03", "7 rue des Tilleuls",
     "45100 Saint-Aubin-sur-Corail"),
]


def _recettes(session: Session, ctx: Context) -> None:
    """Titres de recettes through the real services: two numbered on a bordereau de titres,
    an ASAP 02 (a public debtor with a SIRET) validated, a draft; the avoir QM-2026-0470 of
    the second flux waits for *Emettre titre*."""
    from corail.services.tiers import TiersSaisie, creer_tiers
    from corail.services.titres import ImputationTitreSaisie, TitreSaisie, creer_titre, valider_titre
    from corail.services.titres_emission import numeroter_titres

    debiteurs = []
    for nom, siret, cat, nat_jur, adresse, commune in DEBITEURS:
        code_postal, _, ville = commune.partition(" ")
        debiteurs.append(creer_tiers(session, ctx, TiersSaisie(
            nom=nom, type_identifiant="01" if siret else "", identifiant=siret, cat_tiers=cat,
            nat_jur=nat_jur, adresse1=adresse, code_postal=code_postal, ville=ville)).id)
    bistrot, loges, association = debiteurs
    for code in ("752", "7084", "758"):
        marquer_utilise(session, ctx, code)

    def titre(tiers: int, objet: str, *lignes: tuple[str, str], valider: bool = True, **kw) -> int:
        t = creer_titre(session, ctx, TitreSaisie(tiers, tuple(
            ImputationTitreSaisie(article, Decimal(montant)) for article, montant in lignes),
            objet=objet, **kw))
        if valider:
            valider_titre(session, ctx, t.ligne.id)
        return t.ligne.id

    titre(bistrot, "Occupation du domaine public : terrasse, saison estivale", ("70323", "1380.00"),
          code_produit="ODP", pieces_justificatives="Arrêté municipal n° 2026-118")
    titre(association, "Location de la salle polyvalente le 12/09/2026", ("752", "450.00"),
          pieces_justificatives="Convention de mise à disposition")
    numeroter_titres(session, ctx, train="Normal")
    asap = titre(loges, "Mise à disposition d'un agent technique, 3e trimestre", ("7084", "6240.00"),
                 type_asap="02", pieces_justificatives="Convention de mise à disposition du 02/01/2026")
    _asap(session, ctx, asap)
    titre(association, "Remboursement de frais de nettoyage après manifestation", ("70878", "86.40"),
          valider=False)


def _asap(session: Session, ctx: Context, titre_id: int) -> None:
    """The PES Facture ASAP paramétrage (Récup. paramétrage, then what Corail cannot know) and the
    ASAP invoice of the titre, entered: its PES_Facture is built when the titre is numbered."""
    from dataclasses import replace

    from corail.services.asap import LigneSaisie, saisir_asap
    from corail.services.reglages_demat import AsapReglage, asap_depuis_corail, enregistrer_asap

    reglage = replace(
        asap_depuis_corail(session, ctx, AsapReglage()), telephone="02 38 00 00 00",
        horaires_ouverture="Lundi-vendredi 8h30-12h, 13h30-17h", signataire_nom="LEFÈVRE",
        signataire_prenom="Anne", signataire_fonction="Maire", tresorerie_adresse1="4 place du Martroi",
        tresorerie_code_postal="45000", tresorerie_telephone="02 38 11 11 11",
        modalites_reglement="Par virement au Trésor public (références du talon) ou en numéraire "
                            "auprès d'un buraliste agréé",
        modalites_contestation="Dans les deux mois suivant la réception, devant la juridiction "
                               "compétente selon la nature de la créance (art. L. 1617-5 du CGCT)",
        ref_bdf="045001")
    enregistrer_asap(session, ctx, reglage)
    saisir_asap(session, ctx, titre_id, [
        LigneSaisie("Mise à disposition d'un agent technique, juillet et août", Decimal("2"),
                    Decimal("1300.00"), Decimal("20")),
        LigneSaisie("Mise à disposition d'un agent technique, septembre", Decimal("1"),
                    Decimal("2600.00"), Decimal("20"))])
