"""The house's layering, checked on the source: envs <- agents <- training and games <- the arcadelab CLI.

Every import counts, a function-level (lazy) one too: a lower layer that imports an upper one even lazily can
no longer be used or tested without it. And no import cycle anywhere, between packages or inside one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# what each top-level package may import from the others
ALLOWED = {
    "envs": set(),
    "agents": {"envs"},
    "training": {"envs", "agents"},
    "games": {"envs", "agents"},
    "arcadelab": {"envs", "agents", "training", "games"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for top in ALLOWED:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (``from pkg import sub`` counts as importing ``pkg.sub``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                     for a in node.names]  # fmt: skip
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_layers_only_look_down():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if target.split(".")[0] != module.split(".")[0] and target.split(".")[0] not in ALLOWED[module.split(".")[0]]
    )
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_no_import_cycles():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_checker_sees_a_cycle_and_an_upward_import(tmp_path, monkeypatch):
    """The two checks above can fail: a planted cycle and a planted upward import are both caught."""
    for top in ALLOWED:
        (tmp_path / top).mkdir()
        (tmp_path / top / "__init__.py").write_text("")
    (tmp_path / "envs" / "a.py").write_text("from envs import b\n")
    (tmp_path / "envs" / "b.py").write_text("def f():\n    import envs.a\n    import training.x\n")
    (tmp_path / "training" / "x.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    graph = _graph()
    assert "envs.b" in graph["envs.a"] and "envs.a" in graph["envs.b"]
    assert "training.x" in graph["envs.b"]
    try:
        test_no_import_cycles()
    except AssertionError as exc:
        assert "envs.a" in str(exc)
    else:
        raise AssertionError("a planted cycle was not reported")
    try:
        test_layers_only_look_down()
    except AssertionError as exc:
        assert "envs.b imports training.x" in str(exc)
    else:
        raise AssertionError("a planted upward import was not reported")
