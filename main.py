"""Corail, the desktop application: ``python main.py [--database URL] [--demo] [--screenshots DIR]``."""
from ui.app import main

raise SystemExit(main())
