"""puffin: a fast Python package installer and resolver with pip-tools' interface."""

__version__ = "0.1.0"
