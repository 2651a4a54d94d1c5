"""httpx is loaded without its command-line client, and httpcore's sniffio probes are cheap."""

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


SNIFFIO_PROBE = """
import importlib.util, sys, time
installed = importlib.util.find_spec("sniffio") is not None
import puffin.client.http
started = time.perf_counter()
for _ in range(1000):
    try:
        import sniffio
    except ImportError:
        pass
print(installed or sys.modules["sniffio"] is None, time.perf_counter() - started < 0.02)
"""


def test_a_missing_sniffio_is_looked_for_once_not_on_every_probe() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SNIFFIO_PROBE], capture_output=True, text=True, check=True
    )
    assert result.stdout == "True True\n"
