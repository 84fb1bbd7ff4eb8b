// SPDX-License-Identifier: MIT
/* privileges.c: root is needed only to open things (the tap, root-only images, /dev/kvm);
 * after that smolvm runs as the invoking user, with no capabilities and no_new_privs. */
#include "sandbox/privileges.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "sandbox/caps.h"

int privileges_plan(const char *user_spec, struct run_as *out)
{
	memset(out, 0, sizeof(*out));
	if (user_spec) {
		if (user_spec_parse(user_spec, USER_PASSWD, out))
			return -EINVAL;
		if (geteuid() != 0 && (out->uid != getuid() || out->gid != getgid())) {
			pr_err("--user %s: switching users needs root (smolvm runs as uid %u)",
			       user_spec, (unsigned)getuid());
			return -EINVAL;
		}
		return 0;
	}
	if (geteuid() != 0)
		return 0;
	return user_from_sudo(getenv("SUDO_UID"), getenv("SUDO_GID"), out);
}

/* glibc applies each of these to every thread of the process. */
static int switch_user(const struct run_as *as)
{
	if (setgroups(0, NULL) < 0 && errno != EPERM) {
		pr_err("cannot clear the supplementary groups for %s: %s", as->what,
		       strerror(errno));
		return -errno;
	}
	if (setresgid(as->gid, as->gid, as->gid) < 0) {
		pr_err("cannot switch to group %u for %s: %s", (unsigned)as->gid, as->what,
		       strerror(errno));
		return -errno;
	}
	if (setresuid(as->uid, as->uid, as->uid) < 0) {
		pr_err("cannot switch to %s: %s", as->what, strerror(errno));
		return -errno;
	}
	return 0;
}

int privileges_drop(const struct run_as *as)
{
	int err;

	/* The bounding set needs CAP_SETPCAP, so it goes first; a change of uid away from 0
	 * then empties the permitted and effective sets in each thread. */
	err = caps_drop_all_threads(!as->change);
	if (!err && as->change)
		err = switch_user(as);
	if (err)
		return err;
	/* Inherited by every thread started from here on (the seccomp TSYNC sets it in the
	 * others). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		pr_err("cannot set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	if (as->change)
		pr_info("running as %s from now on, without capabilities", as->what);
	return 0;
}
