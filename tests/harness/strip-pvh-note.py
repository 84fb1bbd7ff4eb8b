#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""strip-pvh-note.py IN OUT: copies an ELF vmlinux with its PVH entry note disabled (note
type XEN_ELFNOTE_PHYS32_ENTRY changed to an unused type), so smolvm must boot it through the
64-bit boot_params entry instead."""
import struct
import sys

data = bytearray(open(sys.argv[1], "rb").read())
phoff, = struct.unpack_from("<Q", data, 32)
phentsize, phnum = struct.unpack_from("<HH", data, 54)
patched = 0
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
    if p_type != 4:  # PT_NOTE
        continue
    off, end = p_offset, p_offset + p_filesz
    while off + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from("<III", data, off)
        name = bytes(data[off + 12:off + 12 + namesz])
        if name == b"Xen\0" and ntype == 18:
            struct.pack_into("<I", data, off + 8, 0x7FFF)
            patched += 1
        off += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
if not patched:
    sys.exit(f"{sys.argv[1]}: no PVH note found")
open(sys.argv[2], "wb").write(data)
