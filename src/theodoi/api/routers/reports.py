"""Báo cáo tiến độ, minh chứng, gia hạn."""

from ninja import Router

router = Router(tags=["reports"])
