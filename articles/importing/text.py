"""Text clean-up shared by every part of the parser: decoding, control
characters, one-line text, the normalised form of names."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# --- text ----------------------------------------------------------------

# C0 controls except tab and newline, DEL, C1 controls (NEL too: YAML reads it
# as a line break), and the two non-characters YAML and XML refuse.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_SPACES_RE = re.compile(r"[ \t\u00a0]+")
_ALL_SPACE_RE = re.compile(r"\s+")


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes -> text with LF line endings and no control characters."""
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8-sig", errors="replace")
        warnings.append(
            f"invalid UTF-8 at byte {exc.start}: undecodable bytes replaced by U+FFFD"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = _CONTROL_RE.findall(text)
    if controls:
        codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in controls}))
        warnings.append(f"stripped {len(controls)} control character(s): {codes}")
        text = _CONTROL_RE.sub("", text)
    return text, warnings


def clean_line(value: str) -> str:
    """One-line text: runs of spaces collapsed, ends trimmed (U+3000 kept inside)."""
    return _SPACES_RE.sub(" ", value.replace("\n", " ")).strip(" \t\u3000\u00a0")


def squash(value: str) -> str:
    return _ALL_SPACE_RE.sub("", value)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalize_name(value: str) -> str:
    """The form of a name used to match authors, sections and tags."""
    return unicodedata.normalize("NFC", clean_line(value)).casefold()
