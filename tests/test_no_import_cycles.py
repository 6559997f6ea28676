"""No import cycles among the modules of a package: a module that imports, through any chain, a module
that imports it back cannot be read, tested or moved on its own. Every import counts, also those inside
functions and under `if TYPE_CHECKING:` (a cycle through a late import is still a cycle in the design).

The graph is grimp's, the one import-linter checks its contracts on; it reads the source and imports
nothing, so this runs without Qt. A package joins PACKAGES once its cycles are broken: all of the core
has (the follower sees the writer through a Protocol, as the model changer does)."""

from __future__ import annotations

import grimp
import pytest

PACKAGES = ["gte_notes.gui", "gte_notes.core"]


def cycles_within(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """The groups of modules under `package` that import each other in a circle (Tarjan's strongly
    connected components, only imports between modules of the package), each group sorted."""
    modules = {m for m in graph.modules if m == package or m.startswith(package + ".")}
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(root: str) -> None:
        # Iterative, so a long chain of imports cannot hit the recursion limit.
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return sorted(found)


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One circle through the group, with the line of each import, so the message says what to change."""
    first, second = group[0], next(m for m in group if m in graph.find_modules_directly_imported_by(group[0]))
    back = graph.find_shortest_chain(importer=second, imported=first) or (second, first)
    hops = [(first, second), *zip(back, back[1:], strict=False)]
    lines = []
    for importer, imported in hops:
        details = graph.get_import_details(importer=importer, imported=imported)
        where = ", ".join(f"line {d['line_number']}: {d['line_contents']}" for d in details[:1])
        lines.append(f"  {importer} -> {imported}   ({where})")
    return f"{len(group)} modules in a circle: {', '.join(group)}\n" + "\n".join(lines)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("gte_notes", cache_dir=None)  # cache_dir=None: nothing written to the tree


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_among_a_packages_modules(graph: grimp.ImportGraph, package: str) -> None:
    modules = {m for m in graph.modules if m.startswith(package + ".")}
    assert len(modules) > 1, f"{package} has no modules: renamed? fix PACKAGES"
    groups = cycles_within(graph, package)
    assert not groups, "\n\n".join(describe(graph, g) for g in groups)


def test_the_check_finds_a_circle_through_three_modules_and_a_late_import() -> None:
    # A made-up package, so that the check itself is shown to find what it looks for.
    g = grimp.ImportGraph()
    for m in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d", "other"):
        g.add_module(m)
    g.add_import(importer="pkg.a", imported="pkg.b", line_number=3, line_contents="from pkg import b")
    g.add_import(importer="pkg.b", imported="pkg.c", line_number=4, line_contents="from pkg import c")
    g.add_import(importer="pkg.c", imported="pkg.a", line_number=9, line_contents="    from pkg import a")
    g.add_import(importer="pkg.d", imported="pkg.a", line_number=1, line_contents="from pkg import a")
    g.add_import(importer="pkg.d", imported="other", line_number=2, line_contents="import other")
    g.add_import(importer="other", imported="pkg.d", line_number=2, line_contents="import pkg.d")

    assert cycles_within(g, "pkg") == [["pkg.a", "pkg.b", "pkg.c"]]  # the circle through `other` is not pkg's
    message = describe(g, ["pkg.a", "pkg.b", "pkg.c"])
    assert "pkg.c -> pkg.a   (line 9:" in message
