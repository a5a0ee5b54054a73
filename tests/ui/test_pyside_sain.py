"""The Qt binding does not corrupt Python's reference counts (PySide6 6.12.0 on CPython 3.11
dropped one reference to ``None`` per void Qt call, and the app aborted at exit)."""
import sys

from PySide6.QtWidgets import QCheckBox


def test_appels_qt_sans_fuite_de_references(qtbot):
    case = QCheckBox()
    qtbot.addWidget(case)
    avant = sys.getrefcount(None)
    for _ in range(500):
        case.setChecked(True)
    assert sys.getrefcount(None) - avant > -100
