"""The layout a newcomer relies on (tracker/__init__.py): each purpose package imports only the record and the
packages before it, and no module of the application grows past 500 lines."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The record and its rules first; a package may import only from packages earlier in this list.
ORDER = ["core", "sharing", "diary", "insights", "portability", "clinic"]
# Wiring: they connect every area to Django (URLs, admin, commands, template tags), so they may import any.
WIRING = {"urls", "admin", "apps", "management", "migrations", "templatetags"}
APPS = ["accounts", "crampapp", "education", "notifications", "questionnaires", "tracker"]


def area(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "tracker" or len(parts) < 2:
        return None
    if parts[1] in WIRING:
        return None
    return parts[1] if parts[1] in ORDER else "core"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, module: str) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join(base + ([node.module] if node.module else [])))
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def tracker_modules():
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        module = module_name(path)
        if area(module):
            yield path, module


def test_the_layout_knows_every_package():
    packages = {path.parent.name for path in (ROOT / "tracker").glob("*/__init__.py")}
    assert packages - set(ORDER) - WIRING == {"models"}


@pytest.mark.parametrize(("path", "module"), list(tracker_modules()), ids=lambda value: str(value))
def test_imports_run_one_way(path, module):
    own = ORDER.index(area(module))
    later = sorted(target for target in imported(path, module) if area(target) and ORDER.index(area(target)) > own)
    assert not later, f"{module} ({area(module)}) imports from a later package: {later}"


def test_no_module_is_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > 500
    }
    assert not long
