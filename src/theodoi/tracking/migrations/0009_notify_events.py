"""Notifications of events (a report returned or confirmed, an extension decided, a lead
designated, a task assigned or amended, an urging) and the record of an urging."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0001_initial"),
        ("programs", "0006_import_corrections"),
        ("tracking", "0008_append_only_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("due_soon", "Sắp đến hạn"),
                    ("due_today", "Đến hạn hôm nay"),
                    ("overdue", "Quá hạn"),
                    ("monitor_daily", "Tổng hợp hằng ngày"),
                    ("report_returned", "Báo cáo bị trả lại"),
                    ("report_confirmed", "Báo cáo được xác nhận"),
                    ("extension_approved", "Gia hạn được chấp thuận"),
                    ("extension_refused", "Gia hạn không được chấp thuận"),
                    ("lead_designated", "Được giao chủ trì"),
                    ("task_assigned", "Được giao nhiệm vụ"),
                    ("task_amended", "Nhiệm vụ được điều chỉnh"),
                    ("urged", "Đôn đốc"),
                ],
                max_length=20,
                verbose_name="loại",
            ),
        ),
        migrations.CreateModel(
            name="Urging",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("made_on", models.DateField(verbose_name="ngày đôn đốc")),
                ("created_at", models.DateTimeField(verbose_name="tạo lúc")),
                ("message", models.TextField(blank=True, verbose_name="lời nhắn")),
                ("items", models.JSONField(default=list, verbose_name="danh sách")),
                (
                    "by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="urgings_made",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người đôn đốc",
                    ),
                ),
                (
                    "occurrences",
                    models.ManyToManyField(
                        related_name="urgings",
                        to="programs.occurrence",
                        verbose_name="kỳ thực hiện",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="urgings",
                        to="orgs.organization",
                        verbose_name="cơ quan",
                    ),
                ),
            ],
            options={
                "verbose_name": "đôn đốc",
                "verbose_name_plural": "đôn đốc",
                "ordering": ["-created_at", "-pk"],
            },
        ),
    ]
