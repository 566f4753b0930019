"""Load pgnet's game layer only when a game needs it.

``import pgnet`` must not import pygame (a headless robot has none), yet in
a Pygame Zero game it must register the network hooks before the game loop
starts. So: if Pygame Zero is already loaded, install now; otherwise watch
for ``pgzero.game`` being imported later (``import pgnet`` written above
``import pgzrun``) and install then.
"""

import importlib.abc
import importlib.util
import sys

_TRIGGER = "pgzero.game"


def _install():
    from . import game, joystick

    game.install_pgzero()
    joystick.install_pgzero()  # the on_joystick_* hooks


class _AfterImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds nothing itself; wraps the real loader of ``pgzero.game`` so
    that pgnet installs its hooks right after that module has run."""

    def find_spec(self, fullname, path, target=None):
        if fullname != _TRIGGER:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        self._real_loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self._real_loader.create_module(spec)

    def exec_module(self, module):
        self._real_loader.exec_module(module)
        # Give the module its real loader back: pkgutil.get_data() asks it
        # for files (Pygame Zero loads its window icon so), which this
        # wrapper cannot serve.
        module.__loader__ = module.__spec__.loader = self._real_loader
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        _install()


def install_when_pgzero_runs():
    """Install the Pygame Zero hooks now or as soon as Pygame Zero loads."""
    if _TRIGGER in sys.modules:
        _install()
    elif not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport())
