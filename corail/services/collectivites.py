"""Creating a collectivité with its budget and exercice (``corail init``), budgets annexes,
exercices, poste comptable, and the dated table of late-payment rates.

``initialiser_collectivite`` is the one service without a Context: it creates
what a Context points at. It takes the clock and the user's login instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corail.context import Clock, Context
from corail.db.models import (
    Budget, Collectivite, Exercice, Piece, PosteComptable, ServiceChorus, TauxInterets, Train,
)
from corail.domain.etats import EtatPiece
from corail.domain.identifiants import (
    valider_code_bud, valider_code_col, valider_id_post, valider_siret,
)
from corail.domain.roles import CONSULTATION, ENVIRONNEMENT, MODIFICATION
from corail.errors import NotFound, ValidationError
from corail.services.habilitations import exiger
from corail.services.nomenclature import article, charger_nomenclature
from corail.services.utilisateurs import rattacher_gestionnaire_principal

ARTICLE_DEFAUT = {"M57": "60632"}  # Fournitures de petit équipement
MODE_REGLEMENT_DEFAUT = "03"  # PES ModRegl: virement
TRAIN_NORMAL = "Normal"
TRAIN_ATTENTE = "attente"
NOMENCLATURES = ("M57",)

#: ECB main refinancing rate on the first day of each half-year (décret 2013-269: the rate
#: in force on the first day of the half-year in which interest starts, plus 8 points).
TAUX_BCE = (
    (date(2023, 1, 1), "2.50"), (date(2023, 7, 1), "4.00"), (date(2024, 1, 1), "4.50"),
    (date(2024, 7, 1), "4.25"), (date(2025, 1, 1), "3.15"), (date(2025, 7, 1), "2.15"),
    (date(2026, 1, 1), "2.15"),
)


@dataclass(frozen=True)
class InitResultat:
    collectivite_id: int
    budget_id: int
    exercice: int
    utilisateur: str
    articles: int
    cree: bool


def _poste(session: Session, id_post: str) -> PosteComptable:
    id_post = valider_id_post(id_post)
    poste = session.scalars(select(PosteComptable).where(PosteComptable.id_post == id_post)).one_or_none()
    if poste is None:
        poste = PosteComptable(id_post=id_post, nom=f"Trésorerie {id_post}")
        session.add(poste)
        session.flush()
    return poste


def _verifier_codes_libres(session: Session, code_col: str, code_bud: str) -> None:
    existant = session.scalars(
        select(Budget).where(Budget.code_col == code_col, Budget.code_bud == code_bud)
    ).one_or_none()
    if existant is not None:
        raise ValidationError(
            f"Le budget {code_col}-{code_bud} existe déjà ({existant.libelle}, SIRET {existant.siret})"
        )


def codes_services(codes) -> tuple[str, ...]:
    """Chorus Pro service codes as typed: stripped, no empty one, no duplicate, 100 characters."""
    propres = []
    for code in codes:
        code = (code or "").strip()
        if not code:
            raise ValidationError("Code service Chorus Pro vide")
        if len(code) > 100:
            raise ValidationError(f"Code service Chorus Pro trop long : « {code[:20]}… » (100 au plus)")
        if code not in propres:
            propres.append(code)
    return tuple(propres)


def _verifier_siret_libre(session: Session, siret: str) -> None:
    """A SIRET is one establishment: two collectivités cannot share it (budgets of one may)."""
    existant = session.scalars(select(Budget).where(Budget.siret == siret)).first()
    if existant is not None:
        raise ValidationError(
            f"Le SIRET {siret} est déjà celui de « {existant.collectivite.nom} » (budget "
            f"{existant.code_complet}) : ajoutez plutôt un budget annexe à cette collectivité")


def _equiper_budget(session: Session, clock: Clock, budget: Budget, annee: int, login: str) -> None:
    """Exercice, default article / mode de règlement, trains Normal and attente, the user."""
    session.add(Exercice(budget_id=budget.id, annee=annee, clos=False, courant=True))
    code = ARTICLE_DEFAUT.get(budget.nomenclature)
    if code:
        article(session, budget.nomenclature, code)  # must exist in the shipped data
    budget.article_defaut = code
    budget.mode_reglement_defaut = MODE_REGLEMENT_DEFAUT
    budget.train_defaut = TRAIN_NORMAL
    session.add(Train(budget_id=budget.id, nom=TRAIN_NORMAL, attente=False, cree_le=clock.now()))
    session.add(Train(budget_id=budget.id, nom=TRAIN_ATTENTE, attente=True, cree_le=clock.now()))
    rattacher_gestionnaire_principal(session, clock, login, budget.id)
    session.flush()


def _charger_taux(session: Session) -> None:
    have = set(session.scalars(select(TauxInterets.date_debut)))
    session.add_all(TauxInterets(date_debut=d, taux_bce=Decimal(t), majoration=Decimal("8"))
                    for d, t in TAUX_BCE if d not in have)


def initialiser_collectivite(
    session: Session,
    clock: Clock,
    utilisateur: str,
    *,
    nom: str,
    siret: str,
    code_col: str,
    code_bud: str,
    poste: str,
    exercice: int | None = None,
    libelle_budget: str = "Budget principal",
    nomenclature: str = "M57",
    services_chorus: tuple[str, ...] = (),
) -> InitResultat:
    nom = (nom or "").strip()
    if not nom:
        raise ValidationError("Nom de la collectivité manquant (--nom)")
    if len(nom) > 100:
        raise ValidationError("Nom de la collectivité trop long (100 caractères au plus)")
    siret = valider_siret(siret)
    code_col, code_bud = valider_code_col(code_col), valider_code_bud(code_bud)
    if nomenclature not in NOMENCLATURES:
        raise ValidationError(f"Nomenclature {nomenclature} non disponible (disponible : M57)")
    annee = clock.today().year if exercice is None else exercice  # 0 is not "none given"
    if not 2000 <= annee <= 2100:
        raise ValidationError(f"Exercice invalide : {annee}")
    valider_id_post(poste)
    services_chorus = codes_services(services_chorus)
    _verifier_codes_libres(session, code_col, code_bud)
    _verifier_siret_libre(session, siret)
    poste_comptable = _poste(session, poste)
    chargement = charger_nomenclature(session, nomenclature)
    _charger_taux(session)
    collectivite = Collectivite(nom=nom, siret=siret, poste_comptable_id=poste_comptable.id,
                                cree_le=clock.now())
    session.add(collectivite)
    session.flush()
    budget = Budget(collectivite_id=collectivite.id, libelle=libelle_budget, siret=siret,
                    code_col=code_col, code_bud=code_bud, nomenclature=nomenclature)
    budget.services_chorus = [ServiceChorus(code=c) for c in services_chorus]
    session.add(budget)
    session.flush()
    _equiper_budget(session, clock, budget, annee, utilisateur)
    return InitResultat(collectivite.id, budget.id, annee, utilisateur, chargement.articles, True)


def ajouter_budget(
    session: Session,
    ctx: Context,
    *,
    libelle: str,
    code_bud: str,
    siret: str | None = None,
    assujetti_tva: bool = False,
    services_chorus: tuple[str, ...] = (),
    budget_rattache_id: int | None = None,
    nomenclature: str = "M57",
) -> Budget:
    """A budget annexe of the current collectivité (same CodCol; its own CodBud)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "ajouter un budget")
    collectivite = session.get(Collectivite, ctx.collectivite_id)
    courant = session.get(Budget, ctx.budget_id)
    if collectivite is None or courant is None:
        raise NotFound("Collectivité en cours introuvable")
    if not (libelle or "").strip():
        raise ValidationError("Libellé du budget manquant")
    code_bud = valider_code_bud(code_bud)
    _verifier_codes_libres(session, courant.code_col, code_bud)
    siret = valider_siret(siret) if siret else collectivite.siret
    if nomenclature not in NOMENCLATURES:
        raise ValidationError(f"Nomenclature {nomenclature} non disponible (disponible : M57)")
    budget = Budget(collectivite_id=collectivite.id, libelle=libelle.strip(), siret=siret,
                    code_col=courant.code_col, code_bud=code_bud, nomenclature=nomenclature,
                    assujetti_tva=assujetti_tva, budget_rattache_id=budget_rattache_id)
    budget.services_chorus = [ServiceChorus(code=c) for c in services_chorus]
    session.add(budget)
    session.flush()
    _equiper_budget(session, ctx.clock, budget, ctx.exercice, ctx.utilisateur)
    return budget


def ouvrir_exercice(session: Session, ctx: Context, annee: int, *, courant: bool = True) -> Exercice:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "ouvrir un exercice")
    if not 2000 <= annee <= 2100:
        raise ValidationError(f"Exercice invalide : {annee} (entre 2000 et 2100)")
    existant = session.scalars(
        select(Exercice).where(Exercice.budget_id == ctx.budget_id, Exercice.annee == annee)
    ).one_or_none()
    if existant is not None:
        raise ValidationError(f"L'exercice {annee} existe déjà pour ce budget")
    if courant:
        for e in session.scalars(select(Exercice).where(Exercice.budget_id == ctx.budget_id)):
            e.courant = False
    exercice = Exercice(budget_id=ctx.budget_id, annee=annee, clos=False, courant=courant)
    session.add(exercice)
    session.flush()
    return exercice


def taux_interets_au(session: Session, jour: date) -> Decimal | None:
    """The late-payment rate (taux BCE + majoration) that applies to interest starting ``jour``."""
    row = session.scalars(
        select(TauxInterets).where(TauxInterets.date_debut <= jour)
        .order_by(TauxInterets.date_debut.desc()).limit(1)
    ).one_or_none()
    return None if row is None else row.taux_bce + row.majoration


# --- Exercices (Gestion des collectivités › Exercice) -------------------------------------


@dataclass(frozen=True)
class ExerciceDetail:
    annee: int
    clos: bool
    courant: bool
    date_cloture: date | None
    pieces_en_cours: int  # mandats and titres not numbered yet

    @property
    def etat(self) -> str:
        return "Clos" if self.clos else "Ouvert"


def exercice_du_budget(session: Session, ctx: Context, annee: int) -> Exercice:
    found = session.scalars(
        select(Exercice).where(Exercice.budget_id == ctx.budget_id, Exercice.annee == annee)
    ).one_or_none()
    if found is None:
        raise NotFound(f"Exercice {annee} inconnu pour ce budget")
    return found


def _pieces_en_cours(session: Session, budget_id: int) -> dict[int, int]:
    rows = session.execute(
        select(Piece.annee, func.count(Piece.id))
        .where(Piece.budget_id == budget_id,
               Piece.etat.in_((EtatPiece.BROUILLON, EtatPiece.VALIDE)))
        .group_by(Piece.annee)
    )
    return {annee: n for annee, n in rows}


def lister_exercices_detail(session: Session, ctx: Context) -> list[ExerciceDetail]:
    exiger(session, ctx, ENVIRONNEMENT, CONSULTATION, "consulter les exercices")
    en_cours = _pieces_en_cours(session, ctx.budget_id)
    rows = session.scalars(
        select(Exercice).where(Exercice.budget_id == ctx.budget_id).order_by(Exercice.annee)
    )
    return [ExerciceDetail(e.annee, e.clos, e.courant, e.date_cloture, en_cours.get(e.annee, 0))
            for e in rows]


def clore_exercice(session: Session, ctx: Context, annee: int) -> None:
    """Close an exercice: refused while mandats or titres of it are not numbered, or when it
    is the exercice courant (choose another one first)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "clore un exercice")
    exercice = exercice_du_budget(session, ctx, annee)
    if exercice.clos:
        raise ValidationError(f"L'exercice {annee} est déjà clos")
    if exercice.courant:
        raise ValidationError(
            f"L'exercice {annee} est l'exercice courant : définissez d'abord un autre exercice "
            "courant, puis clôturez celui-ci"
        )
    en_cours = _pieces_en_cours(session, ctx.budget_id).get(annee, 0)
    if en_cours:
        raise ValidationError(
            f"Exercice {annee} : {en_cours} mandat(s) ou titre(s) ne sont pas encore numérotés ; "
            "numérotez-les ou supprimez-les avant la clôture"
        )
    exercice.clos = True
    exercice.date_cloture = ctx.today()
    session.flush()


def rouvrir_exercice(session: Session, ctx: Context, annee: int) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "rouvrir un exercice")
    exercice = exercice_du_budget(session, ctx, annee)
    if not exercice.clos:
        raise ValidationError(f"L'exercice {annee} n'est pas clos")
    exercice.clos = False
    exercice.date_cloture = None
    session.flush()


def definir_exercice_courant(session: Session, ctx: Context, annee: int) -> None:
    """The exercice proposed by default for this budget (the screens' and commands' default)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "changer d'exercice courant")
    exercice = exercice_du_budget(session, ctx, annee)
    if exercice.clos:
        raise ValidationError(f"L'exercice {annee} est clos : rouvrez-le avant d'en faire "
                              "l'exercice courant")
    for e in session.scalars(select(Exercice).where(Exercice.budget_id == ctx.budget_id)):
        e.courant = e.annee == annee
    session.flush()


# --- Taux des intérêts moratoires (Réglage) -----------------------------------------------

MAJORATION_LEGALE = Decimal("8")


@dataclass(frozen=True)
class TauxLigne:
    id: int
    date_debut: date
    taux_bce: Decimal
    majoration: Decimal

    @property
    def taux_applicable(self) -> Decimal:
        return self.taux_bce + self.majoration


def lire_taux(texte: str, *, champ: str = "Taux") -> Decimal:
    """A rate typed French-style (``2,15`` or ``2.15``, an optional ``%``), 4 decimals at most."""
    brut = (texte or "").strip().removesuffix("%").strip().replace("\u00a0", "").replace(" ", "")
    if not brut:
        raise ValidationError(f"{champ} manquant")
    try:
        valeur = Decimal(brut.replace(",", "."))
    except ArithmeticError:
        raise ValidationError(f"{champ} illisible : « {texte} »") from None
    if not valeur.is_finite() or valeur != valeur.quantize(Decimal("0.0001")):
        raise ValidationError(f"{champ} invalide : « {texte} » (4 décimales au plus)")
    return valeur


def _verifier_taux(taux_bce: Decimal, majoration: Decimal) -> None:
    if not Decimal("-10") <= taux_bce <= Decimal("30"):
        raise ValidationError(f"Taux BCE invalide : {taux_bce} % (entre -10 et 30)")
    if not Decimal("0") <= majoration <= Decimal("20"):
        raise ValidationError(f"Majoration invalide : {majoration} points (entre 0 et 20)")
    for v, champ in ((taux_bce, "Taux BCE"), (majoration, "Majoration")):
        if v != v.quantize(Decimal("0.0001")):
            raise ValidationError(f"{champ} : 4 décimales au plus")


def lister_taux(session: Session) -> list[TauxLigne]:
    rows = session.scalars(select(TauxInterets).order_by(TauxInterets.date_debut))
    return [TauxLigne(t.id, t.date_debut, t.taux_bce, t.majoration) for t in rows]


def enregistrer_taux(
    session: Session, ctx: Context, *, date_debut: date, taux_bce: Decimal,
    majoration: Decimal = MAJORATION_LEGALE, taux_id: int | None = None,
) -> TauxLigne:
    """Add a dated rate (``taux_id`` None) or change one; two rows never share a start date."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier les taux d'intérêts moratoires")
    _verifier_taux(taux_bce, majoration)
    meme_date = session.scalars(
        select(TauxInterets).where(TauxInterets.date_debut == date_debut)
    ).one_or_none()
    if meme_date is not None and meme_date.id != taux_id:
        raise ValidationError(f"Un taux commence déjà le {date_debut:%d/%m/%Y}")
    if taux_id is None:
        row = TauxInterets(date_debut=date_debut, taux_bce=taux_bce, majoration=majoration)
        session.add(row)
    else:
        row = session.get(TauxInterets, taux_id)
        if row is None:
            raise NotFound("Taux introuvable (supprimé entre-temps ?)")
        row.date_debut, row.taux_bce, row.majoration = date_debut, taux_bce, majoration
    session.flush()
    return TauxLigne(row.id, row.date_debut, row.taux_bce, row.majoration)


def supprimer_taux(session: Session, ctx: Context, taux_id: int) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "supprimer un taux d'intérêts moratoires")
    row = session.get(TauxInterets, taux_id)
    if row is None:
        raise NotFound("Taux introuvable (supprimé entre-temps ?)")
    session.delete(row)
    session.flush()
