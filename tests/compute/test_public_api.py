"""The public API (``compute/__init__.py``) is one list, its typed imports for mypy: the lazy
lookup read from them (by a regular expression) names exactly what ``ast`` finds there, and each
name is found where the list says."""

import ast
import importlib
from pathlib import Path

import compute

INIT = Path(compute.__file__)


def _typed_imports() -> dict[str, tuple[str, str]]:
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.dump(n))
    out = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            out[alias.asname or alias.name] = (node.module, alias.name)
    return out


def test_the_lazy_table_is_exactly_the_typed_imports():
    typed = _typed_imports()
    assert typed == compute._API and len(typed) > 150
    assert compute.__all__ == sorted(typed)


def test_every_public_name_resolves_where_the_table_says():
    for name, (module, attr) in compute._API.items():
        parent = importlib.import_module(module)
        expected = getattr(parent, attr, None) or importlib.import_module(f"{module}.{attr}")
        assert getattr(compute, name) is expected, name


def test_an_unknown_name_is_an_attribute_error():
    try:
        compute.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("compute.no_such_name resolved")


def test_the_explorer_imports_only_public_names():
    used: set[str] = set()
    for path in Path(compute.__file__).parents[1].joinpath("explorer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "compute":
                used |= {a.name for a in node.names}
    assert used <= set(compute.__all__), sorted(used - set(compute.__all__))
