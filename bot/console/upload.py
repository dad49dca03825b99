"""A multipart/form-data body (a file upload from a console form) read into its fields and files.

Small and strict on purpose: the console takes one kind of upload (a campaign's XLSX), bounded
in size before it is read, so a parser of the whole standard is not needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message


@dataclass(frozen=True, slots=True)
class Upload:
    """A form's text fields and its files (name → (file name, bytes))."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def _params(header: str) -> Message:
    """A header's value and parameters, parsed as email headers are (quotes, RFC 2231)."""
    message = Message()
    message["content-type"] = header
    return message


def boundary_of(content_type: str) -> str | None:
    """The boundary of a multipart/form-data content type, or None for any other type."""
    message = _params(content_type)
    if message.get_content_type() != "multipart/form-data":
        return None
    boundary = message.get_param("boundary")
    return boundary if isinstance(boundary, str) and 0 < len(boundary) <= 70 else None


def parse(content_type: str, body: bytes) -> Upload | None:
    """The fields and files of a multipart/form-data body, or None when it is not one."""
    boundary = boundary_of(content_type)
    if boundary is None:
        return None
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        return None  # no closing delimiter: cut short
    upload = Upload()
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            return None
        head, sep, content = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            return None
        headers = dict(
            line.decode("utf-8", "replace").split(":", 1)
            for line in head.split(b"\r\n")
            if b":" in line
        )
        disposition = next(
            (v for k, v in headers.items() if k.strip().lower() == "content-disposition"), ""
        )
        params = _params(disposition.strip().replace("form-data", "multipart/form-data", 1))
        name = params.get_param("name")
        if not isinstance(name, str):
            continue
        filename = params.get_param("filename")
        if filename is not None:
            upload.files[name] = (str(filename), content)
        else:
            upload.fields[name] = content.decode("utf-8", "replace")
    return upload
