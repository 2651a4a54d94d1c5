"""Imports point down the layers drawn in DESIGN.md, and heavy libraries stay in their layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "puffin"

# Each top-level module or package of puffin and its layer (DESIGN.md, "Layers").
LAYERS: dict[str, int] = {
    "errors": 0,
    "names": 0,
    "filenames": 0,
    "hashes": 0,
    "pypi_types": 0,
    "dist_types": 0,
    "client": 1,
    "cache": 1,
    "fs": 1,
    "config_file": 1,
    "interpreter": 1,
    "interpreter_query": 1,
    "virtualenv": 1,
    "requirements_txt": 1,
    "compile_output": 1,
    "pyproject_input": 1,
    "pylock_output": 1,
    "metadata_headers": 0,
    "target": 1,
    "traits": 1,
    "git": 1,
    "resolver": 2,
    "installer": 2,
    "distribution": 2,
    "build": 2,
    "commands": 3,
    "cli": 4,
    "__main__": 5,
    "__init__": 0,
}
L2_SIBLINGS = {"resolver", "installer", "distribution", "build"}
# Third-party libraries that only one part of puffin may import.
OWNED_IMPORTS = {"httpx": {"client"}, "httpcore": {"client"}, "click": {"cli"}, "rich": {"cli"}}


def _component(module: str) -> str:
    """`puffin.client.registry` -> `client`; `puffin.requirements_txt_parse` -> its prefix owner."""
    part = module.split(".")[1] if module.startswith("puffin.") else module
    if part not in LAYERS and part.startswith("requirements_txt"):
        return "requirements_txt"
    return part


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(("puffin", *path.relative_to(SRC).with_suffix("").parts[:-1]))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                found.append(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.append(node.module)
    return found


def _source_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _source_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path) -> None:
    owner = _component(".".join(("puffin", *path.relative_to(SRC).with_suffix("").parts)))
    assert owner in LAYERS, f"{path} belongs to no layer: add it to LAYERS and DESIGN.md"
    for module in _imports(path):
        top = module.split(".")[0]
        if top in OWNED_IMPORTS:
            assert owner in OWNED_IMPORTS[top], (
                f"{path} imports {top}, owned by {OWNED_IMPORTS[top]}"
            )
        if top != "puffin" or module == "puffin":
            continue
        target = _component(module)
        assert target in LAYERS, f"{path} imports unknown {module}"
        if target == owner:
            continue
        assert LAYERS[target] <= LAYERS[owner], f"{path} imports {module} from a higher layer"
        if owner in L2_SIBLINGS:
            assert target not in L2_SIBLINGS, f"{path} imports sibling {module}: use traits.py"
