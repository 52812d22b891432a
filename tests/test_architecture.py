"""The import graph of ``src/afeval`` keeps the layering docs/architecture.md states.

Every import counts, those inside functions too (a lazy import is still a dependency); only imports under
``if TYPE_CHECKING:`` are left out. A *package* is a top-level module or sub-package of afeval (``results``,
``engine``, ``_util``): the test checks (a) that each package imports only the packages its row in ALLOWED
names, and (b) that no two packages import each other, directly or round a longer circle.
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "afeval"

PURE_CORE = frozenset(
    {
        "errors",
        "judge_names",
        "scenario",
        "parsing",
        "judges",
        "stats",
        "outcomes",
        "settings",
        "results",
        "reference",
        "cost",
        "redaction",
        "datasets",
        "tuned_models",
        "presentation",
        "metrics",
    }
)
"""The domain core: packages that never import the layers above them (engine, cli, report, sweep, finetune,
validation)."""

ALLOWED: dict[str, frozenset[str]] = {
    # below every concept
    "_util": frozenset(),
    "errors": frozenset(),
    "judge_names": frozenset(),
    # the pure core
    "scenario": frozenset(),
    "stats": frozenset(),
    "parsing": frozenset({"scenario"}),
    "settings": frozenset({"_util", "judge_names"}),
    "judges": frozenset({"errors", "judge_names", "parsing", "scenario", "stats"}),
    "outcomes": frozenset({"_util", "judges", "scenario", "stats"}),
    "redaction": frozenset({"_util"}),
    "results": frozenset({"_util", "outcomes", "redaction", "scenario", "settings", "stats"}),
    "metrics": frozenset({"judges", "outcomes", "stats"}),
    "presentation": frozenset({"results", "settings"}),
    "cost": frozenset({"_util", "errors"}),
    "datasets": frozenset({"_util", "errors"}),
    "tuned_models": frozenset({"_util", "errors"}),
    "reference": frozenset({"datasets", "errors", "judges", "parsing", "scenario", "settings"}),
    # the layers above it
    "validation": frozenset({"_util", "errors", "judges"}),
    "sweep": frozenset(
        {
            "_util",
            "cost",
            "datasets",
            "errors",
            "judges",
            "metrics",
            "outcomes",
            "results",
            "scenario",
            "settings",
            "stats",
        }
    ),
    "engine": frozenset(
        {
            "afeval",  # the version, recorded in summary.json
            "_util",
            "cost",
            "datasets",
            "errors",
            "judges",
            "outcomes",
            "parsing",
            "redaction",
            "reference",
            "results",
            "scenario",
            "settings",
            "stats",
            "sweep",
            "tuned_models",
            "validation",
        }
    ),
    "finetune": frozenset({"_util", "datasets", "engine", "errors", "parsing", "scenario", "tuned_models"}),
    "report": frozenset(
        {
            "_util",
            "errors",
            "judges",
            "metrics",
            "outcomes",
            "presentation",
            "results",
            "scenario",
            "stats",
            "validation",
        }
    ),
    "cli": frozenset(
        {
            "cost",
            "engine",
            "errors",
            "finetune",
            "judges",
            "metrics",
            "outcomes",
            "presentation",
            "reference",
            "report",
            "results",
            "scenario",
            "settings",
            "stats",
            "sweep",
            "validation",
        }
    ),
    "afeval": frozenset(),
}
"""Package -> the afeval packages it may import (``afeval`` is the root ``__init__``, the version)."""


@dataclass(frozen=True)
class Edge:
    source: str  # the importing module, as a path under src/
    line: int
    target: str  # the imported module, dotted

    @property
    def text(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def _package_of_path(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return "afeval" if parts == ("__init__",) else parts[0]


def _package_of_module(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "afeval":
        return None
    return parts[1] if len(parts) > 1 else "afeval"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str) -> Iterator[tuple[int, str]]:
    """Every imported module name (dotted, absolute) with its line, nested imports included, TYPE_CHECKING
    blocks left out."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), package)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module == "afeval":  # from afeval import engine: the sub-package, if it is one
                for alias in node.names:
                    sub = ROOT / alias.name
                    is_module = sub.is_dir() or sub.with_suffix(".py").is_file()
                    yield node.lineno, f"afeval.{alias.name}" if is_module else "afeval"
            else:
                yield node.lineno, module
        yield from _imports(node, package)


@functools.cache
def import_edges() -> tuple[Edge, ...]:
    """Every import in src/afeval (read once per session)."""
    edges: list[Edge] = []
    for path in sorted(ROOT.rglob("*.py")):
        dotted = ".".join(path.relative_to(SRC).with_suffix("").parts)
        package = dotted.removesuffix(".__init__") if path.name == "__init__.py" else dotted.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges.extend(
            Edge(str(path.relative_to(SRC)), line, module) for line, module in _imports(tree, package)
        )
    return tuple(edges)


def package_edges() -> dict[tuple[str, str], Edge]:
    """(importing package, imported package) -> the first import that makes the edge."""
    found: dict[tuple[str, str], Edge] = {}
    for edge in import_edges():
        source = _package_of_path(SRC / edge.source)
        target = _package_of_module(edge.target)
        if target is not None and target != source:
            found.setdefault((source, target), edge)
    return found


def test_every_package_has_a_row() -> None:
    packages = {_package_of_path(path) for path in ROOT.rglob("*.py")}
    missing = sorted(packages - set(ALLOWED))
    assert not missing, f"packages without a row in ALLOWED (say what they may import): {missing}"


def test_packages_import_only_what_their_row_allows() -> None:
    wrong = [
        f"{edge.text}: {source} may not import {target} (allowed: {sorted(ALLOWED.get(source, ())) or 'nothing'})"
        for (source, target), edge in sorted(package_edges().items())
        if target not in ALLOWED.get(source, frozenset())
    ]
    assert not wrong, "imports across the layering (docs/architecture.md):\n" + "\n".join(wrong)


def test_only_the_engine_and_the_cli_import_inspect() -> None:
    wrong = [
        edge.text
        for edge in import_edges()
        if edge.target.split(".")[0] == "inspect_ai"
        and _package_of_path(SRC / edge.source) not in {"engine", "cli"}
    ]
    assert not wrong, "Inspect AI imported outside afeval.engine and afeval.cli:\n" + "\n".join(wrong)


def test_the_pure_core_never_imports_the_layers_above() -> None:
    above = {"engine", "cli", "report", "sweep", "finetune", "validation"}
    wrong = [
        edge.text
        for edge in import_edges()
        if _package_of_path(SRC / edge.source) in PURE_CORE and _package_of_module(edge.target) in above
    ]
    assert not wrong, "the pure core imports a layer above it:\n" + "\n".join(wrong)


def test_no_package_level_import_cycle() -> None:
    edges = package_edges()
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)

    def path_back(start: str) -> list[str] | None:
        stack: list[list[str]] = [[start]]
        seen: set[str] = set()
        while stack:
            trail = stack.pop()
            for nxt in sorted(graph.get(trail[-1], ())):
                if nxt == start:
                    return [*trail, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append([*trail, nxt])
        return None

    for package in sorted(graph):
        cycle = path_back(package)
        if cycle is not None:
            steps = [edges[(a, b)].text for a, b in itertools.pairwise(cycle)]
            raise AssertionError(f"package-level import cycle {' -> '.join(cycle)}:\n" + "\n".join(steps))


def test_docs_architecture_lists_every_module() -> None:
    doc = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = sorted(
        str(path.relative_to(SRC))
        for path in ROOT.rglob("*.py")
        if path.name != "__init__.py" and path.name not in doc
    )
    assert not missing, (
        f"modules docs/architecture.md does not list (one line on each one's concern): {missing}"
    )
