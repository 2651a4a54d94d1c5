"""PEP 517 builds: `[build-system]`, sdist extraction, and hooks run in an isolated environment."""
