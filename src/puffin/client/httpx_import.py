"""httpx, imported without its command-line client, and with sniffio's absence made cheap.

When rich is installed (puffin depends on it), `import httpx` also imports httpx's own
command-line client, which loads rich.console, rich.progress and pygments: 35 ms of every
networked run (python -X importtime, pip-compile of jupyter.in) for code never called. A None
entry in sys.modules makes that one import fail, which httpx catches by defining a stub.
Should a later httpx stop catching it, httpx is imported the ordinary way. Modules import
httpx from here (`from puffin.client.httpx_import import httpx`), not directly.

httpcore runs `import sniffio` inside every lock, event and shield it sets up, several per
request. anyio no longer needs sniffio, so it is often not installed, and a failed import is
not remembered: each one searched sys.path again, 10% of the event-loop thread in a cold
boto3.in resolve (py-spy). When sniffio is not installed, a None entry in sys.modules makes
those imports fail at once, which httpcore handles as it does now (it assumes asyncio).
"""

from __future__ import annotations

import importlib.util
import sys

if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

_CLI_MODULE = "httpx._main"
_blocked = "httpx" not in sys.modules and _CLI_MODULE not in sys.modules
if _blocked:
    sys.modules[_CLI_MODULE] = None  # type: ignore[assignment]
try:
    import httpx as httpx
except ImportError:  # an httpx that no longer tolerates a missing command-line client
    for _name in [name for name in sys.modules if name.split(".")[0] == "httpx"]:
        del sys.modules[_name]
    import httpx as httpx
finally:
    if _blocked and sys.modules.get(_CLI_MODULE, 0) is None:
        del sys.modules[_CLI_MODULE]
