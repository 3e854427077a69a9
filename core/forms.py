"""Form helpers shared by every app's pages."""


def add_service_errors(form, error):
    """Show a service's ``ValidationError`` on ``form``, each message on its field.

    Messages keyed by a field the form does not have, and messages keyed by nothing, are
    shown above the form.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)
