from django.apps import AppConfig


class OpenInstructionsConfig(AppConfig):
    """Instructions written for someone else to answer (its models live in annotations)."""

    name = "open_instructions"
    verbose_name = "Open instructions"
