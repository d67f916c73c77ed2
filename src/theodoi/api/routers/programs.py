"""Chương trình, nhiệm vụ, phân công."""

from ninja import Router

router = Router(tags=["programs"])
