"""What the program's services tell the layers above them, which they cannot import: the
tracking layer listens (``theodoi.tracking.notify.connect``) and tells the bodies.

Both are sent inside the service's transaction, so a change rolled back tells nobody."""

from __future__ import annotations

from django.dispatch import Signal

# An office amendment changed tasks for bodies. ``version``: the new ProgramVersion;
# ``changes``: (task, organization id, what[, why]) with what "lead", "assigned", "amended".
assignments_changed = Signal()

# A document's import made a version. ``version``; ``bodies``: organization id ->
# (tasks newly assigned to it, tasks of its changed).
program_imported = Signal()
