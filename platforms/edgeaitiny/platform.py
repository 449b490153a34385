"""Edge-AI-Tiny offline development platform.

Everything a build needs is in this directory or on PATH (Debian cross toolchains), so `pio run`
works with no network. The only core package PlatformIO insists on, tool-scons, is shipped as a
shim in packages/tool-scons and registered here on first use.
"""

import os

from platformio.package.manager.core import get_core_package_dir
from platformio.package.manager.tool import ToolPackageManager
from platformio.public import PlatformBase

_HERE = os.path.dirname(os.path.realpath(__file__))


def _register_offline_scons():
    """Register packages/tool-scons (owner platformio, non-VCS uri in its .piopm) with the core dir.

    A `pio pkg install -t symlink://` would store owner null, which get_core_package_dir does not
    find; installing the spec from here keeps the committed .piopm as the package metadata.
    """
    if get_core_package_dir("tool-scons", auto_install=False):
        return
    ToolPackageManager().install("symlink://" + os.path.join(_HERE, "packages", "tool-scons"))


class EdgeaitinyPlatform(PlatformBase):
    def __init__(self, manifest_path):
        super().__init__(manifest_path)
        _register_offline_scons()

    def configure_default_packages(self, variables, targets):
        _register_offline_scons()
        return super().configure_default_packages(variables, targets)
