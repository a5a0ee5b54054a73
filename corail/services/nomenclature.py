"""The nomenclature: loading the one shipped with Corail into the database, looking it up
(articles, chapitres, fonctions of the budget's nomenclature), and the budget's own analytic
axes, its *opérations* (equipment operations) and *services*.

* An opération or a service has a code (20 characters at most, unique in the budget, case
  ignored) and a libellé. One used by an imputation is never deleted, it is deactivated
  (``actif``): the mandats and titres keep it, new imputations no longer offer it. Its code
  does not change any more either (the pieces already sent carry it).
* Services never commit: the caller's transaction is the unit of work.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import (
    Article,
    ArticleBudget,
    Budget,
    Chapitre,
    Fonction,
    Imputation,
    Operation,
    Service,
)
from corail.domain.roles import CONSULTATION, DEPENSES, ENVIRONNEMENT, MODIFICATION, RECETTES
from corail.errors import NotFound, ValidationError
from corail.nomenclature_data import load_articles, load_chapitres, load_fonctions
from corail.services.habilitations import exiger
from corail.texte import plier


@dataclass(frozen=True)
class ChargementNomenclature:
    nomenclature: str
    articles: int
    chapitres: int
    fonctions: int


@dataclass(frozen=True)
class ArticleLigne:
    id: int
    code: str
    libelle: str
    chapitre: str
    section: str
    sens: str
    utilise: bool


def charger_nomenclature(session: Session, nomenclature: str = "M57") -> ChargementNomenclature:
    """Insert the shipped nomenclature; idempotent (existing codes are left as they are)."""
    try:
        articles = load_articles(nomenclature)
        chapitres = load_chapitres(nomenclature)
        fonctions = load_fonctions(nomenclature)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    have = set(session.scalars(select(Article.code).where(Article.nomenclature == nomenclature)))
    session.add_all(
        Article(nomenclature=nomenclature, code=a.code, libelle=a.libelle, chapitre=a.chapitre,
                section=a.section, sens=a.sens, niveau=a.niveau)
        for a in articles if a.code not in have
    )
    have = set(session.scalars(select(Chapitre.code).where(Chapitre.nomenclature == nomenclature)))
    session.add_all(
        Chapitre(nomenclature=nomenclature, code=c.code, libelle=c.libelle, section=c.section)
        for c in chapitres if c.code not in have
    )
    have = set(session.scalars(select(Fonction.code).where(Fonction.nomenclature == nomenclature)))
    session.add_all(
        Fonction(nomenclature=nomenclature, code=f.code, libelle=f.libelle, niveau=f.niveau)
        for f in fonctions if f.code not in have
    )
    session.flush()
    return ChargementNomenclature(nomenclature, len(articles), len(chapitres), len(fonctions))


def article(session: Session, nomenclature: str, code: str) -> Article:
    found = session.scalars(
        select(Article).where(Article.nomenclature == nomenclature, Article.code == code)
    ).one_or_none()
    if found is None:
        raise NotFound(f"Article {code} absent de la nomenclature {nomenclature}")
    return found


def rechercher_articles(
    session: Session, ctx: Context, texte: str = "", *, chapitre: str | None = None,
    utilises_seulement: bool = False, limite: int = 500,
) -> list[ArticleLigne]:
    """Articles of the budget's nomenclature whose code starts with, or label contains, ``texte``."""
    budget = session.get(Budget, ctx.budget_id)
    assert budget is not None
    utilises = set(session.scalars(
        select(ArticleBudget.article_id).where(ArticleBudget.budget_id == budget.id)
    ))
    stmt = select(Article).where(Article.nomenclature == budget.nomenclature)
    if texte:
        like = f"%{texte.lower()}%"
        stmt = stmt.where(or_(Article.code.startswith(texte), func.lower(Article.libelle).like(like)))
    if chapitre:
        stmt = stmt.where(Article.chapitre == chapitre)
    if utilises_seulement:
        stmt = stmt.where(Article.id.in_(utilises or {-1}))
    rows = session.scalars(stmt.order_by(Article.code).limit(limite))
    return [ArticleLigne(a.id, a.code, a.libelle, a.chapitre, a.section, a.sens, a.id in utilises)
            for a in rows]


def marquer_utilise(session: Session, ctx: Context, code: str, utilise: bool = True) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier la nomenclature du budget")
    budget = session.get(Budget, ctx.budget_id)
    assert budget is not None
    art = article(session, budget.nomenclature, code)
    lien = session.get(ArticleBudget, (budget.id, art.id))
    if utilise and lien is None:
        session.add(ArticleBudget(budget_id=budget.id, article_id=art.id))
    elif not utilise and lien is not None:
        session.delete(lien)
    session.flush()


def _budget(session: Session, ctx: Context) -> Budget:
    budget = session.get(Budget, ctx.budget_id)
    if budget is None:
        raise NotFound(f"Budget n° {ctx.budget_id} introuvable")
    return budget



# --- chapitres and fonctions of the budget's nomenclature ---------------------------------------

@dataclass(frozen=True)
class ChapitreLigne:
    id: int
    code: str
    libelle: str
    section: str
    #: articles of the chapitre in the nomenclature, and how many of them the budget uses
    articles: int
    utilises: int


@dataclass(frozen=True)
class FonctionLigne:
    id: int
    code: str
    libelle: str
    niveau: int


def lister_chapitres(session: Session, ctx: Context) -> list[ChapitreLigne]:
    """The chapitres of the budget's nomenclature, by code, with their article counts."""
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "consulter la nomenclature")
    budget = _budget(session, ctx)
    articles = dict(session.execute(
        select(Article.chapitre, func.count()).where(Article.nomenclature == budget.nomenclature)
        .group_by(Article.chapitre)).all())
    utilises = dict(session.execute(
        select(Article.chapitre, func.count())
        .join(ArticleBudget, ArticleBudget.article_id == Article.id)
        .where(Article.nomenclature == budget.nomenclature, ArticleBudget.budget_id == budget.id)
        .group_by(Article.chapitre)).all())
    rows = session.scalars(select(Chapitre).where(Chapitre.nomenclature == budget.nomenclature)
                           .order_by(Chapitre.code))
    return [ChapitreLigne(c.id, c.code, c.libelle, c.section, articles.get(c.code, 0),
                          utilises.get(c.code, 0)) for c in rows]


def lister_fonctions(session: Session, ctx: Context, texte: str = "") -> list[FonctionLigne]:
    """The fonctions of the budget's nomenclature, by code; with ``texte``, those whose code
    starts with it or whose libellé contains every word of it (accents and case ignored)."""
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "consulter les fonctions")
    budget = _budget(session, ctx)
    rows = session.scalars(select(Fonction).where(Fonction.nomenclature == budget.nomenclature)
                           .order_by(Fonction.code))
    debut, mots = texte.strip(), plier(texte).split()
    return [FonctionLigne(f.id, f.code, f.libelle, f.niveau) for f in rows
            if not debut or f.code.startswith(debut) or all(m in plier(f.libelle) for m in mots)]


# --- opérations and services of the budget ------------------------------------------------------

CODE_MAX = 20
LIBELLE_MAX = 200


@dataclass(frozen=True)
class AxeLigne:
    """An opération or a service of the budget; ``imputations``: how many imputations use it."""

    id: int
    code: str
    libelle: str
    actif: bool
    imputations: int

    @property
    def utilise(self) -> bool:
        return self.imputations > 0


@dataclass(frozen=True)
class OperationLigne(AxeLigne):
    pass


@dataclass(frozen=True)
class ServiceLigne(AxeLigne):
    pass


@dataclass(frozen=True)
class _Axe:
    """What differs between opérations and services: table, imputation column, French words."""

    modele: type[Operation] | type[Service]
    ligne: type[AxeLigne]
    colonne: str  # Imputation's column
    nom: str  # « Opération », « Service »
    de: str  # « de l'opération », « du service »
    le: str  # « l'opération », « le service »
    e: str  # agreement: « désactivée », « désactivé »


OPERATION = _Axe(Operation, OperationLigne, "operation_id", "Opération", "de l'opération",
                 "l'opération", "e")
SERVICE = _Axe(Service, ServiceLigne, "service_id", "Service", "du service", "le service", "")


def _compter(session: Session, axe: _Axe, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    colonne = getattr(Imputation, axe.colonne)
    return dict(session.execute(select(colonne, func.count()).where(colonne.in_(ids))
                                .group_by(colonne)).all())


def _ligne(session: Session, axe: _Axe, objet: Operation | Service) -> AxeLigne:
    n = _compter(session, axe, [objet.id]).get(objet.id, 0)
    return axe.ligne(objet.id, objet.code, objet.libelle, bool(objet.actif), n)


def _lister(session: Session, ctx: Context, axe: _Axe, actifs_seulement: bool) -> list:
    m = axe.modele
    stmt = select(m).where(m.budget_id == ctx.budget_id)
    if actifs_seulement:
        stmt = stmt.where(m.actif.is_(True))
    objets = sorted(session.scalars(stmt), key=lambda o: (plier(o.code), o.id))
    nombres = _compter(session, axe, [o.id for o in objets])
    return [axe.ligne(o.id, o.code, o.libelle, bool(o.actif), nombres.get(o.id, 0)) for o in objets]


def _objet(session: Session, ctx: Context, axe: _Axe, objet_id: int) -> Operation | Service:
    objet = session.get(axe.modele, objet_id)
    if objet is None or objet.budget_id != ctx.budget_id:
        raise NotFound(f"{axe.nom} n° {objet_id} introuvable dans le budget en cours")
    return objet


def _valeurs(session: Session, ctx: Context, axe: _Axe, code: str, libelle: str,
             sauf: int | None) -> tuple[str, str]:
    """The checked code and libellé, or a French ``ValidationError`` naming the field."""
    code = (code or "").strip()
    if not code:
        raise ValidationError(f"Code {axe.de} manquant")
    if len(code) > CODE_MAX:
        raise ValidationError(
            f"Code {axe.de} trop long : {len(code)} caractères ({CODE_MAX} au plus)")
    if any(c.isspace() or not c.isprintable() for c in code):
        raise ValidationError(f"Code {axe.de} invalide : « {code} » (sans espace)")
    libelle = " ".join((libelle or "").split())
    if not libelle:
        raise ValidationError(f"Libellé {axe.de} manquant")
    if len(libelle) > LIBELLE_MAX:
        raise ValidationError(
            f"Libellé {axe.de} trop long : {len(libelle)} caractères ({LIBELLE_MAX} au plus)")
    m = axe.modele
    for autre in session.scalars(select(m).where(m.budget_id == ctx.budget_id,
                                                 m.id != (sauf or -1))):
        if plier(autre.code) == plier(code):
            inactif = "" if autre.actif else f", désactivé{axe.e}"
            raise ValidationError(
                f"Code {axe.de} « {code} » déjà pris dans ce budget par {axe.le} "
                f"« {autre.code} – {autre.libelle} »{inactif}")
    return code, libelle


def _creer(session: Session, ctx: Context, axe: _Axe, code: str, libelle: str) -> AxeLigne:
    _budget(session, ctx)
    code, libelle = _valeurs(session, ctx, axe, code, libelle, None)
    objet = axe.modele(budget_id=ctx.budget_id, code=code, libelle=libelle, actif=True)
    session.add(objet)
    session.flush()
    return axe.ligne(objet.id, objet.code, objet.libelle, True, 0)


def _modifier(session: Session, ctx: Context, axe: _Axe, objet_id: int, code: str,
              libelle: str) -> AxeLigne:
    objet = _objet(session, ctx, axe, objet_id)
    code, libelle = _valeurs(session, ctx, axe, code, libelle, objet.id)
    if code != objet.code:
        n = _compter(session, axe, [objet.id]).get(objet.id, 0)
        if n:
            pronom = "la" if axe.e else "le"
            raise ValidationError(
                f"Code {axe.de} « {objet.code} » : {axe.le} sert à {n} imputation"
                f"{'s' if n > 1 else ''}, son code ne change plus (désactivez-{pronom} "
                f"et créez-en un{axe.e} autre)")
    objet.code, objet.libelle = code, libelle
    session.flush()
    return _ligne(session, axe, objet)


def _activer(session: Session, ctx: Context, axe: _Axe, objet_id: int, actif: bool) -> AxeLigne:
    objet = _objet(session, ctx, axe, objet_id)
    objet.actif = actif
    session.flush()
    return _ligne(session, axe, objet)


def _supprimer(session: Session, ctx: Context, axe: _Axe, objet_id: int) -> AxeLigne | None:
    objet = _objet(session, ctx, axe, objet_id)
    ligne = _ligne(session, axe, objet)
    if ligne.utilise:
        return _activer(session, ctx, axe, objet_id, False)
    session.delete(objet)
    session.flush()
    return None


def lister_operations(session: Session, ctx: Context, *,
                      actives_seulement: bool = False) -> list[OperationLigne]:
    """The budget's opérations by code (case ignored), inactive ones included unless asked."""
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "consulter les opérations")
    return _lister(session, ctx, OPERATION, actives_seulement)


def creer_operation(session: Session, ctx: Context, code: str, libelle: str) -> OperationLigne:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "créer une opération")
    return _creer(session, ctx, OPERATION, code, libelle)


def modifier_operation(session: Session, ctx: Context, operation_id: int, code: str,
                       libelle: str) -> OperationLigne:
    """New code and libellé; the code of an opération used by an imputation stays."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier une opération")
    return _modifier(session, ctx, OPERATION, operation_id, code, libelle)


def desactiver_operation(session: Session, ctx: Context, operation_id: int) -> OperationLigne:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "désactiver une opération")
    return _activer(session, ctx, OPERATION, operation_id, False)


def reactiver_operation(session: Session, ctx: Context, operation_id: int) -> OperationLigne:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "réactiver une opération")
    return _activer(session, ctx, OPERATION, operation_id, True)


def supprimer_operation(session: Session, ctx: Context, operation_id: int) -> OperationLigne | None:
    """Delete an unused opération (None); one used by an imputation is deactivated instead
    (its line is returned)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "supprimer une opération")
    return _supprimer(session, ctx, OPERATION, operation_id)


def lister_services(session: Session, ctx: Context, *,
                    actifs_seulement: bool = False) -> list[ServiceLigne]:
    """The budget's services by code (case ignored), inactive ones included unless asked."""
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "consulter les services")
    return _lister(session, ctx, SERVICE, actifs_seulement)


def creer_service(session: Session, ctx: Context, code: str, libelle: str) -> ServiceLigne:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "créer un service")
    return _creer(session, ctx, SERVICE, code, libelle)


def modifier_service(session: Session, ctx: Context, service_id: int, code: str,
                     libelle: str) -> ServiceLigne:
    """New code and libellé; the code of a service used by an imputation stays."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier un service")
    return _modifier(session, ctx, SERVICE, service_id, code, libelle)


def desactiver_service(session: Session, ctx: Context, service_id: int) -> ServiceLigne:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "désactiver un service")
    return _activer(session, ctx, SERVICE, service_id, False)


def reactiver_service(session: Session, ctx: Context, service_id: int) -> ServiceLigne:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "réactiver un service")
    return _activer(session, ctx, SERVICE, service_id, True)


def supprimer_service(session: Session, ctx: Context, service_id: int) -> ServiceLigne | None:
    """Delete an unused service (None); one used by an imputation is deactivated instead
    (its line is returned)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "supprimer un service")
    return _supprimer(session, ctx, SERVICE, service_id)


def article_imputable(session: Session, nomenclature: str, code: str, *, sens: str = "D") -> Article:
    """An article a mandat (sens D) or a titre (sens R) can be charged to: it exists, carries
    that sens, and is a detailed account (no sub-account under it)."""
    code = (code or "").strip()
    if not code:
        raise ValidationError("Article manquant")
    art = article(session, nomenclature, code)
    if sens not in art.sens:
        genre = "de dépense" if sens == "D" else "de recette"
        raise ValidationError(f"Article {code} ({art.libelle}) : ce n'est pas un compte {genre}")
    sous_compte = session.scalar(select(Article.code).where(
        Article.nomenclature == nomenclature, Article.code.startswith(code), Article.code != code)
        .order_by(Article.code).limit(1))
    if sous_compte is not None:
        raise ValidationError(f"Article {code} ({art.libelle}) : compte de regroupement, imputez "
                              f"sur un compte détaillé (par exemple {sous_compte})")
    return art
