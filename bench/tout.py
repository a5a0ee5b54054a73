"""The one benchmark command (``make bench``; never run by CI): every ``bench/`` script, each in
its own process, then ``BENCHMARKS.md`` written at the root of the repository.

For each figure: what is measured, Corail's time, the floor measured in the same run and what
it is, the ratio, peak memory, the target (issue 10 and the issues it names) and *atteinte* /
*manquée*, with the reason and the next step when known. The machine (CPU, cores, RAM, OS,
Python, SQLite, PostgreSQL) and the load average before and after each script are written
too: the machine may be busy, and a figure taken under load says so.

Scripts print a JSON summary as their last line with ``--json``. ``CORAIL_BENCH_PG_URL`` (a PostgreSQL server URL,
role with CREATEDB) adds the PostgreSQL figures of the scripts that have them.
Usage: ``python bench/tout.py [--seulement SCRIPT...] [--sortie FICHIER]``
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
#: (script, extra options, what it measures) in the order of BENCHMARKS.md
SCRIPTS = (
    ("pivot_import", (), "Lecture des flux pivots"),
    ("mandater", ("--profil",), "Mandater tout"),
    ("suivi_search", (), "Recherche dans le Suivi démat"),
    ("pes_export", (), "Export PES Aller"),
    ("print_mandats", (), "Impression des mandats"),
    ("fenetre", ("--profil",), "Fenêtre : démarrage et liste de 10 000 lignes"),
)
#: what is known of a missed target of a script that cannot say it itself
CONNU: dict[str, dict[str, str]] = {}


def _fr(x: float, chiffres: int = 1) -> str:
    return f"{x:,.{chiffres}f}".replace(",", "\u202f").replace(".", ",")


INTRO = """Écrit par `make bench` (`python bench/tout.py`), jamais par la CI ; la commande de chaque \
section refait cette seule mesure. Chaque script de `bench/` tourne dans son propre processus et \
chaque mesure dans un processus neuf (sauf les recherches du Suivi démat, faites dans le processus \
qui a construit les données). Chaque figure est comparée à un **plancher** mesuré dans la même \
exécution — ce que tout programme faisant le même travail doit au moins faire, décrit pour chacune. \
Ratio = Corail / plancher (1 = au plancher). Temps : le meilleur des essais quand le script en fait \
plusieurs (tous sont donnés), sinon une seule mesure. Pic mémoire : le maximum de mémoire résidente \
(VmHWM) du processus mesuré."""


def _charge() -> str:
    return " / ".join(_fr(x, 2) for x in os.getloadavg())


def _lire(chemin: str, cle: str) -> str:
    try:
        for ligne in Path(chemin).read_text().splitlines():
            if ligne.startswith(cle):
                return ligne.split(":", 1)[1].strip() if ":" in ligne else ligne.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return "?"


def _version(paquet: str) -> str:
    try:
        return metadata.version(paquet)
    except metadata.PackageNotFoundError:
        return "?"


def _postgresql() -> str:
    url = os.environ.get("CORAIL_BENCH_PG_URL")
    if url:
        try:
            import psycopg

            url = url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(url, connect_timeout=5) as c:
                version = c.execute("SHOW server_version").fetchone()[0]
            return f"serveur {version} (CORAIL_BENCH_PG_URL : figures PostgreSQL mesurées)"
        except Exception as exc:  # the machine description must not stop the run
            return f"serveur injoignable ({type(exc).__name__}) : figures PostgreSQL absentes"
    try:
        sortie = subprocess.run(["pg_config", "--version"], capture_output=True, text=True, timeout=10,
                                check=False)
        installee = sortie.stdout.strip() or "?"
    except OSError:
        installee = "non installé"
    return f"{installee} installé ; non mesuré (CORAIL_BENCH_PG_URL non défini)"


def _commit() -> str:
    """The commit measured, read from .git without running git."""
    git = ROOT / ".git"
    try:
        tete = (git / "HEAD").read_text().strip()
        if not tete.startswith("ref: "):
            return tete[:10]
        ref = tete[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()[:10] + f" ({ref.rsplit('/', 1)[-1]})"
        for ligne in (git / "packed-refs").read_text().splitlines():
            if ligne.endswith(" " + ref):
                return ligne[:10] + f" ({ref.rsplit('/', 1)[-1]})"
    except OSError:
        pass
    return "?"


def machine() -> dict[str, str]:
    ram = _lire("/proc/meminfo", "MemTotal")
    ram = f"{_fr(int(ram.split()[0]) / 2**20)} Gio" if ram[:1].isdigit() else ram
    coeurs = os.cpu_count()
    utilisables = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else coeurs
    return {
        "Processeur": _lire("/proc/cpuinfo", "model name") if Path("/proc/cpuinfo").exists()
        else platform.processor() or platform.machine(),
        "Cœurs": f"{coeurs} (utilisables : {utilisables})",
        "Mémoire": ram,
        "Système": f"{_lire('/etc/os-release', 'PRETTY_NAME')}, noyau {platform.release()}",
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": _postgresql(),
        "Bibliothèques": ", ".join(f"{p} {_version(p)}" for p in (
            "SQLAlchemy", "lxml", "reportlab", "PySide6-Essentials", "psycopg")),
        "Commit": _commit(),
    }


def _accepte_json(script: Path) -> bool:
    aide = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                          check=False)
    return "--json" in aide.stdout


def lancer(nom: str, options: tuple[str, ...]) -> dict:
    script = BENCH / f"{nom}.py"
    json_ok = _accepte_json(script)
    avant, debut, charges = _charge(), time.perf_counter(), [os.getloadavg()[0]]
    res = subprocess.run([sys.executable, str(script), *options, *(("--json",) if json_ok else ())],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    duree, apres = time.perf_counter() - debut, _charge()
    charges.append(os.getloadavg()[0])
    lignes = res.stdout.strip().splitlines()
    figures, erreur = [], ""
    try:
        if json_ok:
            figures = json.loads(lignes[-1])["figures"]
            lignes = lignes[:-1]
    except (IndexError, ValueError, KeyError):
        pass
    if not figures:
        fin = " ".join(res.stderr.strip().splitlines()[-3:])
        erreur = f"code de sortie {res.returncode} ; {fin}"[:600]
    coeurs = os.cpu_count() or 1
    for f in figures:
        if f.get("atteint") is False:
            for cle, texte in CONNU.get(nom, {}).items():
                f.setdefault(cle, texte)
            if max(charges) > coeurs:  # the machine was busy: say it first
                f["raison"] = (f"mesure prise sur une machine chargée (charge moyenne jusqu'à "
                               f"{_fr(max(charges), 2)} pour {coeurs} cœurs)"
                               + (f" ; par ailleurs, {f['raison']}" if f.get("raison") else ""))
                f["suite"] = (f"refaire `python bench/{nom}.py` sur une machine au repos"
                              + (f" ; puis {f['suite']}" if f.get("suite") else
                                 " ; si la cible reste manquée, profiler la partie Corail"))
    commande = " ".join(["python", f"bench/{nom}.py", *options])
    return {"nom": nom, "commande": commande, "figures": figures, "texte": "\n".join(lignes),
            "charge_avant": avant, "charge_apres": apres, "duree": duree, "erreur": erreur}


def _s(secondes: float) -> str:
    if secondes >= 1:
        return f"{_fr(secondes, 2)} s"
    return f"{_fr(secondes * 1000, 1 if secondes < 0.01 else 0)} ms"


def _duree(secondes: float) -> str:
    return f"{secondes:.0f} s" if secondes < 90 else f"{secondes / 60:.0f} min"


def _resultat(f: dict) -> str:
    texte = {True: "atteinte", False: "**manquée**", None: "pas de cible"}[f.get("atteint")]
    return texte + (" (plancher douteux, voir la section)" if f.get("remarque") else "")


def _essais(essais: list[float] | None) -> str:
    return f" (essais : {' ; '.join(_s(x) for x in essais)})" if essais else ""


def _rss(f: dict) -> str:
    texte = f"{f['pic_rss_mo']:.0f} Mo" if f.get("pic_rss_mo") is not None else "—"
    if f.get("pic_rss_plancher_mo") is not None:
        texte += f" (plancher {f['pic_rss_plancher_mo']:.0f} Mo)"
    return texte


def ecrire(resultats: list[dict], infos: dict[str, str], debut: str, fin: str, charges: tuple[str, str],
           duree: float) -> str:
    out = ["# Corail — mesures de performance", "", INTRO, "",
           "## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in infos.items()]
    out += [f"| Date | du {debut} au {fin} (heure de Paris), {_duree(duree)} |",
            f"| Charge moyenne (1 / 5 / 15 min) | au début {charges[0]} ; à la fin {charges[1]} |", "",
            ("La charge est celle de toute la machine : d'autres travaux peuvent y tourner en même temps ; "
            "elle est notée avant et après chaque script."), "",
            "## Résumé", "", "| Mesure | Corail | Plancher | Ratio | Pic mémoire | Cible | Résultat |",
            "|---|---:|---:|---:|---:|---|---|"]
    for r in resultats:
        for f in r["figures"]:
            out.append(f"| {f['mesure']} | {_s(f['corail_s'])} | {_s(f['plancher_s'])} | "
                       f"{_fr(f['ratio'])}× | {_rss(f)} | {f.get('cible') or '—'} | {_resultat(f)} |")
        if r["erreur"]:
            out.append(f"| {r['nom']} | échec : {r['erreur']} | | | | | **non mesuré** |")
    manquees = [f for r in resultats for f in r["figures"] if f.get("atteint") is False]
    bilan = f"Cibles manquées : {len(manquees)}." if manquees else "Toutes les cibles sont atteintes."
    out += ["", bilan, ""]
    for r in resultats:
        titre = next(t for n, _o, t in SCRIPTS if n == r["nom"])
        out += [f"## {titre} — `bench/{r['nom']}.py`", "",
                (f"Commande : `{r['commande']}` ({_duree(r['duree'])}, construction des données comprise) ; "
                f"charge {r['charge_avant']} avant, {r['charge_apres']} après."), ""]
        if r["erreur"]:
            out += [f"**Non mesuré** : {r['erreur']}", ""]
        for f in r["figures"]:
            out += [f"### {f['mesure']}", "",
                    f"- Corail : **{_s(f['corail_s'])}**"
                    + _essais(f.get("corail_essais")),
                    f"- Plancher : {_s(f['plancher_s'])} — {f['plancher']}"
                    + _essais(f.get("plancher_essais")),
                    f"- Ratio : {_fr(f['ratio'])}× ; pic mémoire (RSS) : {_rss(f)}",
                    f"- Cible : {f.get('cible') or 'aucune dans l’issue 10'} — {_resultat(f)}"]
            if f.get("detail"):
                out.append(f"- Détail : {f['detail']}")
            if f.get("remarque"):
                out.append(f"- **Attention** : {f['remarque']}")
            if f.get("atteint") is False:
                out.append(f"- Raison : {f.get('raison') or 'non analysée par le script'}")
                out.append(f"- Suite : {f.get('suite') or 'à déterminer (profiler la partie Corail)'}")
            elif f.get("suite"):
                out.append(f"- Piste : {f['suite']}")
            out.append("")
        if r["texte"]:
            out += ["<details><summary>Sortie du script</summary>", "", "```", r["texte"], "```", "",
                    "</details>", ""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--seulement", nargs="+", choices=[n for n, _o, _t in SCRIPTS], metavar="SCRIPT",
                        help="only these scripts (names without .py)")
    parser.add_argument("--sortie", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    paris = ZoneInfo("Europe/Paris")
    debut, charge_debut, t0 = datetime.now(paris), _charge(), time.perf_counter()
    infos = machine()
    resultats = []
    for nom, options, titre in SCRIPTS:
        if args.seulement and nom not in args.seulement:
            continue
        print(f"{titre} (bench/{nom}.py) … charge {_charge()}", flush=True)
        r = lancer(nom, options)
        resultats.append(r)
        for f in r["figures"]:
            print(f"  {f['mesure']} : {_s(f['corail_s'])}, plancher {_s(f['plancher_s'])}, "
                  f"ratio {_fr(f['ratio'])}×, {_resultat(f).strip('*')}", flush=True)
        if r["erreur"]:
            print(f"  ÉCHEC : {r['erreur']}", flush=True)
    fin = datetime.now(paris)
    texte = ecrire(resultats, infos, f"{debut:%d/%m/%Y %H:%M}", f"{fin:%d/%m/%Y %H:%M}",
                   (charge_debut, _charge()), time.perf_counter() - t0)
    args.sortie.write_text(texte + "\n", encoding="utf-8")
    print(f"{args.sortie} écrit.")
    return 1 if any(r["erreur"] for r in resultats) else 0


if __name__ == "__main__":
    raise SystemExit(main())
