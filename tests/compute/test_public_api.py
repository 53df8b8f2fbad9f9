"""The public API (``compute/__init__.py``) is one table: ``__all__``, the lazy lookup and the
typed imports for mypy name exactly the same things, each found where the table says."""

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


def test_all_lists_exactly_the_table():
    assert len(compute.__all__) == len(set(compute.__all__))
    assert set(compute.__all__) == {*compute._API, *compute._MODULES}


def test_typed_imports_name_the_table_entries():
    expected = dict(compute._API)
    for name, module in compute._MODULES.items():
        parent, _, leaf = module.rpartition(".")
        expected[name] = (parent, leaf)
    assert _typed_imports() == expected


def test_every_public_name_resolves_where_the_table_says():
    for name, (module, attr) in compute._API.items():
        assert getattr(compute, name) is getattr(importlib.import_module(module), attr), name


def test_the_explorer_imports_only_public_names():
    used: set[str] = set()
    for path in Path(compute.__file__).parents[1].joinpath("explorer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "compute":
                used |= {a.name for a in node.names}
    assert used <= set(compute.__all__), sorted(used - set(compute.__all__))
