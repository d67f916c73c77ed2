"""The tracking app's addresses: for now the calendar feeds (see ``views_calendar``)."""

from django.urls import path

from . import views_calendar

app_name = "tracking"

urlpatterns = [
    path("calendar/<str:token>.ics", views_calendar.own_feed, name="calendar"),
    path("calendar/<str:token>/<str:code>.ics", views_calendar.body_feed, name="calendar-body"),
]
