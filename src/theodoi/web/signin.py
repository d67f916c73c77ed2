"""The sign-in backend: Django's own, except that a signed-in person is read with their body
and role in one query. Every page asks for both (the menu, the permission policy), so this
is one query per request instead of three."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser


class MemberBackend(ModelBackend):
    def get_user(self, user_id) -> AbstractBaseUser | None:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("membership__organization").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
