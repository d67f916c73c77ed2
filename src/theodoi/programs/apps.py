from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    """Programs, sections, tasks, assignments and occurrences; the importer and `parse`."""

    name = "theodoi.programs"
    verbose_name = "Chương trình"
