"""Lenient records of what package indexes send: PEP 691 JSON and PEP 503 HTML pages."""
