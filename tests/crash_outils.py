"""Tools of the crash and concurrency tests: a flux of invoices with PJ, the command line in a
subprocess (killed on demand, or started together with another), a workstation's loop
(``travailleur``). The databases and their checks: tests/crash_bases.py.

Run as ``python -m tests.crash_outils ARGS…`` it is ``corail ARGS…`` with an optional kill point
(``CORAIL_TEST_TUER``), set from outside the code under test:

* ``sql:N``: SIGKILL just before the N-th SQL statement of the command;
* ``commit``: SIGKILL when the database is about to commit (all the work done, nothing validated);
* ``valide``: SIGKILL just after the commit of a transaction that wrote something;
* ``avant_publication`` / ``publication``: SIGKILL just before / after a ``*.xml`` file is
  renamed into place.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
ENV_TUER = "CORAIL_TEST_TUER"
ENV_MARQUE = "CORAIL_TEST_MARQUE"  # a file written when the command starts (imports done)
ENV_ATTENDRE = "CORAIL_TEST_ATTENDRE"  # a file to wait for before the command starts
INIT = ["init", "--nom", "COMMUNE TEST", "--siret", "21310555400017", "--code-col", "123",
        "--code-bud", "01", "--poste", "031000"]


# ----------------------------------------------------------------------------- the flux

def flux_avec_pj(nb: int, *, graine: int = 7, taille_pj: int = 150_000, grandes: int = 2,
                 prefixe: str = "F", id_flx: str = "CPP0020036000000000000001") -> bytes:
    """A pivot of ``nb`` invoices for the test collectivité, each with its invoice PDF and a
    complementary PJ; ``grandes`` of them with a 2.5 MB PDF (several chunk rows); the delivery
    notes of invoices 1 and 2 share the same bytes (one stored content)."""
    from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
    from corail.formats.pivot_types import TYPE_PJ_COMPLEMENTAIRE, PivotPJ

    rng = random.Random(graine)

    def pdf(taille: int) -> bytes:
        return b"%PDF-1.7\n" + rng.randbytes(taille) + b"\n%%EOF\n"

    commun = pdf(20_000)
    factures = []
    for i in range(1, nb + 1):
        f = exemple_facture(f"{prefixe}-{i:04d}", siret_debiteur="21310555400017", code_service=None,
                            montant_ht=f"{100 + i}.{i % 100:02d}", avec_pdf=False)
        principal = replace(f.pjs[0], contenu=pdf(2_500_000 if i <= grandes else taille_pj))
        bl = PivotPJ(2, f"BL{prefixe}{i:04d}.pdf", TYPE_PJ_COMPLEMENTAIRE, "application/pdf",
                     commun if i <= 2 else pdf(8_000), nom_origine="bon_livraison.pdf",
                     categorie="Bon de livraison")
        factures.append(replace(f, pjs=(principal, bl)))
    return build_pivot(exemple_flux(*factures, id_flx=id_flx))


# ----------------------------------------------------------------------------- the command line

@dataclass(frozen=True)
class Resultat:
    code: int
    sortie: str
    erreur: str
    duree: float


def env_commande(tuer: str | None = None, marque: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(RACINE), "CORAIL_UTILISATEUR": "agent.test"}
    for nom in ("CORAIL_DATABASE_URL", ENV_TUER, ENV_MARQUE):
        env.pop(nom, None)
    if tuer:
        env[ENV_TUER] = tuer
    if marque:
        env[ENV_MARQUE] = str(marque)
    return env


def commande(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "tests.crash_outils", "--database", url, "--exercice", "2026", *args]


def corail(url: str, *args: str, tuer: str | None = None, timeout: float = 300) -> Resultat:
    """``corail ARGS`` in a subprocess, run to its end (or to its kill point)."""
    debut = time.monotonic()
    proc = subprocess.run(commande(url, *args), cwd=RACINE, env=env_commande(tuer), capture_output=True,
                          check=False, text=True, timeout=timeout)
    return Resultat(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - debut)


def attendre_depart(go: Path) -> None:
    """In a process started by ``demarrer_ensemble``: say it is ready, wait for the others."""
    go.with_name(f"{go.name}.{os.getpid()}.pret").write_text("")
    while not go.exists():
        time.sleep(0.001)


def demarrer_ensemble(procs: list[subprocess.Popen], go: Path) -> float:
    """Let processes go at once, when all are ready (their imports done); the start time."""
    limite = time.monotonic() + 120
    while (len(list(go.parent.glob(f"{go.name}.*.pret"))) < len(procs) and time.monotonic() < limite
           and all(p.poll() is None for p in procs)):
        time.sleep(0.005)
    go.write_text("go")
    return time.monotonic()


def en_meme_temps(url: str, go: Path, *commandes: list[str]) -> list[Resultat]:
    """Several ``corail`` commands in as many processes, started together (imports done)."""
    env = {**env_commande(), ENV_ATTENDRE: str(go)}
    procs = [subprocess.Popen(commande(url, *args), cwd=RACINE, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for args in commandes]
    debut = demarrer_ensemble(procs, go)
    resultats = []
    for proc in procs:
        sortie, erreur = proc.communicate(timeout=600)
        resultats.append(Resultat(proc.returncode, sortie, erreur, time.monotonic() - debut))
    return resultats


def corail_tue_apres(url: str, delai: float, *args: str, marque: Path) -> Resultat:
    """``corail ARGS`` killed (SIGKILL) ``delai`` seconds after the command started (its imports
    done: ``marque`` written), unless it ended before; ``duree`` counts from that start."""
    marque.unlink(missing_ok=True)
    proc = subprocess.Popen(commande(url, *args), cwd=RACINE, env=env_commande(marque=marque),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    limite = time.monotonic() + 120
    while not marque.exists() and proc.poll() is None and time.monotonic() < limite:
        time.sleep(0.002)
    debut = time.monotonic()
    try:
        sortie, erreur = proc.communicate(timeout=delai)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        sortie, erreur = proc.communicate()
    return Resultat(proc.returncode, sortie, erreur, time.monotonic() - debut)


def _installer_point_de_mort(point: str) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    def mourir(*_args, **_kw) -> None:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if point.startswith("sql:"):
        reste = [int(point[4:])]

        def compter(*_args, **_kw) -> None:
            reste[0] -= 1
            if reste[0] <= 0:
                mourir()
        event.listen(Engine, "before_cursor_execute", compter)
    elif point == "commit":
        event.listen(Engine, "commit", mourir)
    elif point == "valide":  # the commit of a transaction that wrote something
        def noter(session, _contexte) -> None:
            session.info["crash_ecrit"] = True

        def apres(session) -> None:
            racine = session.get_transaction()  # still active: a savepoint released, not a commit
            if session.info.get("crash_ecrit") and not (racine is not None and racine.is_active):
                mourir()
        event.listen(Session, "after_flush", noter)
        event.listen(Session, "after_commit", apres)
    elif point in ("avant_publication", "publication"):
        remplacer = os.replace

        def publier(source, cible, *a, **kw):
            xml = str(cible).endswith(".xml")
            if xml and point == "avant_publication":
                mourir()
            remplacer(source, cible, *a, **kw)
            if xml:
                mourir()
        os.replace = publier
    else:
        raise SystemExit(f"point de mort inconnu : {point}")


def travailleur() -> None:
    """One workstation of the concurrency test (``python -c``): waits for the ``go`` file, then,
    lot by lot, ``corail pivot mandater IDS``, ``mandats valider``, ``mandats numeroter --train
    Normal``, each through ``corail.cli.main.main`` as typed; prints a JSON summary."""
    import contextlib
    import io
    import json

    from corail.cli.main import main

    url, go, lot, *ids = sys.argv[1:]
    attendre_depart(Path(go))
    resume: dict = {"codes": [], "erreurs": [], "mandats": [], "bordereaux": []}

    def corail_ici(*args: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--database", url, "--exercice", "2026", "--json", *args])
        resume["codes"].append(code)
        if code != 0:
            resume["erreurs"].append(f"{args[:2]} → {code} : {err.getvalue().strip()}")
        return out.getvalue() if code == 0 else ""

    debut = time.monotonic()
    for i in range(0, len(ids), int(lot)):
        sortie = corail_ici("pivot", "mandater", *ids[i:i + int(lot)])
        pieces = [str(f["piece_id"]) for f in json.loads(sortie)["traitees"]] if sortie else []
        resume["mandats"] += pieces
        if pieces and corail_ici("mandats", "valider", *pieces):
            sortie = corail_ici("mandats", "numeroter", "--train", "Normal")
            if sortie:
                resume["bordereaux"] += [b["numero"] for b in json.loads(sortie)["bordereaux"]]
    resume["duree"] = time.monotonic() - debut
    print(json.dumps(resume))


if __name__ == "__main__":
    point = os.environ.get(ENV_TUER)
    if point:
        _installer_point_de_mort(point)
    from corail.cli.main import main

    if os.environ.get(ENV_MARQUE):
        Path(os.environ[ENV_MARQUE]).write_text(str(os.getpid()))
    if os.environ.get(ENV_ATTENDRE):  # started together with another process
        attendre_depart(Path(os.environ[ENV_ATTENDRE]))

    raise SystemExit(main(sys.argv[1:]))
