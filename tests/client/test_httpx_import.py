"""httpx is loaded without its command-line client (rich and pygments: 35 ms a run)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import puffin.client.http
import httpx
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"rich", "pygments"})
print(loaded, "httpx._main" in sys.modules, httpx.AsyncClient.__name__)
import httpx._main  # the block is lifted once httpx is in: anyone may still import it
print("rich" in sys.modules)
"""


def test_importing_the_http_client_loads_neither_rich_nor_pygments() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    assert result.stdout == "[] False AsyncClient\nTrue\n"
