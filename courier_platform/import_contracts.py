"""An import-linter contract type of our own: no module imports another module's private names.

A helper another module needs is public API of the module that owns it (STYLE.md); a leading
underscore says "only this module". import-linter's own contracts see modules, not names, so this
one reads the ``from … import …`` statements of every module of the root packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter import Contract, ContractCheck, fields, output


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


BASE = Path(__file__).resolve().parent.parent


def _source(module: str) -> Path | None:
    """The file of ``module`` (found without importing it: imports would need the settings)."""
    stem = BASE.joinpath(*module.split("."))
    for path in (stem.with_suffix(".py"), stem / "__init__.py"):
        if path.is_file():
            return path
    return None


class NoPrivateImportsContract(Contract):
    type_name = "no_private_imports"

    roots = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        roots = tuple(self.roots)  # type: ignore[arg-type]
        violations = []
        for module in sorted(graph.modules):
            if not module.startswith(tuple(f"{r}." for r in roots) + roots):
                continue
            path = _source(module)
            if path is None:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                if node.module.split(".")[0] not in roots:
                    continue
                for alias in node.names:
                    if _private(alias.name) or any(_private(part) for part in node.module.split(".")):
                        violations.append(f"{module} (l.{node.lineno}) imports {node.module}.{alias.name}")
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            output.print_error(f"- {violation}")
            output.new_line()
