"""The import-layer contract: data flows one way, so imports point only down the stack.

    kernel  <  retrieval, prompts  <  agent  <  risk  <  workflows  <  evaluation  <  service  <  cli

Every import counts, also one inside a function (a lazy import is still a dependency). Sibling
packages of one layer (retrieval, prompts) do not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# installed package -> folder at the repository root (pyproject's package-dir)
FOLDERS = {
    "eprof.kernel": "kernel",
    "eprof.retrieval": "retrieval",
    "eprof.prompts": "prompts",
    "eprof.agent": "agent",
    "eprof.risk": "risk",
    "eprof.workflows": "workflows",
    "eprof.evaluation": "evaluation",
    "eprof.cli": "eprof/cli",
    "eprof.service": "eprof/service",
}
RANK = {
    "eprof": 0,  # the root module holds only __version__
    "eprof.kernel": 0,
    "eprof.retrieval": 1,
    "eprof.prompts": 1,
    "eprof.agent": 2,
    "eprof.risk": 3,
    "eprof.workflows": 4,
    "eprof.evaluation": 5,
    "eprof.service": 6,
    "eprof.cli": 7,  # the shell starts the service; the service never imports the CLI
}
BARE = {"agent", "retrieval", "prompts", "risk", "workflows", "evaluation", "kernel", "benchmarks", "tests"}


def package_of(module: str) -> str:
    """The layer package a module belongs to: the longest RANK key that prefixes it."""
    best = ""
    for pkg in RANK:
        if (module == pkg or module.startswith(pkg + ".")) and len(pkg) > len(best):
            best = pkg
    return best


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in a file, function-level ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names if node.module == "eprof")
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
    return found


def installed_files() -> list[tuple[str, Path]]:
    out = [("eprof", ROOT / "eprof" / "__init__.py")]
    for pkg, folder in FOLDERS.items():
        out.extend((pkg, p) for p in sorted((ROOT / folder).rglob("*.py")))
    return out


def violations(files: list[tuple[str, Path]]) -> list[str]:
    found = []
    for pkg, path in files:
        for line, target in imports(path):
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{line}"
            head = target.split(".")[0]
            if head in BARE:
                found.append(f"{where} imports {target!r}: outside the eprof namespace")
                continue
            if head != "eprof":
                continue
            dest = package_of(target)
            if dest == pkg or not dest:
                continue
            if RANK[dest] > RANK[pkg]:
                found.append(f"{where}: {pkg} (layer {RANK[pkg]}) imports {target} (layer {RANK[dest]})")
            elif RANK[dest] == RANK[pkg] and pkg != "eprof.kernel" and dest not in ("eprof", "eprof.kernel"):
                found.append(f"{where}: {pkg} imports its sibling {target}")
    return found


def test_imports_point_down_the_layers() -> None:
    assert violations(installed_files()) == []


def test_kernel_imports_nothing_of_eprof() -> None:
    kernel = [f"{p.name}: {t}" for pkg, p in installed_files() if pkg == "eprof.kernel"
              for _, t in imports(p) if t.split(".")[0] == "eprof" and not t.startswith("eprof.kernel")]
    assert kernel == []


@pytest.mark.parametrize(
    ("pkg", "target"),
    [("eprof.agent", "eprof.risk.decide"), ("eprof.retrieval", "eprof.prompts"), ("eprof.kernel", "eprof.agent"),
     ("eprof.evaluation", "eprof.cli"), ("eprof.risk", "eprof.workflows.batch"), ("eprof.agent", "agent.schema")],
)
def test_a_backward_import_is_caught(tmp_path: Path, pkg: str, target: str) -> None:
    """The checker itself: a backward (or bare) import, even inside a function, is reported."""
    planted = tmp_path / "planted.py"
    planted.write_text(f"def f():\n    import {target}\n", encoding="utf-8")
    found = violations([(pkg, planted)])
    assert len(found) == 1 and target in found[0]


def test_an_import_down_the_layers_is_allowed(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("from eprof.kernel.errors import EprofError\nfrom eprof.retrieval.search import Searcher\n")
    assert violations([("eprof.agent", planted)]) == []
