"""The network and index layer: the only place that talks HTTP (httpx is imported lazily)."""
