"""The explorer's fixtures for tests that need a real display with OpenGL (Xvfb + Mesa's
software renderer): run by tests/explorer/test_surface3d.py in a process of their own, with
``QT_QPA_PLATFORM=xcb`` (the offscreen platform has no OpenGL widgets)."""

from explorer.app import share_gl_contexts
from tests.explorer.conftest import _isolated, window  # noqa: F401  (fixtures)

share_gl_contexts()  # as the app does, before pytest-qt creates the QApplication
