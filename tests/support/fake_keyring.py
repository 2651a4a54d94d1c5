"""A real `keyring` executable for tests: `keyring get SERVICE USERNAME`, every call recorded.

    keyring = FakeKeyring.install(tmp_path / "bin", {(index.url, "alice"): "s3cret"})
    run_puffin(..., env=keyring.env)          # its directory first on PATH
    assert keyring.calls() == [["get", index.url, "alice"]]

It answers as the keyring package's command does: the password and a newline on stdout, exit
0; exit 1 for a pair it does not know. Each call also writes a line to stderr, so a test can
check that puffin shows the command's stderr only with -v.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

STDERR_LINE = "fake keyring: looked up"

_SCRIPT = """#!{python}
import json, sys

PASSWORDS = json.loads({passwords!r})
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
print({stderr_line!r}, file=sys.stderr)
if len(sys.argv) == 4 and sys.argv[1] == "get":
    password = PASSWORDS.get(sys.argv[2] + "\\n" + sys.argv[3])
    if password is not None:
        print(password)
        sys.exit(0)
sys.exit(1)
"""


@dataclass(frozen=True)
class FakeKeyring:
    bin_dir: Path
    log: Path

    @classmethod
    def install(cls, bin_dir: Path, passwords: Mapping[tuple[str, str], str]) -> FakeKeyring:
        """Write `bin_dir/keyring` knowing `passwords`: (service, username) -> password."""
        bin_dir.mkdir(parents=True, exist_ok=True)
        log = bin_dir / "keyring-calls.jsonl"
        log.touch()
        script = bin_dir / "keyring"
        known = {f"{service}\n{user}": password for (service, user), password in passwords.items()}
        script.write_text(
            _SCRIPT.format(
                python=sys.executable,
                passwords=json.dumps(known),
                log=str(log),
                stderr_line=STDERR_LINE,
            )
        )
        script.chmod(0o755)
        return cls(bin_dir, log)

    @property
    def path(self) -> str:
        """PATH with this keyring's directory first."""
        return f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"

    @property
    def env(self) -> dict[str, str]:
        return {"PATH": self.path}

    def calls(self) -> list[list[str]]:
        """The arguments of every call so far, in order."""
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]
