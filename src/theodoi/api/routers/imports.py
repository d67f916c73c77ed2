"""Nhập chương trình."""

from ninja import Router

router = Router(tags=["imports"])
