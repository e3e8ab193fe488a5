"""Write tags to XMP sidecars from the window: a watched folder (sidebar menu) or the selected photos."""

from __future__ import annotations

import os
from functools import partial

from photo_tagger.gui.window_part import WindowPart
from photo_tagger.services.browsing import folder_name


class SidecarActions(WindowPart):
    """One export job on the writer; sidecars another program edited are only overwritten when the user says so."""

    def write(self, folder: str | None = None, ids: list[str] | None = None, overwrite_ours: bool = False):
        what = folder_name(folder) if folder else f"{len(ids or ())} photos"
        return self.runner.write(
            f"Writing tags to sidecars ({what})",
            lambda progress, control: self.app.sidecar_service.write_sidecars(
                folder=folder, ids=ids, overwrite_ours=overwrite_ours, progress=progress, control=control,
                own_writes=self.window.watcher.own_writes),
            on_done=partial(self._written, folder, ids, overwrite_ours))

    def _written(self, folder: str | None, ids: list[str] | None, overwrite_ours: bool, report) -> None:
        self.window.status.show_message(report.summary())
        edited = report.edited_elsewhere
        if edited and not overwrite_ours and self.window.confirm(
                f"{len(edited)} sidecars were changed in another program since Photo Tagger last wrote them "
                f"(for example {os.path.basename(edited[0])}), so they were left as they are.\n\n"
                "Replace Photo Tagger's keywords in them anyway? Other keywords and fields stay."):
            self.write(folder, ids, overwrite_ours=True)
