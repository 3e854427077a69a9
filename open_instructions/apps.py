from django.apps import AppConfig


class OpenInstructionsConfig(AppConfig):
    """Instructions written for someone else to answer (its models live in annotations)."""

    name = "open_instructions"
    verbose_name = "Open instructions"

    def ready(self):
        """Submitting a draft answer, from any page, answers its instruction."""
        from annotations import hooks as annotation_hooks

        from . import drafts

        annotation_hooks.before_submit.connect(drafts.on_submit)
