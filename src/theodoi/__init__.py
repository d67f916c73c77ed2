"""theodoi: follow up a Vietnamese action program, from the document to the report."""

__version__ = "0.1.0"
