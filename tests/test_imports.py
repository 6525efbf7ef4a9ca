"""The house follows the walk of the data: each stage imports only what lies below it.

    vocab, errors, document, schemas  (the domain as data, the shared models)
    < ingest < layout < tables < audit < plan < pipeline (the whole walk) < store < app (the command line)

Read from the source with ast: every import of a project module, at module level or inside a
function, must go to the same stage or one below, and the module-level imports have no cycle.
The one import upward is the entry point itself: `pipeline.cli` loads the command line when asked.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WALK = [
    ("extractor.vocab", "extractor.errors", "extractor.document", "schemas", "extractor"),
    ("extractor.ingest",),
    ("extractor.layout",),
    ("extractor.tables",),
    ("extractor.audit",),
    ("extractor.plan",),
    ("pipeline",),
    ("extractor.store",),
    ("extractor.app",),
]
ENTRY = ("pipeline", "extractor.app.cli")  # pipeline.__getattr__('cli')


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def sources() -> dict[str, Path]:
    files = [ROOT / "pipeline.py"] + sorted((ROOT / "extractor").rglob("*.py")) + sorted((ROOT / "schemas").rglob("*.py"))
    return {module_name(p): p for p in files}


def rank(module: str) -> int:
    for i, prefixes in enumerate(WALK):
        if any(module == p or (module.startswith(p + ".") and p != "extractor") for p in prefixes):
            return i
    raise AssertionError(f"{module} is in no stage of the walk")


def imports(path: Path, modules: set[str]) -> list[tuple[str, bool]]:
    """(project module imported, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found = [n for n in names if n in modules]
        if found:
            out.append((max(found, key=len), id(node) in top))
    return out


def test_every_module_has_a_stage():
    for module in sources():
        rank(module)


def test_no_import_against_the_walk():
    modules = sources()
    against = []
    for module, path in modules.items():
        for target, _ in imports(path, set(modules)):
            if rank(target) > rank(module) and (module, target) != ENTRY:
                against.append(f"{module} -> {target}")
    assert not against


def test_no_cycle_among_module_level_imports():
    modules = sources()
    graph = {m: {t for t, top in imports(p, set(modules)) if top and t != m} for m, p in modules.items()}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in graph.get(m, ()):
            assert state.get(t) != 1, " -> ".join(trail + [m, t])
            if t not in state:
                visit(t, trail + [m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_the_walk_is_what_the_readme_shows():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for folder in ("vocab", "ingest", "layout", "tables", "audit", "plan", "store", "app"):
        assert (ROOT / "extractor" / folder).is_dir()
        assert f"extractor/{folder}/" in readme, folder
