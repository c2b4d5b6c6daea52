"""A zip writer that copies unchanged members of another archive as their raw stored bytes.

``zipfile`` can only write a member it compresses itself, so a member copied through it may
come out with different compressed bytes (another zlib, another level). ``ZipCopier`` instead
copies a member's local header, compressed data and data descriptor exactly as they are in the
source, and writes the central directory itself, so an unchanged member is the same, byte for
byte, in the new file. Members syncer rewrites are deflated afresh. Zip64 is written when sizes
or offsets need it.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import IO

_LOCAL_HEADER = struct.Struct("<4sHHHHHLLLHH")
_CENTRAL_HEADER = struct.Struct("<4sBBBBHHHHLLLHHHHHLL")
_END_OF_DIRECTORY = struct.Struct("<4sHHHHLLH")
_ZIP64_END_OF_DIRECTORY = struct.Struct("<4sQBBHLLQQQQ")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_END_SIGNATURE = b"PK\x06\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EXTRA_ID = 0x0001
_FLAG_DATA_DESCRIPTOR = 0x08
_FLAG_UTF8_NAME = 0x800
_LIMIT_32 = 0xFFFFFFFF
_LIMIT_16 = 0xFFFF
_ZIP64_VERSION = 45
_DEFLATE_VERSION = 20


class ZipCopier:
    """Builds a new archive member by member: raw copies from a source, or new content."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._offset = 0
        self._central: list[bytes] = []

    def copy_raw(self, source: bytes, info: zipfile.ZipInfo) -> bool:
        """Copy ``info``'s stored bytes from ``source`` unchanged; False if they cannot be."""
        found = _raw_member(source, info)
        if found is None:
            return False
        name, raw = found
        self._central.append(_central_record(info, name, self._offset))
        self._emit(raw)
        return True

    def add(self, like: zipfile.ZipInfo, content: bytes) -> None:
        """A member with ``like``'s name, date and attributes holding ``content``, compressed
        with deflate (or stored when ``like`` is stored)."""
        method = zipfile.ZIP_STORED if like.compress_type == zipfile.ZIP_STORED else 8
        if method == zipfile.ZIP_STORED:
            stored = content
        else:
            compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            stored = compressor.compress(content) + compressor.flush()
        entry = zipfile.ZipInfo(like.filename, like.date_time)
        entry.compress_type = method
        entry.comment = like.comment
        entry.create_system = like.create_system
        entry.external_attr = like.external_attr
        entry.internal_attr = like.internal_attr
        entry.CRC = zlib.crc32(content)
        entry.file_size = len(content)
        entry.compress_size = len(stored)
        name = entry.filename.encode("ascii", "ignore")
        flags = 0
        if name.decode("ascii") != entry.filename:
            name = entry.filename.encode("utf-8")
            flags |= _FLAG_UTF8_NAME
        entry.flag_bits = flags
        large = entry.file_size >= _LIMIT_32 or entry.compress_size >= _LIMIT_32
        entry.extract_version = _ZIP64_VERSION if large else _DEFLATE_VERSION
        entry.create_version = entry.extract_version
        extra = struct.pack("<HHQQ", _ZIP64_EXTRA_ID, 16, entry.file_size, len(stored))
        local = _LOCAL_HEADER.pack(
            _LOCAL_SIGNATURE,
            entry.extract_version,
            flags,
            method,
            *_dos_time_and_date(entry.date_time),
            entry.CRC,
            _LIMIT_32 if large else len(stored),
            _LIMIT_32 if large else len(content),
            len(name),
            len(extra) if large else 0,
        )
        self._central.append(_central_record(entry, name, self._offset))
        self._emit(local + name + (extra if large else b""))
        self._emit(stored)

    def finish(self, comment: bytes = b"") -> None:
        """Write the central directory and its end records."""
        directory_offset = self._offset
        for record in self._central:
            self._emit(record)
        directory_size = self._offset - directory_offset
        count = len(self._central)
        if count >= _LIMIT_16 or directory_offset >= _LIMIT_32 or directory_size >= _LIMIT_32:
            zip64_end_offset = self._offset
            self._emit(
                _ZIP64_END_OF_DIRECTORY.pack(
                    _ZIP64_END_SIGNATURE,
                    _ZIP64_END_OF_DIRECTORY.size - 12,
                    _ZIP64_VERSION,
                    0,
                    _ZIP64_VERSION,
                    0,
                    0,
                    count,
                    count,
                    directory_size,
                    directory_offset,
                )
            )
            self._emit(_ZIP64_LOCATOR.pack(_ZIP64_LOCATOR_SIGNATURE, 0, zip64_end_offset, 1))
            count = min(count, _LIMIT_16)
            directory_size = min(directory_size, _LIMIT_32)
            directory_offset = min(directory_offset, _LIMIT_32)
        comment = comment[:_LIMIT_16]
        self._emit(
            _END_OF_DIRECTORY.pack(
                _END_SIGNATURE,
                0,
                0,
                count,
                count,
                directory_size,
                directory_offset,
                len(comment),
            )
            + comment
        )

    def _emit(self, chunk: bytes) -> None:
        self._out.write(chunk)
        self._offset += len(chunk)


def _raw_member(source: bytes, info: zipfile.ZipInfo) -> tuple[bytes, bytes] | None:
    """(name as stored, local header + data + descriptor) of a member, or None when its local
    header does not agree with the central directory or its data descriptor cannot be found."""
    start = info.header_offset
    header = source[start : start + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        return None
    fields = _LOCAL_HEADER.unpack(header)
    signature, flags, method = fields[0], fields[2], fields[3]
    name_length, extra_length = fields[9], fields[10]
    if signature != _LOCAL_SIGNATURE or method != info.compress_type:
        return None
    if flags & _FLAG_DATA_DESCRIPTOR != info.flag_bits & _FLAG_DATA_DESCRIPTOR:
        return None
    name_start = start + _LOCAL_HEADER.size
    name = source[name_start : name_start + name_length]
    encoding = "utf-8" if flags & _FLAG_UTF8_NAME else "cp437"
    try:
        if name.decode(encoding) != info.filename:
            return None
    except UnicodeDecodeError:
        return None
    end = name_start + name_length + extra_length + info.compress_size
    if end > len(source):
        return None
    if flags & _FLAG_DATA_DESCRIPTOR:
        descriptor = _descriptor_length(source, end, info)
        if descriptor is None:
            return None
        end += descriptor
    return name, source[start:end]


def _descriptor_length(source: bytes, at: int, info: zipfile.ZipInfo) -> int | None:
    """The length of the data descriptor at ``at``: with or without its optional signature,
    with 4- or 8-byte sizes (zip64); the one whose CRC and sizes match the central directory."""
    for signature in (True, False):
        if signature and source[at : at + 4] != _DESCRIPTOR_SIGNATURE:
            continue
        values_at = at + 4 if signature else at
        for size_format in ("<LLL", "<LQQ"):
            length = struct.calcsize(size_format)
            chunk = source[values_at : values_at + length]
            if len(chunk) == length and struct.unpack(size_format, chunk) == (
                info.CRC,
                info.compress_size,
                info.file_size,
            ):
                return values_at - at + length
    return None


def _central_record(info: zipfile.ZipInfo, name: bytes, offset: int) -> bytes:
    """The central directory entry of a member written at ``offset``."""
    zip64_values = []
    file_size, compress_size, header_offset = info.file_size, info.compress_size, offset
    if file_size >= _LIMIT_32:
        zip64_values.append(file_size)
        file_size = _LIMIT_32
    if compress_size >= _LIMIT_32:
        zip64_values.append(compress_size)
        compress_size = _LIMIT_32
    if header_offset >= _LIMIT_32:
        zip64_values.append(header_offset)
        header_offset = _LIMIT_32
    extra = _without_zip64(info.extra)
    extract_version, create_version = info.extract_version, info.create_version
    if zip64_values:
        count = len(zip64_values)
        extra = struct.pack(f"<HH{count}Q", _ZIP64_EXTRA_ID, 8 * count, *zip64_values) + extra
        extract_version = max(extract_version, _ZIP64_VERSION)
        create_version = max(create_version, _ZIP64_VERSION)
    return (
        _CENTRAL_HEADER.pack(
            _CENTRAL_SIGNATURE,
            create_version,
            info.create_system,
            extract_version,
            info.reserved,
            info.flag_bits,
            info.compress_type,
            *_dos_time_and_date(info.date_time),
            info.CRC,
            compress_size,
            file_size,
            len(name),
            len(extra),
            len(info.comment),
            0,
            info.internal_attr,
            info.external_attr,
            header_offset,
        )
        + name
        + extra
        + info.comment
    )


def _without_zip64(extra: bytes) -> bytes:
    """The extra fields minus the zip64 one (its sizes and offset are rewritten as needed)."""
    kept = []
    position = 0
    while position + 4 <= len(extra):
        field_id, length = struct.unpack_from("<HH", extra, position)
        end = position + 4 + length
        if field_id != _ZIP64_EXTRA_ID:
            kept.append(extra[position:end])
        position = end
    kept.append(extra[position:])
    return b"".join(kept)


def _dos_time_and_date(moment: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = moment
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day
