"""Errors carrying a French message meant for the user."""


class InputError(ValueError):
    """Bad input: the message is French, plain and safe to show."""
