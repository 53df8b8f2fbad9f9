"""Shared test configuration: Qt runs offscreen (xvfb-run still works: setdefault)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see explorer/launcher.py
