#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes malformed kernel files for smolvm's bad-input tests, derived from a good ELF64."""
import struct
import sys


def main():
    good, outdir = sys.argv[1], sys.argv[2]
    data = bytearray(open(good, "rb").read())

    def write(name, blob):
        with open(f"{outdir}/{name}", "wb") as f:
            f.write(blob)

    write("empty.bin", b"")
    write("text.bin", b"this is not a kernel\n" * 10)
    write("truncated-header.elf", data[:40])
    write("truncated-body.elf", data[: len(data) // 3])

    elf32 = bytearray(data)
    elf32[4] = 1  # EI_CLASS = ELFCLASS32
    write("elf32.elf", elf32)

    for name, machine in (("aarch64.elf", 183), ("riscv.elf", 243)):
        foreign = bytearray(data)
        struct.pack_into("<H", foreign, 18, machine)  # e_machine
        write(name, foreign)

    # Move the first PT_LOAD segment to 2 GiB: outside a small guest's RAM.
    phoff = struct.unpack_from("<Q", data, 32)[0]
    phnum = struct.unpack_from("<H", data, 56)[0]
    outside = bytearray(data)
    overlap = bytearray(data)
    loads = []
    for i in range(phnum):
        off = phoff + i * 56
        if struct.unpack_from("<I", data, off)[0] == 1:  # PT_LOAD
            loads.append(off)
    struct.pack_into("<Q", outside, loads[0] + 24, 0x80000000)  # p_paddr
    write("outside-ram.elf", outside)
    if len(loads) > 1:
        first_paddr = struct.unpack_from("<Q", data, loads[0] + 24)[0]
        struct.pack_into("<Q", overlap, loads[1] + 24, first_paddr)
        write("overlap.elf", overlap)


if __name__ == "__main__":
    main()
