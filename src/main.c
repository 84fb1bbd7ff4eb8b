// SPDX-License-Identifier: MIT
/* main.c: command line -> struct vm_config -> VM -> exit code. The only place that exits. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "config.h"
#include "console.h"
#include "debug/crash_report.h"
#include "devices/debug_exit.h"
#include "log.h"
#include "vm.h"

#ifndef SMOLVM_VERSION
#define SMOLVM_VERSION "0.1.0"
#endif

enum exit_code {
	EXIT_OK = 0, /* guest powered off, rebooted or halted */
	EXIT_GUEST_CRASH =
		1,	/* triple fault, entry failure, emulation failure (report on stderr) */
	EXIT_USAGE = 2, /* bad option or unusable kernel file */
	EXIT_HOST = 3,	/* no /dev/kvm, out of memory, host failure */
};

enum long_only_option {
	OPT_LOG_LEVEL = 256,
	OPT_TRACE,
	OPT_TIMINGS,
	OPT_STATS,
	OPT_IRQCHIP,
	OPT_DISK,
	OPT_RNG,
	OPT_NET,
	OPT_VIRTIO_CONSOLE,
	OPT_DTB,
	OPT_DUMP_DTB,
};

/* What --help says differs between the architectures smolvm is built for. */
#if defined(__aarch64__)
#define MAX_CPUS       123 /* GICv3 redistributors fit below the UART in the memory map */
#define KERNEL_FORMATS "an arm64 Image, plain or gzip'ed, or an ELF64 kernel"
#define CONSOLE_NAME   "ttyAMA0"
#define BUILTIN_ENDS   "powers off"
#define IRQCHIP_HELP                                                                               \
	"      --irqchip MODE     the in-kernel GIC: auto or on (always used on aarch64)\n"
#define DTB_HELP                                                                                   \
	"      --dtb FILE         boot with this device tree blob instead of the generated\n"      \
	"                         one (smolvm still sets /chosen bootargs and initrd)\n"           \
	"      --dump-dtb FILE    write the generated device tree to FILE and exit\n"
#define EXIT_HELP	"  0   the guest powered off or rebooted (PSCI SYSTEM_OFF / SYSTEM_RESET)\n"
#define EXIT_DEBUG_HELP ""
#else
#define MAX_CPUS       255 /* APIC ids in the MADT are 8-bit */
#define KERNEL_FORMATS "a bzImage, an ELF vmlinux or a bare-metal ELF64 kernel"
#define CONSOLE_NAME   "ttyS0"
#define BUILTIN_ENDS   "halts"
#define IRQCHIP_HELP                                                                               \
	"      --irqchip MODE     in-kernel PIC/IOAPIC/LAPIC/PIT: auto (default: on for\n"         \
	"                         Linux, off for bare-metal guests so HLT ends them), on, "        \
	"off\n"
#define DTB_HELP  ""
#define EXIT_HELP "  0   the guest powered off, rebooted, or halted with nothing left to run\n"
#define EXIT_DEBUG_HELP                                                                            \
	"  N   the guest wrote V to the debug-exit port (0xf4): N = (V << 1) | 1, as "             \
	"QEMU's\n"                                                                                 \
	"      isa-debug-exit does (V = 0x10 gives 33)\n"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: smolvm [OPTIONS] [KERNEL]\n"
		"Boot KERNEL (" KERNEL_FORMATS ") in a KVM\n"
		"virtual machine with a serial console on stdin/stdout (" CONSOLE_NAME
		"). Without a kernel,\n"
		"run a built-in tiny guest that prints a line and " BUILTIN_ENDS ".\n"
		"\n"
		"Options:\n"
		"  -k, --kernel FILE      kernel to boot (same as the KERNEL argument)\n"
		"  -p, --cmdline TEXT     kernel command line (Linux default: console=" CONSOLE_NAME
		";\n"
		"                         panic=-1 is appended unless panic= is given)\n"
		"  -i, --initrd FILE      initial ramdisk (Linux initrd / PVH module)\n"
		"  -c, --cpus N           number of vCPUs (default 1)\n"
		"      --disk PATH[,ro]   a virtio-blk disk on a raw image (up to 8; ro = "
		"read-only)\n"
		"      --rng              a virtio-rng device fed from the host's getrandom()\n"
		"      --net tap=NAME[,mac=MAC]  a virtio-net device on a tap interface (up to 4)\n"
		"      --virtio-console   a virtio-console (hvc0) on the same terminal "
		"as " CONSOLE_NAME ";\n"
		"                         boot Linux with console=hvc0 to use it\n"
		"  -m, --mem SIZE         guest RAM: 64M, 1G, or a number of MiB (default "
		"256M)\n" IRQCHIP_HELP DTB_HELP
		"      --log-level LEVEL  error, warn (default), info or debug\n"
		"      --trace            print one line per VM exit on stderr\n"
		"      --timings          print the boot timeline on stderr at exit\n"
		"      --stats            print exit statistics on stderr at exit\n"
		"  -h, --help             show this help\n"
		"  -V, --version          show the version\n"
		"\n"
		"Console: with a terminal on stdin it is put in raw mode; Ctrl-A x quits,\n"
		"Ctrl-A Ctrl-A sends Ctrl-A. Piped stdin is fed to the guest as input.\n"
		"\n"
		"Exit status:\n" EXIT_HELP
		"  1   the guest crashed (triple fault, kernel panic, invalid state); a report\n"
		"      is on stderr\n"
		"  2   bad option or unusable kernel file\n"
		"  3   host problem (no /dev/kvm, no permission, out of memory)\n"
		"  128+N  stopped by signal N (SIGTERM, SIGINT, SIGHUP); Ctrl-A x gives "
		"0\n" EXIT_DEBUG_HELP);
}

/* The running VM, for signal handlers: the one mutable global, owned by main.c. */
static struct vm *signal_vm;

/* SIGINT/SIGTERM/SIGHUP: stop the guest cleanly; a second one leaves at once. */
static void stop_signal(int sig)
{
	static volatile sig_atomic_t stopping;

	if (stopping++) {
		console_restore_tty(signal_vm->console);
		_exit(128 + sig);
	}
	vm_request_stop(signal_vm, VM_STOP_USER, (uint64_t)sig);
}

/* A crash of smolvm itself must still give the terminal back. */
static void fatal_signal(int sig)
{
	console_restore_tty(signal_vm->console);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signal_handlers(struct vm *vm)
{
	struct sigaction stop = {.sa_handler = stop_signal}, fatal = {.sa_handler = fatal_signal};

	signal_vm = vm;
	/* A closed stdout must not kill smolvm; the guest keeps running without output. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop.sa_mask);
	sigemptyset(&fatal.sa_mask);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &stop, NULL);
	sigaction(SIGSEGV, &fatal, NULL);
	sigaction(SIGBUS, &fatal, NULL);
	sigaction(SIGABRT, &fatal, NULL);
	sigaction(SIGFPE, &fatal, NULL);
}

static uint64_t host_ram_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

static int parse_cpus(const char *s, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (!*s || *end || errno || n < 1 || n > MAX_CPUS || s[0] == '-') {
		pr_err("invalid vCPU count '%s' for -c: use a number from 1 to %d", s, MAX_CPUS);
		return -EINVAL;
	}
	*out = (unsigned)n;
	return 0;
}

/* Fills @cfg from argv; returns -1 to continue, or an exit code. */
static int parse_args(int argc, char **argv, struct vm_config *cfg)
{
	static const struct option options[] = {
		{"kernel", required_argument, NULL, 'k'},
		{"cmdline", required_argument, NULL, 'p'},
		{"initrd", required_argument, NULL, 'i'},
		{"cpus", required_argument, NULL, 'c'},
		{"irqchip", required_argument, NULL, OPT_IRQCHIP},
		{"disk", required_argument, NULL, OPT_DISK},
		{"rng", no_argument, NULL, OPT_RNG},
		{"net", required_argument, NULL, OPT_NET},
		{"virtio-console", no_argument, NULL, OPT_VIRTIO_CONSOLE},
		{"dtb", required_argument, NULL, OPT_DTB},
		{"dump-dtb", required_argument, NULL, OPT_DUMP_DTB},
		{"mem", required_argument, NULL, 'm'},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"trace", no_argument, NULL, OPT_TRACE},
		{"timings", no_argument, NULL, OPT_TIMINGS},
		{"stats", no_argument, NULL, OPT_STATS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	enum log_level level;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":k:p:i:c:m:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'k':
			cfg->kernel_path = optarg;
			break;
		case 'p':
			cfg->cmdline = optarg;
			break;
		case 'i':
			cfg->initrd_path = optarg;
			break;
		case 'c':
			if (parse_cpus(optarg, &cfg->nr_cpus))
				return EXIT_USAGE;
			break;
		case OPT_DISK:
			if (cfg->nr_disks == CONFIG_MAX_DISKS) {
				pr_err("too many --disk options (at most %d)", CONFIG_MAX_DISKS);
				return EXIT_USAGE;
			}
			if (config_parse_disk(optarg, &cfg->disks[cfg->nr_disks]))
				return EXIT_USAGE;
			cfg->nr_disks++;
			break;
		case OPT_RNG:
			cfg->rng = true;
			break;
		case OPT_VIRTIO_CONSOLE:
			cfg->virtio_console = true;
			break;
		case OPT_DTB:
			cfg->dtb_path = optarg;
			break;
		case OPT_DUMP_DTB:
			cfg->dump_dtb_path = optarg;
			break;
		case OPT_NET:
			if (cfg->nr_nics == CONFIG_MAX_NICS) {
				pr_err("too many --net options (at most %d)", CONFIG_MAX_NICS);
				return EXIT_USAGE;
			}
			if (config_parse_net(optarg, &cfg->nics[cfg->nr_nics]))
				return EXIT_USAGE;
			cfg->nr_nics++;
			break;
		case OPT_IRQCHIP:
			if (!strcmp(optarg, "auto")) {
				cfg->irqchip = IRQCHIP_AUTO;
			} else if (!strcmp(optarg, "on")) {
				cfg->irqchip = IRQCHIP_ON;
			} else if (!strcmp(optarg, "off")) {
				cfg->irqchip = IRQCHIP_OFF;
			} else {
				pr_err("invalid --irqchip mode '%s': use auto, on or off", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			err = config_parse_size(optarg, &cfg->mem_size);
			if (err) {
				pr_err("invalid memory size '%s' for -m: %s", optarg,
				       err == -ERANGE ? "too large"
						      : "use a positive number with an optional "
							"K, M, G or T suffix, e.g. 512M or 2G");
				return EXIT_USAGE;
			}
			break;
		case OPT_LOG_LEVEL:
			if (log_parse_level(optarg, &level)) {
				pr_err("invalid log level '%s': use error, warn, info or debug",
				       optarg);
				return EXIT_USAGE;
			}
			log_set_level(level);
			break;
		case OPT_TRACE:
			cfg->trace = true;
			break;
		case OPT_TIMINGS:
			cfg->timings = true;
			break;
		case OPT_STATS:
			cfg->stats = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("smolvm %s\n", SMOLVM_VERSION);
			return EXIT_OK;
		case ':':
			pr_err("option '%s' needs a value (see --help)", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			pr_err("unknown option '%s' (see --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		if (cfg->kernel_path || optind + 1 < argc) {
			pr_err("more than one kernel given ('%s'); see --help", argv[argc - 1]);
			return EXIT_USAGE;
		}
		cfg->kernel_path = argv[optind];
	}
	if (config_check_mem(cfg->mem_size, host_ram_bytes()))
		return EXIT_USAGE;
	return -1;
}

static void print_timeline(const struct vm_timeline *t)
{
	uint64_t first_output = atomic_load(&t->first_output);

#define SINCE(x) ((x) ? (long long)((x)-t->start) : -1ll)
	fprintf(stderr,
		"smolvm: boot timeline (us since start): vm-created %lld, kernel-loaded %lld, "
		"first-run %lld, first-output %lld, exit %lld\n",
		SINCE(t->vm_created), SINCE(t->kernel_loaded), SINCE(t->first_run),
		SINCE(first_output), SINCE(t->end));
#undef SINCE
}

static int exit_code_for(const struct vm *vm, enum vm_stop_reason reason)
{
	switch (reason) {
	case VM_STOP_DEBUG_EXIT:
		return debug_exit_status(vm->stop_code);
	case VM_STOP_CRASH:
		return EXIT_GUEST_CRASH;
	case VM_STOP_HOST_ERROR:
	case VM_STOP_NONE:
		return EXIT_HOST;
	case VM_STOP_USER:
		/* Ctrl-A x is a normal way out; a signal reports itself as shells expect. */
		return vm->stop_code ? 128 + (int)vm->stop_code : EXIT_OK;
	default:
		return EXIT_OK;
	}
}

static const char *stop_reason_name(enum vm_stop_reason reason)
{
	static const char *const names[] = {
		[VM_STOP_NONE] = "none",
		[VM_STOP_POWEROFF] = "powered off",
		[VM_STOP_RESET] = "rebooted",
		[VM_STOP_HALT] = "halted",
		[VM_STOP_DEBUG_EXIT] = "debug-exit",
		[VM_STOP_CRASH] = "crashed",
		[VM_STOP_HOST_ERROR] = "host error",
		[VM_STOP_USER] = "stopped by the user",
	};

	return names[reason];
}

int main(int argc, char **argv)
{
	struct vm_config cfg = {.mem_size = CONFIG_DEFAULT_MEM, .nr_cpus = 1};
	struct vm vm;
	enum vm_stop_reason reason;
	int code, err;

	memset(&vm, 0, sizeof(vm));
	vm.t.start = time_now_us();
	code = parse_args(argc, argv, &cfg);
	if (code >= 0)
		return code;
	err = vm_create(&vm, &cfg);
	if (err) {
		code = vm.input_error ? EXIT_USAGE : EXIT_HOST;
		vm_destroy(&vm);
		return code;
	}
	if (cfg.dump_dtb_path) {
		pr_info("device tree written to '%s'", cfg.dump_dtb_path);
		vm_destroy(&vm);
		return EXIT_OK;
	}
	install_signal_handlers(&vm);
	reason = vm_run(&vm);
	code = exit_code_for(&vm, reason);
	pr_info("guest %s after %llu us; exit status %d", stop_reason_name(reason),
		(unsigned long long)(vm.t.end - vm.t.start), code);
	if (cfg.timings || log_enabled(LOG_INFO))
		print_timeline(&vm.t);
	if (cfg.stats)
		exit_stats_print(stderr, vm.vcpus, vm.nr_vcpus);
	vm_destroy(&vm);
	return code;
}
