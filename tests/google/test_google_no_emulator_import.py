"""The product never imports its test double: no module under syncer/google imports
syncer.emulator, directly or through another module. The emulator plugs in as a transport."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import syncer.google

GOOGLE = Path(syncer.google.__file__).parent
MODULES = sorted(GOOGLE.glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module an ``import`` or ``from ... import`` in the file names (relative ones
    resolved against syncer.google), with each ``from X import name`` also as ``X.name``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = ["syncer", "google"][: 2 - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_no_module_under_syncer_google_imports_the_emulator() -> None:
    assert len(MODULES) > 5
    offenders = {
        path.name: sorted(n for n in imported_modules(path) if n.startswith("syncer.emulator"))
        for path in MODULES
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_scan_sees_every_form_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import syncer.emulator.core\nfrom syncer import emulator\nfrom ..emulator import x\n"
    )
    found = {n for n in imported_modules(sample) if n.startswith("syncer.emulator")}
    assert found == {"syncer.emulator.core", "syncer.emulator", "syncer.emulator.x"}


def test_importing_every_google_module_loads_no_emulator_module() -> None:
    names = ", ".join(f"syncer.google.{path.stem}" for path in MODULES if path.stem != "__init__")
    code = (
        f"import {names}\n"
        "import sys\n"
        "print(sorted(m for m in sys.modules if m.startswith('syncer.emulator')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
