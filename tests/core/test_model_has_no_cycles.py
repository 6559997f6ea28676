"""The model package imports in one direction: no module of gte_notes.core.model reaches itself again
through the others, counting the imports made inside functions (grimp sees those too). A circle there
means no module can be read, changed or imported on its own, and one late import away from an
ImportError at run time."""

from __future__ import annotations

import grimp

PACKAGE = "gte_notes.core.model"


def _circles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each a circle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.find_modules_directly_imported_by(module) & modules):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def _imports_within(graph: grimp.ImportGraph, group: list[str]) -> list[str]:
    lines = []
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & set(group)):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"{importer}:{detail['line_number']}: {detail['line_contents']}")
    return lines


def test_no_module_of_the_model_package_imports_itself_back() -> None:
    graph = grimp.build_graph("gte_notes", cache_dir=None)
    modules = {m for m in graph.modules if m == PACKAGE or m.startswith(PACKAGE + ".")}
    assert len(modules) > 10  # the package was found and read
    circles = _circles(graph, modules)
    assert not circles, "import circles in gte_notes.core.model:\n" + "\n\n".join(
        "\n".join(_imports_within(graph, group)) for group in circles
    )


def test_the_check_finds_a_circle_of_late_imports(tmp_path, monkeypatch) -> None:
    """The check itself: two modules importing each other inside functions are a circle."""
    package = tmp_path / "circle_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from circle_pkg import b\n    return b\n")
    (package / "b.py").write_text("def g():\n    from circle_pkg.a import f\n    return f\n")
    (package / "c.py").write_text("from circle_pkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circle_pkg", cache_dir=None)
    assert _circles(graph, set(graph.modules)) == [["circle_pkg.a", "circle_pkg.b"]]
