// SPDX-License-Identifier: MIT
/* user.c: --user and SUDO_UID/SUDO_GID -> the uid and gid to run as. */
#include "sandbox/user.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A whole decimal id below 2^32 - 1 ((uid_t)-1 means "unchanged" to setresuid). */
static bool parse_id(const char *s, size_t len, unsigned *out)
{
	unsigned long long v = 0;

	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v >= 0xffffffffull)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Finds the passwd line whose name is @name (or, with @name NULL, whose uid is @uid); fills
 * *uid and *gid. Returns 0, 1 (no such user) or -errno (cannot read @path). */
static int passwd_lookup(const char *path, const char *name, size_t name_len, unsigned *uid,
			 unsigned *gid)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	int err = 1;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* name:password:uid:gid:gecos:home:shell */
		char *field[4], *p = line;
		unsigned u, g;
		int n;

		for (n = 0; n < 4 && p; n++) {
			field[n] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (n < 4 || !p || !parse_id(field[2], strlen(field[2]), &u) ||
		    !parse_id(field[3], strlen(field[3]), &g))
			continue;
		if (name ? strlen(field[0]) == name_len && !memcmp(field[0], name, name_len)
			 : u == *uid) {
			*uid = u;
			*gid = g;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int user_spec_parse(const char *spec, const char *passwd, struct run_as *out)
{
	const char *colon = strchr(spec, ':');
	size_t user_len = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned uid = 0, gid = 0, given_gid = 0;
	bool numeric = parse_id(spec, user_len, &uid);
	int err;

	if (!user_len || (colon && !parse_id(colon + 1, strlen(colon + 1), &given_gid))) {
		pr_err("invalid --user '%s': use NAME, UID, NAME:GID or UID:GID (GID a number)",
		       spec);
		return -EINVAL;
	}
	err = passwd_lookup(passwd, numeric ? NULL : spec, user_len, &uid, &gid);
	if (err && (!numeric || !colon)) {
		if (err > 0 && numeric)
			pr_err("--user %s: no user with uid %u in %s; give the group too, as "
			       "UID:GID",
			       spec, uid, passwd);
		else if (err > 0)
			pr_err("--user %s: unknown user '%.*s' (not in %s)", spec, (int)user_len,
			       spec, passwd);
		else
			pr_err("--user %s: cannot read %s: %s", spec, passwd, strerror(-err));
		return -EINVAL;
	}
	if (colon)
		gid = given_gid;
	out->change = true;
	out->uid = uid;
	out->gid = gid;
	snprintf(out->what, sizeof(out->what), "user '%.*s' (%u:%u)", (int)MIN(user_len, 60), spec,
		 uid, gid);
	return 0;
}

int user_from_sudo(const char *sudo_uid, const char *sudo_gid, struct run_as *out)
{
	unsigned uid, gid;

	out->change = false;
	if (!sudo_uid)
		return 0;
	if (!parse_id(sudo_uid, strlen(sudo_uid), &uid)) {
		pr_err("SUDO_UID='%s' is not a user id; unset it or give --user", sudo_uid);
		return -EINVAL;
	}
	gid = uid;
	if (sudo_gid && !parse_id(sudo_gid, strlen(sudo_gid), &gid)) {
		pr_err("SUDO_GID='%s' is not a group id; unset it or give --user", sudo_gid);
		return -EINVAL;
	}
	out->change = true;
	out->uid = uid;
	out->gid = gid;
	snprintf(out->what, sizeof(out->what), "sudo's caller (%u:%u)", uid, gid);
	return 0;
}
