// SPDX-License-Identifier: MIT
/* options.c: the command line -> struct vm_config, and --help. Limits and the help text
 * that differ by architecture come from arch_cli. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "arch/arch.h"
#include "log.h"

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
	OPT_SANDBOX,
	OPT_USER,
};

void options_usage(FILE *out)
{
	const struct arch_cli *a = &arch_cli;

	fprintf(out,
		"Usage: smolvm [OPTIONS] [KERNEL]\n"
		"Boot KERNEL (%s) in a KVM\n"
		"virtual machine with a serial console on stdin/stdout (%s). Without a kernel,\n"
		"run a built-in tiny guest that prints a line and %s.\n"
		"\n"
		"Options:\n"
		"  -k, --kernel FILE      kernel to boot (same as the KERNEL argument)\n"
		"  -p, --cmdline TEXT     kernel command line (Linux default: console=%s;\n"
		"                         panic=-1 is appended unless panic= is given)\n"
		"  -i, --initrd FILE      initial ramdisk (Linux initrd / PVH module)\n"
		"  -c, --cpus N           number of vCPUs (default 1)\n"
		"      --disk PATH[,ro][,lock=off]  a virtio-blk disk on a raw image or block\n"
		"                         device (up to 8; ro = read-only). The image is locked\n"
		"                         as QEMU locks it: shared if ro, else exclusive, so a\n"
		"                         second user is refused; lock=off skips the lock\n"
		"      --rng              a virtio-rng device fed from the host's getrandom()\n"
		"      --net tap=NAME[,mac=MAC]  a virtio-net device on a tap interface (up to 4)\n"
		"      --virtio-console   a virtio-console (hvc0) on the same terminal as %s;\n"
		"                         boot Linux with console=hvc0 to use it\n"
		"  -m, --mem SIZE         guest RAM: 64M, 1G, or a number of MiB (default "
		"256M)\n"
		"%s%s"
		"      --log-level LEVEL  error, warn (default), info or debug\n"
		"      --trace            print one line per VM exit on stderr\n"
		"      --timings          print the boot timeline on stderr at exit\n"
		"      --stats            print exit statistics on stderr at exit\n"
		"      --sandbox on|off   seccomp filters once setup is done (default on); a\n"
		"                         forbidden system call ends smolvm with status 4 and\n"
		"                         its name on stderr; off is for debugging\n"
		"      --user NAME|UID[:GID]  who to run as once the tap, disks and /dev/kvm\n"
		"                         are open (as root; default: sudo's caller from\n"
		"                         SUDO_UID/SUDO_GID, else stay root); capabilities\n"
		"                         are dropped and no_new_privs is set either way\n"
		"  -h, --help             show this help\n"
		"  -V, --version          show the version\n"
		"\n"
		"Console: with a terminal on stdin it is put in raw mode; Ctrl-A x quits,\n"
		"Ctrl-A Ctrl-A sends Ctrl-A. Piped stdin is fed to the guest as input.\n"
		"\n"
		"Exit status:\n"
		"%s"
		"  1   the guest crashed (triple fault, kernel panic, invalid state); a report\n"
		"      is on stderr\n"
		"  2   bad option or unusable file (kernel, initrd, device tree, disk image)\n"
		"  3   host problem (no /dev/kvm, no permission, out of memory)\n"
		"  4   smolvm made a system call its sandbox forbids (named on stderr)\n"
		"  128+N  stopped by signal N (SIGTERM, SIGINT, SIGHUP); Ctrl-A x gives 0\n"
		"%s",
		a->kernel_formats, a->console_name, a->builtin_ends, a->console_name,
		a->console_name, a->irqchip_help, a->dtb_help, a->exit_help, a->exit_debug_help);
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
	if (!*s || *end || errno || n < 1 || n > arch_cli.max_cpus || s[0] == '-') {
		pr_err("invalid vCPU count '%s' for -c: use a number from 1 to %u", s,
		       arch_cli.max_cpus);
		return -EINVAL;
	}
	*out = (unsigned)n;
	return 0;
}

int options_parse(int argc, char **argv, struct vm_config *cfg)
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
		{"sandbox", required_argument, NULL, OPT_SANDBOX},
		{"user", required_argument, NULL, OPT_USER},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	enum log_level level;
	int opt, err;

	opterr = 0;
	optind = 0; /* from the start, even when called again (tests) */
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
				return -EINVAL;
			break;
		case OPT_DISK:
			if (cfg->nr_disks == CONFIG_MAX_DISKS) {
				pr_err("too many --disk options (at most %d)", CONFIG_MAX_DISKS);
				return -EINVAL;
			}
			if (config_parse_disk(optarg, &cfg->disks[cfg->nr_disks]))
				return -EINVAL;
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
				return -EINVAL;
			}
			if (config_parse_net(optarg, &cfg->nics[cfg->nr_nics]))
				return -EINVAL;
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
				return -EINVAL;
			}
			break;
		case 'm':
			err = config_parse_size(optarg, &cfg->mem_size);
			if (err) {
				pr_err("invalid memory size '%s' for -m: %s", optarg,
				       err == -ERANGE ? "too large"
						      : "use a positive number with an optional "
							"K, M, G or T suffix, e.g. 512M or 2G");
				return -EINVAL;
			}
			break;
		case OPT_LOG_LEVEL:
			if (log_parse_level(optarg, &level)) {
				pr_err("invalid log level '%s': use error, warn, info or debug",
				       optarg);
				return -EINVAL;
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
		case OPT_SANDBOX:
			if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
				pr_err("invalid --sandbox mode '%s': use on or off", optarg);
				return -EINVAL;
			}
			cfg->sandbox_off = !strcmp(optarg, "off");
			break;
		case OPT_USER:
			cfg->user = optarg;
			break;
		case 'h':
			return OPTIONS_HELP;
		case 'V':
			return OPTIONS_VERSION;
		case ':':
			pr_err("option '%s' needs a value (see --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			pr_err("unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		if (cfg->kernel_path || optind + 1 < argc) {
			pr_err("more than one kernel given ('%s'); see --help", argv[argc - 1]);
			return -EINVAL;
		}
		cfg->kernel_path = argv[optind];
	}
	if (config_check_mem(cfg->mem_size, host_ram_bytes()))
		return -EINVAL;
	return OPTIONS_RUN;
}
