"""What every command receives: the database, the options, and how to print results."""
from __future__ import annotations

import getpass
import json
import os
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Callable, Iterator

from sqlalchemy.orm import Session

from corail.context import Clock, Context
from corail.db.engine import Database, fichier_sqlite, resolve_url
from corail.db.migrate import migrer
from corail.money import format_json
from corail.errors import NotFound
from corail.services.connexion import ConnexionRefusee, authentifier, mot_de_passe_requis
from corail.services.contexte import construire_contexte, lister_budgets
from corail.services.utilisateurs import login_courant, noter_connexion


ENV_MOT_DE_PASSE = "CORAIL_MOT_DE_PASSE"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_json(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"{type(value).__name__} n'est pas sérialisable en JSON")


def as_json(value: Any) -> str:
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    elif isinstance(value, list):
        value = [asdict(v) if is_dataclass(v) and not isinstance(v, type) else v for v in value]
    return json.dumps(value, default=_json_default, ensure_ascii=False, indent=2)


@dataclass
class App:
    database_url: str | None
    budget: str | None
    exercice: int | None
    json: bool
    creer_base: bool = False  # init and demo create the database; other commands refuse a missing one
    clock: Clock = field(default_factory=Clock)
    utilisateur: str = field(default_factory=login_courant)
    _db: Database | None = None
    _authentifie: bool = False

    @property
    def db(self) -> Database:
        if self._db is None:
            url = resolve_url(self.database_url)
            fichier = fichier_sqlite(url)
            if fichier is not None and fichier.parent.is_dir() and not fichier.exists() \
                    and not self.creer_base:
                raise NotFound(f"Base de données « {fichier} » absente : créez d'abord une "
                               f"collectivité (corail init) ou la démonstration (corail demo)")
            db = Database(url)
            migrer(db)
            self._db = db
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: committed at the end (with the user's last-connection date),
        rolled back entirely on any error — a refused command writes nothing."""
        with self.db.transaction() as session:
            yield session
            noter_connexion(session, self.clock, self.utilisateur)

    def contexte(self, session: Session, *, collectivite: bool = False) -> Context:
        """The context of ``--budget``/``--exercice``. ``collectivite=True`` (reading a flux, whose
        invoices are routed to their budgets by SIRET): any budget of the only collectivité will do."""
        budget = self.budget
        if collectivite and budget is None:
            budgets = lister_budgets(session)
            if len({b.collectivite_id for b in budgets}) == 1:
                budget = budgets[0].code
        ctx = construire_contexte(session, budget=budget, exercice=self.exercice,
                                  utilisateur=self.utilisateur, clock=self.clock)
        self._authentifier(session, ctx)
        return ctx

    def _authentifier(self, session: Session, ctx: Context) -> None:
        """When the collectivité asks for a password: ``CORAIL_MOT_DE_PASSE``, or typed in a
        terminal; checked once per command (reads only: a refusal writes nothing)."""
        if self._authentifie or not mot_de_passe_requis(session, ctx.collectivite_id):
            return
        mot_de_passe = os.environ.get(ENV_MOT_DE_PASSE)
        if mot_de_passe is None and sys.stdin.isatty():
            mot_de_passe = getpass.getpass(f"Mot de passe de {self.utilisateur} : ")
        if mot_de_passe is None:
            raise ConnexionRefusee(f"La collectivité exige un mot de passe : saisissez-le dans un "
                                   f"terminal ou passez-le par la variable {ENV_MOT_DE_PASSE}")
        authentifier(session, self.utilisateur, mot_de_passe)
        self._authentifie = True

    def sortie(self, value: Any, texte: Callable[[], str] | str) -> None:
        """Print ``value`` as JSON with ``--json``, else the human text."""
        if self.json:
            print(as_json(value))
        else:
            print(texte() if callable(texte) else texte)

    @staticmethod
    def info(message: str) -> None:
        print(message, file=sys.stderr)
