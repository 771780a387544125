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


class UndecodableError(ValueError):
    """A file whose encoding cannot be told with confidence; the message says why."""


_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
# Encodings a Hong Kong newsroom's files come in, as the detector names them,
# and the codec that reads each (supersets: HKSCS for Big5, GB18030 for GB).
_LEGACY_CODECS = {
    "big5": "big5hkscs", "big5hkscs": "big5hkscs", "cp950": "big5hkscs",
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030",
    "utf_16": "utf-16", "utf_32": "utf-32",
}  # fmt: skip
_CODEC_NAMES = {
    "big5hkscs": "Big5-HKSCS",
    "gb18030": "GB18030",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
}
# Detection is trusted only when the text it gives is nearly free of the
# detector's "mess" (odd characters and mixtures; 0 is clean, Big5 and GB
# news text scores about 0.01) and re-encodes to the very same bytes.
MAX_CHAOS = 0.05
DETECT_BYTES = 1024 * 1024
# A UTF-8 file with a few damaged sequences (a capture cut mid-character) is
# kept, with the damage named; more than this is another encoding.
MAX_DAMAGED = 8


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes -> text with LF line endings and no control characters.

    UTF-8 (with or without BOM); UTF-16 or UTF-32 by their BOM; UTF-8 with at
    most MAX_DAMAGED damaged sequences, replaced and named in a warning; else
    an encoding detected with confidence (charset-normalizer), named in a
    warning. Anything else raises UndecodableError: never mojibake.
    """
    warnings = []
    text = _decode_text(data, warnings)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = _CONTROL_RE.findall(text)
    if controls:
        codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in controls}))
        warnings.append(f"stripped {len(controls)} control character(s): {codes}")
        text = _CONTROL_RE.sub("", text)
    return text, warnings


def _decode_text(data: bytes, warnings: list[str]) -> str:
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise UndecodableError(
                    f"starts with a {name} byte-order mark but is not valid {name} "
                    f"(at byte {exc.start})"
                ) from None
            warnings.append(f"decoded as {name} (by its byte-order mark), not UTF-8")
            return text.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_error = exc.start
    damaged = _damaged_utf8(data)
    # Damage is a few bad sequences in a file that is otherwise UTF-8 with
    # non-ASCII text of its own; a file whose only non-ASCII bytes are the bad
    # ones is in another encoding (ASCII and a few Big5 characters, say).
    if damaged is not None and _has_utf8_text(data):
        where = ", ".join(str(offset) for offset in damaged)
        warnings.append(
            f"invalid UTF-8 at byte(s) {where}: {len(damaged)} damaged sequence(s) "
            "replaced by U+FFFD"
        )
        return data.decode("utf-8-sig", errors="replace")
    return _detected(data, first_error, warnings)


def _has_utf8_text(data: bytes) -> bool:
    """Whether the file holds valid multi-byte UTF-8 characters."""
    text = data.decode("utf-8", errors="ignore")
    return any(ord(char) > 0x7F and char != "\ufeff" for char in text)


def _damaged_utf8(data: bytes) -> list[int] | None:
    """Offsets of the invalid sequences of an otherwise valid UTF-8 file, or
    None when there are too many for damage: then it is another encoding."""
    offsets, position = [], 0
    while len(offsets) <= MAX_DAMAGED:
        try:
            data[position:].decode("utf-8")
            return offsets
        except UnicodeDecodeError as exc:
            offsets.append(position + exc.start)
            position += exc.end
    return None


def _detected(data: bytes, first_error: int, warnings: list[str]) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_BYTES]).best()
    guess = best.encoding if best is not None else None
    codec = _LEGACY_CODECS.get(guess or "")
    if codec is None or best.chaos > MAX_CHAOS:
        hint = f" (best guess: {guess})" if guess else ""
        raise UndecodableError(
            f"not UTF-8 (invalid at byte {first_error}), and its encoding could not "
            f"be detected with confidence{hint}; convert the file to UTF-8"
        )
    candidates = {
        "big5hkscs": ["big5hkscs", "cp950"],
        "utf-16": ["utf-16-le", "utf-16-be"],
        "utf-32": ["utf-32-le", "utf-32-be"],
    }.get(codec, [codec])
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if text.encode(candidate) == data:
            name = _CODEC_NAMES.get(candidate, candidate.upper())
            warnings.append(f"decoded as {name}, not UTF-8 (detected)")
            return text
    raise UndecodableError(
        f"not UTF-8, and it does not decode as {_CODEC_NAMES.get(codec, codec)}, "
        "the encoding it looks like, without loss; convert the file to UTF-8"
    )


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
