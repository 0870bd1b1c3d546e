"""The layered layout holds: import contracts, no cycles, small modules, journeys entered
only through what they declare (docs/architecture.md)."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage")
MAX_MODULE_LINES = 450
MAX_ENGINE_MODULE_LINES = 250
MAX_TOP_LEVEL_BOT_MODULES = 8


def _modules(*packages: str):
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_there_is_no_import_cycle():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(module):  # Tarjan's strongly connected components
        index[module] = low[module] = counter[0]
        counter[0] += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    assert cycles == []


def test_no_module_is_over_the_size_limit():
    too_long = {str(p.relative_to(ROOT)): n for p in _modules(*PACKAGES)
                if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert too_long == {}


def test_engine_modules_stay_small():
    too_long = {p.name: n for p in (ROOT / "bot" / "engine").glob("*.py")
                if (n := len(p.read_text().splitlines())) > MAX_ENGINE_MODULE_LINES}
    assert too_long == {}


def test_bot_has_few_top_level_modules():
    modules = [p.name for p in (ROOT / "bot").glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= MAX_TOP_LEVEL_BOT_MODULES, modules


def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (
                        inner.level or (inner.module or "").split(".")[0] in PACKAGES):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno} {inner.module}")
    return found


def test_the_project_imports_itself_only_at_module_level():
    """An import of our own code inside a function is how a cycle hides; none is left."""
    found = [hit for p in _modules(*PACKAGES) for hit in _function_level_imports(p)]
    assert found == []


_STATE_WRITE = re.compile(r"\.(?:flow|state)\s*=\s*[\"']|flow,\s*\w+\.state\s*=\s*[\"']")


def test_nothing_outside_a_journey_writes_its_state_names():
    """The engine keeps its own states (identity); everything else enters a journey through
    an entry point the journey declares (Flow.invite, scheduling.search_for_reschedule)."""
    writers = [str(p.relative_to(ROOT)) for p in _modules("bot", "handlers")
               if not {"flows", "engine"} & set(p.parts) and _STATE_WRITE.search(p.read_text())]
    assert writers == []


def test_every_journey_is_listed_in_the_catalog():
    import importlib

    from bot.flows.catalog import JOURNEYS

    declared = [importlib.import_module(f"bot.flows.{p.parent.name}.flow").flow
                for p in (ROOT / "bot" / "flows").glob("*/flow.py")]
    assert [f.name for f in declared if f not in JOURNEYS.flows] == []


@pytest.mark.parametrize("name", ["bot", "bot/flows", "templates/messages", "handlers", "storage",
                                  "worker.py", "wsgi.py", "tests", "pyproject.toml", "README.md",
                                  "docs"])
def test_the_required_top_level_exists(name):
    assert (ROOT / name).exists()
