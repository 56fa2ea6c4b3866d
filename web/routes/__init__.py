"""The desk's pages, one module per area; :mod:`web.app` mounts them."""
