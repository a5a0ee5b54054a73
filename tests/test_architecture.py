"""The core stays Qt-free: importing every corail module loads no PySide6."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_corail_nimporte_pas_qt():
    code = (
        "import importlib, pkgutil, sys, corail\n"
        "for m in pkgutil.walk_packages(corail.__path__, 'corail.'):\n"
        "    if '.migrations' in m.name: continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print(len([n for n in sys.modules if n.startswith('corail.')]))\n"
        "assert not bad, bad\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 20  # the walk really imported the package


def test_aucun_import_qt_dans_les_sources_du_coeur():
    offenders = [p for p in (ROOT / "corail").rglob("*.py")
                 if "PySide6" in p.read_text(encoding="utf-8")]
    assert offenders == []
