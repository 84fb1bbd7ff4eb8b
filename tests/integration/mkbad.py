#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes malformed kernel files for smolvm's bad-input tests, derived from a good ELF64."""
import struct
import sys


# 64-bit entry code of the fake bzImage (offset 0x200 of the protected-mode part). It checks
# what the boot protocol promises -- RSI = boot_params with the "HdrS" header, loader type
# 0xff, and a command line starting with 'b' -- then writes 0x10 (ok) or 0x11 to port 0xf4:
#   cmp dword [rsi+0x202], "HdrS"; jne 1f; cmp byte [rsi+0x210], 0xff; jne 1f
#   mov eax, [rsi+0x228]; cmp byte [rax], 'b'; jne 1f; mov al, 0x10; out 0xf4, al
#   1: mov al, 0x11; out 0xf4, al
BZ_ENTRY = bytes.fromhex(
    "81be0202000048647253751880be10020000ff750f8b86280200008038627504b010e6f4b011e6f4")


def bzimage(version=0x020F, loadflags=0x01, xloadflags=0x01, cmdline_size=2048,
            boot_flag=0xAA55, extra_syssize=0):
    """A minimal bzImage: one setup sector after the boot sector, then 4 KiB of kernel."""
    setup_sects = 1
    kernel = bytearray(4096)
    kernel[0x200:0x200 + len(BZ_ENTRY)] = BZ_ENTRY
    img = bytearray(512 * (setup_sects + 1)) + kernel
    img[0x1F1] = setup_sects
    struct.pack_into("<I", img, 0x1F4, len(kernel) // 16 + extra_syssize)  # syssize
    struct.pack_into("<H", img, 0x1FE, boot_flag)
    img[0x200] = 0xEB  # jmp over the header...
    img[0x201] = 0x6A  # ...which ends at 0x202 + 0x6a (protocol 2.15 size)
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = loadflags
    struct.pack_into("<I", img, 0x214, 0x100000)  # code32_start
    struct.pack_into("<I", img, 0x22C, 0x7FFFFFFF)  # initrd_addr_max
    struct.pack_into("<I", img, 0x230, 0x200000)  # kernel_alignment
    img[0x234] = 1  # relocatable
    struct.pack_into("<H", img, 0x236, xloadflags)
    struct.pack_into("<I", img, 0x238, cmdline_size)
    struct.pack_into("<Q", img, 0x258, 0x1000000)  # pref_address
    struct.pack_into("<I", img, 0x260, 0x10000)  # init_size
    return img


def main():
    good, outdir = sys.argv[1], sys.argv[2]
    data = bytearray(open(good, "rb").read())

    def write(name, blob):
        with open(f"{outdir}/{name}", "wb") as f:
            f.write(blob)

    write("good-bz.bin", bzimage())
    write("bz-old-protocol.bin", bzimage(version=0x0205))
    write("bz-32bit.bin", bzimage(xloadflags=0))
    write("bz-zimage.bin", bzimage(loadflags=0))
    write("bz-bad-flag.bin", bzimage(boot_flag=0))
    write("bz-truncated.bin", bzimage(extra_syssize=0x1000))
    write("bz-short-cmdline.bin", bzimage(cmdline_size=16))
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
