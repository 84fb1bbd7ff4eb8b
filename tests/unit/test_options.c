// SPDX-License-Identifier: MIT
/* test_options.c: the command line into struct vm_config, its refusals, and --help with
 * the arch's own lines. */
#include <errno.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "log_capture.h"
#include "options.h"
#include "test.h"

/* Writable copies of the arguments (the parser splits "PATH,ro" in place); @cfg points
 * into them until the next parse(). */
static char arg_store[32][128];

/* Parses the NULL-terminated @args (argv[0] added); the log goes to *@log if not NULL. */
static int parse(struct vm_config *cfg, char **log, const char *const *args)
{
	char *argv[32] = {"smolvm"};
	struct log_capture c;
	int argc = 1, ret;
	char *m;

	*cfg = (struct vm_config){.mem_size = CONFIG_DEFAULT_MEM, .nr_cpus = 1};
	for (; *args && argc < 31; argc++, args++) {
		snprintf(arg_store[argc], sizeof(arg_store[argc]), "%s", *args);
		argv[argc] = arg_store[argc];
	}
	log_capture_begin(&c);
	ret = options_parse(argc, argv, cfg);
	m = log_capture_end(&c);
	if (log)
		*log = m;
	else
		free(m);
	return ret;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

TEST(options_fill_the_config)
{
	struct vm_config cfg;

	ASSERT_EQ(parse(&cfg, NULL,
			ARGS("-c", "2", "-m", "512M", "--disk", "a.img,ro", "--rng", "--net",
			     "tap=tap0", "--virtio-console", "-p", "console=ttyS0", "vmlinux")),
		  OPTIONS_RUN);
	ASSERT_EQ(cfg.nr_cpus, 2);
	ASSERT_EQ(cfg.mem_size, 512ull << 20);
	ASSERT_EQ(cfg.nr_disks, 1);
	ASSERT_TRUE(cfg.disks[0].read_only);
	ASSERT_TRUE(cfg.rng && cfg.virtio_console);
	ASSERT_EQ(cfg.nr_nics, 1);
	ASSERT_TRUE(!strcmp(cfg.nics[0].tap, "tap0"));
	ASSERT_TRUE(!strcmp(cfg.cmdline, "console=ttyS0"));
	ASSERT_TRUE(!strcmp(cfg.kernel_path, "vmlinux"));
	/* Parsing again starts from the first argument. */
	ASSERT_EQ(parse(&cfg, NULL, ARGS("--irqchip", "off")), OPTIONS_RUN);
	ASSERT_EQ(cfg.irqchip, IRQCHIP_OFF);
	ASSERT_EQ(parse(&cfg, NULL, ARGS("-h")), OPTIONS_HELP);
	ASSERT_EQ(parse(&cfg, NULL, ARGS("--version")), OPTIONS_VERSION);
}

TEST(options_refuse_with_one_message)
{
	static const struct {
		const char *a, *b, *msg;
	} cases[] = {
		{"-c", "0", "invalid vCPU count '0'"},
		{"--irqchip", "maybe", "invalid --irqchip mode 'maybe'"},
		{"-m", "1X", "invalid memory size '1X'"},
		{"--bogus", NULL, "unknown option '--bogus'"},
		{"-k", NULL, "option '-k' needs a value"},
		{"a", "b", "more than one kernel given ('b')"},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vm_config cfg;
		char *log;

		ASSERT_EQ(parse(&cfg, &log, ARGS(cases[i].a, cases[i].b)), -EINVAL);
		ASSERT_STR_CONTAINS(log, cases[i].msg);
		free(log);
	}
}

/* The vCPU limit is the arch's. */
TEST(options_cpu_limit_from_the_arch)
{
	struct vm_config cfg;
	char max[16], over[16], *log;

	snprintf(max, sizeof(max), "%u", arch_cli.max_cpus);
	snprintf(over, sizeof(over), "%u", arch_cli.max_cpus + 1);
	ASSERT_EQ(parse(&cfg, NULL, ARGS("-c", max)), OPTIONS_RUN);
	ASSERT_EQ(cfg.nr_cpus, arch_cli.max_cpus);
	ASSERT_EQ(parse(&cfg, &log, ARGS("-c", over)), -EINVAL);
	ASSERT_STR_CONTAINS(log, "use a number from 1 to");
	ASSERT_STR_CONTAINS(log, max);
	free(log);
}

TEST(options_usage_has_the_arch_lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_TRUE(f != NULL);
	if (!f)
		return;
	options_usage(f);
	fclose(f);
	ASSERT_STR_CONTAINS(buf, "Usage: smolvm [OPTIONS] [KERNEL]");
	ASSERT_STR_CONTAINS(buf, arch_cli.kernel_formats);
	ASSERT_STR_CONTAINS(buf, arch_cli.irqchip_help);
	ASSERT_STR_CONTAINS(buf, arch_cli.exit_help);
	ASSERT_STR_CONTAINS(buf, "console=");
	ASSERT_STR_CONTAINS(buf, arch_cli.console_name);
	free(buf);
}
