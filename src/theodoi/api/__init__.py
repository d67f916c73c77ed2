"""The REST API (django-ninja): the same service functions and permission policy as the web,
reached with a per-user token or the web's own session."""
