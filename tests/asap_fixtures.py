"""Builders shared by the ASAP tests: a complete paramétrage, a public debtor, a titre with a
Type ASAP PES (through the titres services), and a PES_Facture file as a billing program
would write it (built by Corail's own builder, then altered where a test needs it)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from lxml import etree

from corail.formats.pes_facture import (
    CENTRE_ENCAISSEMENT,
    Adresse,
    FactureAsap,
    LigneAsap,
    TiersFacture,
    construire,
    talon_optique,
)
from corail.services.asap import LigneSaisie
from corail.services.reglages_demat import AsapReglage, enregistrer_asap
from corail.services.tiers import TiersSaisie, creer_tiers
from corail.services.titres import (
    ImputationTitreSaisie,
    TitreSaisie,
    creer_titre,
    valider_titre,
)
from corail.services.titres_emission import numeroter_titres

SIRET_DEBITEUR = "24330001900011"  # a valid SIRET (stdnum), not a real structure's
REGLAGE = AsapReglage(
    collectivite="COMMUNE TEST", adresse1="1 place de la Mairie", code_postal="31000",
    ville="Toulouse", telephone="05 61 00 00 00", horaires_ouverture="Lundi-vendredi 8h30-12h 14h-17h",
    categorie="23", nature_juridique="09", signataire_par_defaut=True, signataire_nom="DURAND",
    signataire_prenom="Claire", signataire_fonction="Maire", tresorerie_nom="SGC de Toulouse",
    tresorerie_adresse1="12 rue des Finances", tresorerie_code_postal="31000",
    tresorerie_ville="Toulouse", tresorerie_telephone="05 61 11 11 11",
    modalites_reglement="Prélèvement : démarche non prévue par la collectivité",
    modalites_contestation="Dans les deux mois, devant le tribunal judiciaire ou administratif "
                           "compétent selon la nature de la créance",
    mode_recouvrement="talon", ref_bdf="123456")
LIGNES = [LigneSaisie("Location de la salle des fêtes", Decimal("2"), Decimal("150.00"), Decimal("20")),
          LigneSaisie("Ménage après location", Decimal("1.5"), Decimal("33.33"), Decimal("20"))]
# 2 × 150,00 = 300,00 HT + 60,00 TVA ; 1,5 × 33,33 = 49,995 → 50,00 HT + 10,00 TVA
TOTAL_TTC = Decimal("420.00")


def parametrer(session, ctx, **kw) -> AsapReglage:
    return enregistrer_asap(session, ctx, replace(REGLAGE, **kw))


def debiteur_public(session, ctx, **kw) -> int:
    champs = dict(type_identifiant="01", identifiant=SIRET_DEBITEUR, cat_tiers="24", nat_jur="09",
                  adresse1="2 avenue de la République", code_postal="33000", ville="Bordeaux")
    champs.update(kw)
    return creer_tiers(session, ctx, TiersSaisie(nom=kw.pop("nom", "Communauté de communes du Val"),
                                                 **{k: v for k, v in champs.items() if k != "nom"})).id


def titre_asap(session, ctx, tiers_id, montant=TOTAL_TTC, *, type_asap="02", numeroter=True,
               avec_tva=False, saisie_ttc=True, taux=None) -> int:
    saisie = TitreSaisie(tiers_id=tiers_id, objet="Location de la salle des fêtes",
                         imputations=(ImputationTitreSaisie("70323", Decimal(montant), taux),),
                         type_asap=type_asap, avec_tva=avec_tva, saisie_ttc=saisie_ttc)
    titre = creer_titre(session, ctx, saisie).ligne.id
    if numeroter:
        valider_titre(session, ctx, titre)
        numeroter_titres(session, ctx)
    return titre


def facture_externe(exercice: int, bordereau: int, titre: int, *, total=TOTAL_TTC,
                    debiteur_nom="COMMUNAUTE DE COMMUNES DU VAL", id_tiers="") -> FactureAsap:
    """An ASAP as a billing program would produce it for the titre (one line, 20 % VAT)."""
    ht = (total / Decimal("1.2")).quantize(Decimal("0.01"))
    tva = total - ht
    emission = date(2026, 10, 15)
    adresse = Adresse(adr2="1 PLACE DE LA MAIRIE", cp="31000", ville="TOULOUSE")
    return FactureAsap(
        annee=exercice, date=emission,
        emetteur=TiersFacture(nom="COMMUNE TEST", typ_tiers="20", cat_tiers="23", nat_jur="09",
                              adresse=adresse, horaires="8h30-12h"),
        ref_bdf="123456", signataire_nom="DURAND", signataire_prenom="Claire", signataire_role="Maire",
        centre_encaissement=CENTRE_ENCAISSEMENT,
        tresorerie=TiersFacture(nom="SGC DE TOULOUSE", typ_tiers="26", cat_tiers="20", nat_jur="07",
                                adresse=Adresse(adr2="12 RUE DES FINANCES", cp="31000", ville="TOULOUSE")),
        date_emission=emission, numero_facture="FLUO-2026-0042",
        debiteur=TiersFacture(nom=debiteur_nom, typ_tiers="01", cat_tiers="24", nat_jur="09",
                              id_tiers=id_tiers, nat_id_tiers="01" if id_tiers else "",
                              adresse=Adresse(adr2="2 AVENUE DE LA REPUBLIQUE", cp="33000",
                                              ville="BORDEAUX")),
        objet="Redevance d'occupation du domaine public",
        lignes=(LigneAsap(1, "Occupation du domaine public, octobre", Decimal("1"), ht, Decimal("20"),
                          ht, tva, total, emission),),
        total_ht=ht, total_tva=tva, total_ttc=total, exercice_titre=exercice,
        num_bordereau=bordereau, num_titre=titre,
        talon=talon_optique("123456", exercice, bordereau, titre, total, emission),
        modalites_reglement="Prendre contact avec le service financier",
        modalites_contestation="Tribunal administratif de Toulouse, dans les deux mois",
        mode_recouvrement="talon", conditions_generales="Titre exécutoire")


def xml_externe(f: FactureAsap, **changements: str) -> bytes:
    """The file of ``f``; ``changements``: {"chemin/Element": "nouvelle valeur V"}."""
    racine = etree.fromstring(construire(f))
    for chemin, valeur in changements.items():
        racine.find(chemin).set("V", valeur)
    return etree.tostring(racine, xml_declaration=True, encoding="ISO-8859-1")

