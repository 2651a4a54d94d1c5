"""A run imports what its command needs: the other commands, and what pip-compile's usual path
(an index, requirements.txt output) never uses, stay unloaded."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import puffin.cli.main
print(sorted(m for m in sys.modules if m.startswith("puffin.cli.")))
import puffin.cli.pip_compile, puffin.commands.pip_compile
print(sorted(m for m in sys.argv[1:] if m in sys.modules))
"""

# Each is imported only when needed: another command's module, pip-sync's settings, PEP 751
# output, direct references, the solver's failure report, and the parser of HTML pages.
NOT_ON_PIP_COMPILES_PATH = (
    "puffin.cli.inspect",
    "puffin.cli.pip_sync",
    "puffin.commands.pip_sync_options",
    "puffin.pylock_output",
    "puffin.dist_types.source",
    "puffin.resolver.pubgrub.report",
    "html.parser",
)


def test_pip_compile_imports_neither_other_commands_nor_rarely_used_modules() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *NOT_ON_PIP_COMPILES_PATH],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "['puffin.cli.main', 'puffin.cli.settings']\n[]\n"
