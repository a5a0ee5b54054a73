"""Loading the nomenclature shipped with Corail into the database, and looking it up."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Article, ArticleBudget, Budget, Chapitre, Fonction
from corail.errors import NotFound, ValidationError
from corail.nomenclature_data import load_articles, load_chapitres, load_fonctions


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
    budget = session.get(Budget, ctx.budget_id)
    assert budget is not None
    art = article(session, budget.nomenclature, code)
    lien = session.get(ArticleBudget, (budget.id, art.id))
    if utilise and lien is None:
        session.add(ArticleBudget(budget_id=budget.id, article_id=art.id))
    elif not utilise and lien is not None:
        session.delete(lien)
    session.flush()
