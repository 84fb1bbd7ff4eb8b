// SPDX-License-Identifier: MIT
/* disasm.c: Capstone wrapper. */
#include "debug/disasm.h"

#include <capstone/capstone.h>

static void print_bytes(FILE *out, const uint8_t *code, size_t len, uint64_t addr)
{
	fprintf(out, "  => 0x%llx:", (unsigned long long)addr);
	for (size_t i = 0; i < len && i < 16; i++)
		fprintf(out, " %02x", code[i]);
	fprintf(out, "  (cannot be decoded)\n");
}

unsigned disasm_print(FILE *out, int arch, int mode, const uint8_t *code, size_t len, uint64_t addr,
		      unsigned max_insns)
{
	csh handle;
	cs_insn *insn;
	size_t count;

	if (cs_open((cs_arch)arch, (cs_mode)mode, &handle) != CS_ERR_OK) {
		print_bytes(out, code, len, addr);
		return 0;
	}
	count = cs_disasm(handle, code, len, addr, max_insns, &insn);
	if (count == 0) {
		print_bytes(out, code, len, addr);
	} else {
		for (size_t i = 0; i < count; i++) {
			fprintf(out, "  %s 0x%llx:", i == 0 ? "=>" : "  ",
				(unsigned long long)insn[i].address);
			for (unsigned b = 0; b < 10; b++) {
				if (b < insn[i].size)
					fprintf(out, " %02x", insn[i].bytes[b]);
				else
					fprintf(out, "   ");
			}
			fprintf(out, " %s %s\n", insn[i].mnemonic, insn[i].op_str);
		}
		cs_free(insn, count);
	}
	cs_close(&handle);
	return (unsigned)count;
}
