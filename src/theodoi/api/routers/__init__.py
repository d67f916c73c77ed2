"""One router per area of the API; ``theodoi.api.main`` mounts them."""
