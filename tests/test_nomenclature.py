"""Nomenclature services (every engine): chapitres and fonctions read from the database, and
the budget's opérations and services — checks, one code per budget, deactivated (never
deleted) once an imputation uses them."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from corail.context import Context
from corail.db.models import Budget, Chapitre, Fonction, Imputation, Operation, Piece, Service
from corail.errors import NotFound, ValidationError
from corail.nomenclature_data import load_chapitres, load_fonctions
from corail.services.collectivites import ajouter_budget
from corail.services.nomenclature import (
    ChapitreLigne, FonctionLigne, OperationLigne, ServiceLigne, creer_operation, creer_service,
    desactiver_operation, desactiver_service, lister_chapitres, lister_fonctions,
    lister_operations, lister_services, marquer_utilise, modifier_operation, modifier_service,
    reactiver_operation, reactiver_service, supprimer_operation, supprimer_service,
)

OPERATIONS = (creer_operation, modifier_operation, desactiver_operation, reactiver_operation,
              supprimer_operation, lister_operations)
SERVICES = (creer_service, modifier_service, desactiver_service, reactiver_service,
            supprimer_service, lister_services)


def _annexe(session, ctx) -> Context:
    budget = ajouter_budget(session, ctx, libelle="Eau", code_bud="02")
    return Context(ctx.collectivite_id, budget.id, ctx.exercice, ctx.utilisateur, ctx.clock)


def _imputer(session, ctx, **axes) -> None:
    """One mandat with one imputation on the given ``operation_id`` / ``service_id``."""
    piece = Piece(type_piece="mandat", budget_id=ctx.budget_id, annee=ctx.exercice,
                  cree_le=ctx.now(), cree_par=ctx.utilisateur)
    piece.imputations.append(Imputation(article="2313", montant=Decimal("100.00"), **axes))
    session.add(piece)
    session.flush()


# --- chapitres and fonctions ------------------------------------------------------------------

def test_chapitres_de_la_base(session, ctx):
    chapitres = lister_chapitres(session, ctx)
    assert [c.code for c in chapitres] == sorted(c.code for c in load_chapitres("M57"))
    c011 = next(c for c in chapitres if c.code == "011")
    assert isinstance(c011, ChapitreLigne)
    assert (c011.libelle, c011.section, c011.utilises) == \
        ("Charges à caractère général", "F", 0)
    assert c011.articles > 10
    marquer_utilise(session, ctx, "60632")
    marquer_utilise(session, ctx, "6064")
    assert next(c for c in lister_chapitres(session, ctx) if c.code == "011").utilises == 2
    # what the database holds, not the CSV: a label corrected in the database shows
    session.scalars(select(Chapitre).where(Chapitre.code == "011")).one().libelle = "Corrigé"
    session.flush()
    assert next(c for c in lister_chapitres(session, ctx) if c.code == "011").libelle == "Corrigé"


def test_fonctions_de_la_base_et_recherche(session, ctx):
    fonctions = lister_fonctions(session, ctx)
    assert len(fonctions) == len(load_fonctions("M57"))
    assert all(isinstance(f, FonctionLigne) for f in fonctions)
    assert [f.code for f in fonctions] == sorted(f.code for f in fonctions)
    ecoles = lister_fonctions(session, ctx, "ENSEIGNEMENT")
    assert ecoles and all("enseignement" in f.libelle.lower() for f in ecoles)
    assert lister_fonctions(session, ctx, "securite")  # accents ignored: « Sécurité »
    premiers = lister_fonctions(session, ctx, "2")
    assert premiers and all(f.code.startswith("2") or "2" in f.libelle for f in premiers)
    assert lister_fonctions(session, ctx, "zzz") == []


def test_autre_nomenclature_rien_de_la_m57(session, ctx):
    session.add(Fonction(nomenclature="M14", code="0", libelle="Services généraux", niveau=1))
    session.flush()
    autre = _annexe(session, ctx)
    session.get(Budget, autre.budget_id).nomenclature = "M14"
    session.flush()
    assert lister_chapitres(session, autre) == []
    assert [f.libelle for f in lister_fonctions(session, autre)] == ["Services généraux"]


# --- opérations and services ------------------------------------------------------------------

@pytest.fixture(params=["operation", "service"])
def axe(request):
    return OPERATIONS if request.param == "operation" else SERVICES


def test_creer_modifier_lister(session, ctx, axe):
    creer, modifier, _des, _rea, _sup, lister = axe
    b = creer(session, ctx, " 102 ", "  Aménagement   du parc ")
    a = creer(session, ctx, "101", "École Jules-Ferry")
    assert isinstance(a, OperationLigne if axe is OPERATIONS else ServiceLigne)
    assert (b.code, b.libelle, b.actif, b.imputations) == ("102", "Aménagement du parc", True, 0)
    assert [x.code for x in lister(session, ctx)] == ["101", "102"]
    a2 = modifier(session, ctx, a.id, "101A", "Rénovation de l'école Jules-Ferry")
    assert (a2.id, a2.code, a2.libelle) == (a.id, "101A", "Rénovation de l'école Jules-Ferry")
    assert lister(session, ctx)[0] == a2
    # another budget has its own list, and may reuse the codes
    autre = _annexe(session, ctx)
    assert lister(session, autre) == []
    assert creer(session, autre, "101A", "Réseau d'eau").code == "101A"
    with pytest.raises(NotFound, match="introuvable dans le budget en cours"):
        modifier(session, autre, a.id, "X", "Y")


@pytest.mark.parametrize("code, libelle, message", [
    ("", "Libellé", "Code {de} manquant"),
    ("   ", "Libellé", "Code {de} manquant"),
    ("X" * 21, "Libellé", "Code {de} trop long : 21 caractères (20 au plus)"),
    ("A B", "Libellé", "Code {de} invalide : « A B » (sans espace)"),
    ("101", "  ", "Libellé {de} manquant"),
    ("101", "L" * 201, "Libellé {de} trop long : 201 caractères (200 au plus)"),
])
def test_saisie_refusee(session, ctx, axe, code, libelle, message):
    creer, modifier, *_ = axe
    de = "de l'opération" if axe is OPERATIONS else "du service"
    with pytest.raises(ValidationError) as exc:
        creer(session, ctx, code, libelle)
    assert str(exc.value) == message.format(de=de)
    existant = creer(session, ctx, "OK", "Existant")
    with pytest.raises(ValidationError) as exc:
        modifier(session, ctx, existant.id, code, libelle)
    assert str(exc.value) == message.format(de=de)
    assert creer(session, ctx, "X" * 20, "L" * 200).code == "X" * 20  # the limits themselves pass


def test_code_unique_dans_le_budget(session, ctx):
    a = creer_operation(session, ctx, "101", "École")
    b = creer_operation(session, ctx, "102", "Parc")
    with pytest.raises(ValidationError) as exc:
        creer_operation(session, ctx, "101", "Autre")
    assert str(exc.value) == ("Code de l'opération « 101 » déjà pris dans ce budget par "
                              "l'opération « 101 – École »")
    with pytest.raises(ValidationError, match="déjà pris"):
        modifier_operation(session, ctx, b.id, "101", "Parc")
    desactiver_operation(session, ctx, a.id)
    creer_service(session, ctx, "tech", "x")
    with pytest.raises(ValidationError) as exc:  # case ignored
        creer_service(session, ctx, "TECH", "y")
    assert str(exc.value) == ("Code du service « TECH » déjà pris dans ce budget par "
                              "le service « tech – x »")
    with pytest.raises(ValidationError, match="« 101 – École », désactivée"):  # counts too
        creer_operation(session, ctx, "101", "Autre")
    assert modifier_operation(session, ctx, a.id, "101", "École maternelle").libelle == \
        "École maternelle"  # its own code is not a duplicate
    assert session.scalar(select(func.count()).select_from(Operation)) == 2


def test_desactiver_reactiver(session, ctx, axe):
    creer, _mod, desactiver, reactiver, _sup, lister = axe
    a = creer(session, ctx, "A", "Premier")
    b = creer(session, ctx, "B", "Second")
    assert desactiver(session, ctx, a.id).actif is False
    assert [x.code for x in lister(session, ctx)] == ["A", "B"]
    actifs = {"actives_seulement" if axe is OPERATIONS else "actifs_seulement": True}
    assert [x.code for x in lister(session, ctx, **actifs)] == ["B"]
    assert reactiver(session, ctx, a.id).actif is True
    assert [x.code for x in lister(session, ctx, **actifs)] == ["A", "B"]
    assert b.actif


def test_utilise_desactive_au_lieu_de_supprime(session, ctx, axe):
    creer, modifier, _des, _rea, supprimer, lister = axe
    colonne = "operation_id" if axe is OPERATIONS else "service_id"
    libre = creer(session, ctx, "LIBRE", "Jamais imputé")
    pris = creer(session, ctx, "PRIS", "Imputé")
    _imputer(session, ctx, **{colonne: pris.id})
    _imputer(session, ctx, **{colonne: pris.id})
    assert {x.code: x.imputations for x in lister(session, ctx)} == {"LIBRE": 0, "PRIS": 2}
    assert supprimer(session, ctx, libre.id) is None
    garde = supprimer(session, ctx, pris.id)
    assert (garde.code, garde.actif, garde.imputations, garde.utilise) == ("PRIS", False, 2, True)
    assert [x.code for x in lister(session, ctx)] == ["PRIS"]
    modele = Operation if axe is OPERATIONS else Service
    assert session.scalar(select(func.count()).select_from(modele)) == 1
    # the libellé of a used one still changes, its code no longer
    renomme = modifier(session, ctx, pris.id, "PRIS", "Imputé, renommé")
    assert renomme.libelle == "Imputé, renommé"
    with pytest.raises(ValidationError) as exc:
        modifier(session, ctx, pris.id, "NOUVEAU", "Imputé")
    if axe is OPERATIONS:
        assert str(exc.value) == (
            "Code de l'opération « PRIS » : l'opération sert à 2 imputations, son code ne "
            "change plus (désactivez-la et créez-en une autre)")
    else:
        assert str(exc.value) == (
            "Code du service « PRIS » : le service sert à 2 imputations, son code ne change "
            "plus (désactivez-le et créez-en un autre)")


def test_autre_budget_introuvable(session, ctx, axe):
    creer, modifier, desactiver, reactiver, supprimer, _lister = axe
    a = creer(session, ctx, "A", "Premier")
    autre = _annexe(session, ctx)
    nom = "Opération" if axe is OPERATIONS else "Service"
    for action in (desactiver, reactiver, supprimer):
        with pytest.raises(NotFound) as exc:
            action(session, autre, a.id)
        assert str(exc.value) == f"{nom} n° {a.id} introuvable dans le budget en cours"
    with pytest.raises(NotFound):
        modifier(session, ctx, 999_999, "Z", "Z")
