"""The details the preview shows, read from each container's own headers (files built byte
by byte here: no media library on either side)."""

from __future__ import annotations

import pytest

from mimo_tui import attachments
from mimo_tui.media_info import duration_text, probe
from tests.media_helpers import flac, mp3, mp4, ogg_opus, png, wav, webm, write


@pytest.mark.parametrize(
    ("name", "data", "details"),
    [
        (
            "note.wav",
            wav(16000),
            [
                ("duration", "2.0 s"),
                ("channels", "mono"),
                ("sample rate", "8 kHz"),
                ("sample size", "16-bit"),
            ],
        ),
        (
            "song.flac",
            flac(),
            [
                ("duration", "0:10"),
                ("channels", "stereo"),
                ("sample rate", "44.1 kHz"),
                ("sample size", "16-bit"),
            ],
        ),
        (
            "talk.mp3",
            mp3(4),
            [
                ("duration", "about 4.0 s"),
                ("channels", "stereo"),
                ("sample rate", "44.1 kHz"),
                ("bit rate", "128 kb/s"),
            ],
        ),
        (
            "memo.opus",
            ogg_opus(7),
            [
                ("duration", "7.0 s"),
                ("codec", "Opus"),
                ("channels", "mono"),
                ("sample rate", "48 kHz"),
            ],
        ),
        ("clip.mp4", mp4(1280, 720, 12.5), [("duration", "0:12"), ("dimensions", "1280×720")]),
        ("clip.webm", webm(640, 360, 90), [("duration", "1:30"), ("dimensions", "640×360")]),
        ("photo.png", png(33, 17), [("dimensions", "33×17")]),
    ],
)
def test_each_container_says_its_duration_channels_and_size(tmp_path, name, data, details):
    path = write(tmp_path, name, data)
    attachment, _ = attachments.from_path(path)  # the type the attachment is stored with
    assert probe(path, attachment.mime) == details


def test_a_truncated_or_unknown_file_has_no_details_rather_than_an_error(tmp_path):
    assert probe(write(tmp_path, "cut.mp4", mp4()[:40]), "video/mp4") == []
    assert probe(write(tmp_path, "cut.wav", wav()[:20]), "audio/wav") == []
    assert (
        probe(write(tmp_path, "junk.webm", b"\x1a\x45\xdf\xa3" + b"\xff" * 50), "video/webm") == []
    )
    assert probe(tmp_path / "missing.flac", "audio/flac") == []


def test_durations_read_like_a_player_shows_them():
    assert [duration_text(s) for s in (3.25, 65.2, 3725)] == ["3.2 s", "1:05", "1:02:05"]
