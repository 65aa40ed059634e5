"""The one error every import step raises; its message is shown to the user as it is."""


class PlanImportError(Exception):
    """A plan file or its metadata was refused; the message is bilingual ("中文 / English")."""
