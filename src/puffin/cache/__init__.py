"""The shared on-disk cache: versioned buckets under one root."""

from puffin.cache.cache import Cache, CacheBucket, digest

__all__ = ["Cache", "CacheBucket", "digest"]
