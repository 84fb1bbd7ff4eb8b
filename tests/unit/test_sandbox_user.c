// SPDX-License-Identifier: MIT
/* test_sandbox_user.c: --sandbox and --user on the command line, --user values against a
 * passwd file, and SUDO_UID/SUDO_GID. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "log_capture.h"
#include "options.h"
#include "sandbox/user.h"
#include "test.h"

static int parse2(struct vm_config *cfg, const char *a, const char *b)
{
	char a_buf[64], b_buf[64];
	char *argv[] = {"smolvm", a_buf, b_buf, NULL};
	struct log_capture c;
	int ret;

	snprintf(a_buf, sizeof(a_buf), "%s", a);
	snprintf(b_buf, sizeof(b_buf), "%s", b ? b : "");
	*cfg = (struct vm_config){.mem_size = CONFIG_DEFAULT_MEM, .nr_cpus = 1};
	log_capture_begin(&c);
	ret = options_parse(b ? 3 : 2, argv, cfg);
	free(log_capture_end(&c));
	return ret;
}

TEST(sandbox_options)
{
	struct vm_config cfg;

	ASSERT_EQ(parse2(&cfg, "--sandbox=off", NULL), OPTIONS_RUN);
	ASSERT_TRUE(cfg.sandbox_off);
	ASSERT_EQ(parse2(&cfg, "--sandbox", "on"), OPTIONS_RUN);
	ASSERT_TRUE(!cfg.sandbox_off);
	ASSERT_EQ(parse2(&cfg, "-m", "64M"), OPTIONS_RUN);
	ASSERT_TRUE(!cfg.sandbox_off && !cfg.user); /* on by default */
	ASSERT_EQ(parse2(&cfg, "--sandbox=maybe", NULL), -EINVAL);
	ASSERT_EQ(parse2(&cfg, "--user", "alice:100"), OPTIONS_RUN);
	ASSERT_TRUE(cfg.user && !strcmp(cfg.user, "alice:100"));
}

/* A passwd file with a few users; its path in @path. */
static void write_passwd(char *path, size_t size)
{
	static const char text[] = "root:x:0:0:root:/root:/bin/sh\n"
				   "# a comment line\n"
				   "broken line without fields\n"
				   "alice:x:1000:1001:Alice:/home/alice:/bin/sh\n"
				   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
				   "al:x:1002:1002::/home/al:/bin/sh\n";
	FILE *f;
	int fd;

	snprintf(path, size, "/tmp/smolvm-passwd-XXXXXX");
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	ASSERT_TRUE(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* user_spec_parse of @spec; *@log gets the message (freed by the caller). */
static int parse_user(const char *spec, const char *passwd, struct run_as *as, char **log)
{
	struct log_capture c;
	int ret;

	memset(as, 0, sizeof(*as));
	log_capture_begin(&c);
	ret = user_spec_parse(spec, passwd, as);
	*log = log_capture_end(&c);
	return ret;
}

TEST(sandbox_user_spec)
{
	static const struct {
		const char *spec;
		unsigned uid, gid;
	} good[] = {
		{"alice", 1000, 1001},
		{"alice:7", 1000, 7},
		{"1000", 1000, 1001},
		{"65534", 65534, 65534},
		{"4242:4243", 4242, 4243},
		{"al", 1002, 1002}, /* a prefix of alice is not alice */
		{"root", 0, 0},
	};
	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{"bob", "unknown user 'bob'"},
		{"4242", "no user with uid 4242"},
		{"alice:", "invalid --user 'alice:'"},
		{"alice:staff", "invalid --user 'alice:staff'"},
		{":5", "invalid --user ':5'"},
		{"", "invalid --user ''"},
		{"4294967295", "unknown user '4294967295'"}, /* (uid_t)-1 is not a uid */
	};
	char passwd[64], *log;
	struct run_as as;

	write_passwd(passwd, sizeof(passwd));
	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_EQ(parse_user(good[i].spec, passwd, &as, &log), 0);
		ASSERT_TRUE(as.change);
		ASSERT_EQ(as.uid, good[i].uid);
		ASSERT_EQ(as.gid, good[i].gid);
		ASSERT_EQ(log[0], '\0');
		free(log);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(parse_user(bad[i].spec, passwd, &as, &log), -EINVAL);
		ASSERT_STR_CONTAINS(log, bad[i].msg);
		free(log);
	}
	ASSERT_EQ(parse_user("alice", "/nonexistent/passwd", &as, &log), -EINVAL);
	ASSERT_STR_CONTAINS(log, "cannot read /nonexistent/passwd");
	free(log);
	/* Numbers with a group need no passwd entry at all. */
	ASSERT_EQ(parse_user("5:6", "/nonexistent/passwd", &as, &log), 0);
	ASSERT_EQ(as.uid, 5);
	ASSERT_EQ(as.gid, 6);
	free(log);
	unlink(passwd);
}

TEST(sandbox_user_from_sudo)
{
	struct log_capture c;
	struct run_as as;
	char *log;

	ASSERT_EQ(user_from_sudo(NULL, NULL, &as), 0);
	ASSERT_TRUE(!as.change);
	ASSERT_EQ(user_from_sudo("1000", "1001", &as), 0);
	ASSERT_TRUE(as.change);
	ASSERT_EQ(as.uid, 1000);
	ASSERT_EQ(as.gid, 1001);
	log_capture_begin(&c);
	ASSERT_EQ(user_from_sudo("alice", NULL, &as), -EINVAL);
	ASSERT_EQ(user_from_sudo("1000", "-1", &as), -EINVAL);
	log = log_capture_end(&c);
	ASSERT_STR_CONTAINS(log, "SUDO_UID='alice' is not a user id");
	ASSERT_STR_CONTAINS(log, "SUDO_GID='-1' is not a group id");
	free(log);
}
