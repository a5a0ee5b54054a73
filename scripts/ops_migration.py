"""Print the alembic operations that would bring the migrated schema to the models.

Developer tool: ``python scripts/ops_migration.py`` migrates a throw-away SQLite
database to the head revision, compares it with ``Base.metadata`` and prints the
``upgrade()`` / ``downgrade()`` bodies to paste into a new migration (batch mode
for SQLite is applied by ``env.py``; review the output before pasting).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.runtime.migration import MigrationContext

from corail.db.engine import Database
from corail.db.migrate import migrer
from corail.db.models import Base


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'ops.db'}")
        migrer(db)
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            script = produce_migrations(ctx, Base.metadata)
            print("# upgrade\n" + render_python_code(script.upgrade_ops))
            print("# downgrade\n" + render_python_code(script.downgrade_ops))
        db.dispose()


if __name__ == "__main__":
    main()
