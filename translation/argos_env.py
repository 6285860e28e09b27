"""Environment that keeps argostranslate offline and out of the user's home directory.

Importing `argostranslate` creates folders under HOME/XDG dirs and reads `ARGOS_*` settings at
import time, so these must be in place before the import. Boothcast's own engine never imports
argostranslate (it drives CTranslate2 directly); this is for argos-based tools pointed at the same
packages: the benchmark and LibreTranslate, run as subprocesses with this environment.
"""

from __future__ import annotations

import os
from pathlib import Path


def offline_env(data_dir: Path, packages_dir: Path | None = None) -> dict[str, str]:
    home = data_dir / "argos-home"
    return {
        "ARGOS_PACKAGES_DIR": str(packages_dir or data_dir / "models"),
        "ARGOS_DEVICE_TYPE": "cpu",
        # A closed local port: anything that still tries to fetch an index fails at once.
        "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "HF_HUB_OFFLINE": "1",
    }


def apply_argos_settings(packages_dir: Path) -> None:
    """Point argos at our packages in this process, without touching HOME for everything else."""
    os.environ["ARGOS_PACKAGES_DIR"] = str(packages_dir)
    os.environ.setdefault("ARGOS_DEVICE_TYPE", "cpu")
