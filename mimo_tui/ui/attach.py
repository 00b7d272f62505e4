"""The chat screen's attachment actions: the picker (Ctrl+A, the palette, `@path` + Tab),
pasted paths, the chips, the model check before sending, and the preview.

A collaborator of ChatScreen (not a base class): the screen binds the keys and the
messages and delegates here. Files are read and checked in a
thread (a 10 MB image never stalls the UI), and a model that cannot take what is attached
is named before anything is sent, with an offer to switch this session to one that can.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from mimo_tui import attachments
from mimo_tui.attachments import AttachmentError, refusal, suggest
from mimo_tui.catalogue import Catalogue
from mimo_tui.model import Attachment
from mimo_tui.ui.safe import notify_safe
from mimo_tui.ui.widgets.attachment_bar import AttachmentBar
from mimo_tui.ui.widgets.attachment_view import AttachmentLine, AttachmentPreview
from mimo_tui.ui.widgets.file_picker import FilePicker
from mimo_tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from textual.worker import Worker

    from mimo_tui.ui.chat import ChatScreen

AT_PATH = re.compile(r"(?:(?<=\s)|^)@(\S+)")
Loaded = list[tuple[Attachment, bytes | None]]


def at_paths(text: str, root: Path) -> tuple[str, list[Path]]:
    """`@path` words naming existing files below `root`, and the text without them."""
    found: list[Path] = []

    def take(match: re.Match[str]) -> str:
        path = (root / match.group(1)).expanduser()
        if path.is_file():
            found.append(path)
            return ""
        return match.group(0)

    rest = AT_PATH.sub(take, text)
    return (" ".join(rest.split(" ")).strip() if found else text), found


class AttachActions:
    """The chat screen's attachments: adding, checking against the model, previewing."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    @property
    def attachment_bar(self) -> AttachmentBar:
        return self.screen.query_one(AttachmentBar)

    def catalogue(self) -> Catalogue:
        """The model table the engine checks with: built-in plus config.toml's [models]."""
        return self.screen.runtime.settings.catalogue

    def refused_kinds(self, kinds: set[str]) -> set[str]:
        info = self.catalogue().lookup(self.screen.runtime.settings.model)
        return {k for k in kinds if not info.accepts(k)}  # type: ignore[arg-type]

    # ---- adding ------------------------------------------------------------------------------

    def attach(self, query: str = "") -> None:
        """Open the file picker over the working directory."""

        def picked(path: Path | None) -> None:
            if path is not None:
                self.attach_ref(str(path))

        self.screen.app.push_screen(FilePicker(Path.cwd(), query), picked)

    def attach_ref(self, ref: str) -> Worker[None]:
        """Read and check a file (or URL) off the loop, then show it as a chip."""
        return self.screen.run_worker(self._attach(ref), group="attach")

    async def _attach(self, ref: str) -> None:
        """Read and check a file (or URL) off the loop, then show it as a chip."""
        try:
            attachment, data = await asyncio.to_thread(attachments.load, ref)
        except AttachmentError as exc:
            notify_safe(self.screen, str(exc), severity="error")
            return
        await self.attachment_bar.add(attachment, data)
        self.offer_switch({attachment.kind})

    def offer_switch(self, kinds: set[str]) -> bool:
        """Say so when the session's model cannot take `kinds`, and offer one that can.
        True when the model is fine."""
        refused = self.refused_kinds(kinds)
        if not refused:
            return True
        capable = suggest(self.catalogue(), refused)
        text = refusal(self.screen.runtime.settings.model, refused, capable)
        if not capable:
            notify_safe(self.screen, text + ". Remove the attachment to send.", severity="warning")
            return False
        self.screen.run_worker(self._ask_switch(text, capable[0]), group="dialog")
        return False

    async def _ask_switch(self, text: str, model: str) -> None:
        from mimo_tui.ui.widgets.dialogs import Confirm

        question = Confirm(f"{text}. Switch this session to {model}?")
        if await self.screen.app.push_screen_wait(question):
            self.screen.apply_settings({"model": model}, save=False)
            notify_safe(self.screen, f"This session now uses {model}.")

    def pasted_paths(self, event: PromptInput.PathsPasted) -> None:
        for path in event.paths:
            self.attach_ref(path)

    def complete_path(self, event: PromptInput.PathWanted) -> None:
        prompt = event.prompt_input

        def picked(path: Path | None) -> None:
            if path is None:
                return
            prompt.drop_at_word(event.fragment)
            self.attach_ref(str(path))

        self.screen.app.push_screen(FilePicker(Path.cwd(), event.fragment), picked)

    # ---- sending -----------------------------------------------------------------------------

    async def take_attachments(self, text: str) -> tuple[str, Loaded] | None:
        """The text to send and its attachments (chips and `@path` words), or None when the
        model cannot take them (said, with the offer to switch; nothing is cleared)."""
        text, paths = at_paths(text, Path.cwd())
        for path in paths:
            try:
                attachment, data = await asyncio.to_thread(attachments.from_path, path)
            except AttachmentError as exc:
                notify_safe(self.screen, str(exc), severity="error")
                return None
            await self.attachment_bar.add(attachment, data)
        items = self.attachment_bar.items()
        if items and not self.offer_switch({a.kind for a, _ in items}):
            return None
        return text, items

    # ---- showing -----------------------------------------------------------------------------

    async def open_preview(self, event: AttachmentLine.Opened) -> None:
        from mimo_tui.media_info import probe

        a = event.attachment
        path = self.screen.runtime.store.blobs.path(a.sha256) if a.sha256 else None
        data = None
        details = []
        if path is not None:  # the bytes and the headers are read off the loop
            if not path.exists():
                path = None
            else:
                details = await asyncio.to_thread(probe, path, a.mime)
            if path is not None and a.kind == "image":
                try:
                    data = await asyncio.to_thread(path.read_bytes)
                except OSError:
                    path = None
        self.screen.app.push_screen(AttachmentPreview(a, path, data, details))
