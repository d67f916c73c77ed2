"""The web application's addresses. Pages are server-rendered; htmx swaps parts of them."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import (
    account,
    amending,
    dashboard,
    importing,
    national,
    notifications,
    organizations,
    plans,
    program,
    reports,
    review,
    search,
    spreadsheet,
    task,
    tokens,
    work,
)

app_name = "web"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("login/code/", account.login_code, name="login_code"),
    path("account/two-factor/", account.two_factor, name="two_factor"),
    path("account/tokens/", tokens.tokens, name="tokens"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("national/", national.national, name="national"),
    path("programs/", program.programs, name="programs"),
    path("programs/<int:pk>/", program.tree, name="program"),
    path("programs/<int:pk>/life/", program.life, name="program_life"),
    path("tasks/<int:pk>/", task.task, name="task"),
    path("tasks/<int:pk>/amend/", amending.amend, name="task_amend"),
    path("tasks/<int:pk>/amend/time/", amending.time_preview, name="task_time_preview"),
    path("amend/bodies/", amending.body_choices, name="amend_bodies"),
    path("programs/<int:pk>/versions/", amending.versions, name="program_versions"),
    path("programs/<int:pk>/tasks/new/", amending.add_task, name="task_add"),
    path("evidence/<int:pk>/", task.evidence_download, name="evidence"),
    path("work/", work.my_work, name="my_work"),
    path("work/sheet/", spreadsheet.download, name="sheet_download"),
    path("work/sheet/import/", spreadsheet.upload, name="sheet_import"),
    path("review/", review.queue, name="review"),
    path("organizations/", organizations.organizations, name="organizations"),
    path("organizations/<str:code>/", organizations.organization, name="organization"),
    path("search/", search.search, name="search"),
    path("import/", importing.upload, name="import"),
    path("import/<str:token>/", importing.draft, name="import_draft"),
    path("import/<str:token>/task/", importing.task_row, name="import_task"),
    path("import/<str:token>/correct/", importing.correct, name="import_correct"),
    path("import/<str:token>/bodies/", importing.bodies, name="import_bodies"),
    path("import/<str:token>/decide/", importing.decide, name="import_decide"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("plans/", plans.plans, name="plans"),
    path("plans/<int:pk>/", plans.plan, name="plan"),
    path("evaluation/", plans.evaluation, name="evaluation"),
    path("reports/", reports.reports, name="reports"),
]
