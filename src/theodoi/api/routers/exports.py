"""Báo cáo định kỳ."""

from ninja import Router

router = Router(tags=["exports"])
