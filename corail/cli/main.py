"""``corail``: the command line. Exit 0 on success, 2 when the input is refused (one French
message on stderr, nothing written), 3 when the database cannot be used, 1 on an internal error."""
from __future__ import annotations

import argparse
import logging
import sys
import traceback
from typing import Sequence

from sqlalchemy.exc import OperationalError

from corail.cli import (
    asap, demo, depenses, environnement, francais, pes, pivot, recettes, sauvegarde,
)
from corail.cli import chorus, statuts
from corail.cli import utilisateurs
from corail.cli.app import App
from corail.errors import Cancelled, CorailError, DatabaseError

EXIT_OK, EXIT_INTERNE, EXIT_REFUS, EXIT_BASE = 0, 1, 2, 3
COMMANDES = (environnement, demo, pivot, depenses, sauvegarde, recettes, pes, asap, statuts,
             chorus, utilisateurs)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own messages (in French: cli/francais.py)
        self.print_usage(sys.stderr)
        print(f"corail : option invalide : {message}", file=sys.stderr)
        raise SystemExit(EXIT_REFUS)


def _exercice(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"exercice invalide : « {text} » (AAAA attendu)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    francais.installer()
    parser = _Parser(prog="corail", description="Corail — comptabilité des collectivités locales")
    parser.add_argument("--database", metavar="URL",
                        help="base de données (SQLAlchemy ; défaut : SQLite du dossier de données)")
    parser.add_argument("--budget", metavar="SIRET|CODCOL-CODBUD")
    parser.add_argument("--exercice", metavar="AAAA", type=_exercice)
    parser.add_argument("--json", action="store_true", help="résultats en JSON sur stdout")
    sub = parser.add_subparsers(dest="commande", metavar="COMMANDE", parser_class=_Parser)
    sub.required = True
    for module in COMMANDES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    app = App(database_url=args.database, budget=args.budget, exercice=args.exercice,
              json=args.json, creer_base=getattr(args, "creer_base", False))
    try:
        return args.run(app, args)
    except DatabaseError as exc:
        print(f"corail : {exc}", file=sys.stderr)
        return EXIT_BASE
    except CorailError as exc:
        print(f"corail : {exc}", file=sys.stderr)
        return EXIT_REFUS
    except Cancelled:
        print("corail : opération annulée, rien n'a été modifié", file=sys.stderr)
        return EXIT_REFUS
    except OperationalError as exc:  # lock timeout, deadlock, lost connection: rolled back
        raison = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(f"corail : la base de données n'a pas pu aller au bout ({raison}) ; rien n'a été "
              f"modifié, réessayez (un autre poste travaille peut-être sur les mêmes pièces)",
              file=sys.stderr)
        return EXIT_BASE
    except KeyboardInterrupt:
        print("corail : interrompu, rien n'a été modifié", file=sys.stderr)
        return 130
    except Exception:  # internal error: a short message, the details for the developers
        logging.getLogger("corail").debug("erreur interne", exc_info=True)
        print("corail : erreur interne, rien n'a été modifié. Détail pour l'assistance :",
              file=sys.stderr)
        traceback.print_exc(limit=8, file=sys.stderr)
        return EXIT_INTERNE
    finally:
        if app._db is not None:
            app._db.dispose()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
