"""Khóa API."""

from ninja import Router

router = Router(tags=["tokens"])
