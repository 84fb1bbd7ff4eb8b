/* SPDX-License-Identifier: MIT */
/* user.h: who smolvm runs as once setup is done: --user NAME|UID[:GID], or sudo's caller. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "util/compiler.h"

#define USER_PASSWD "/etc/passwd"

struct run_as {
	bool change; /* switch to uid/gid (else stay who we are, without capabilities) */
	uid_t uid;
	gid_t gid;
	char what[96]; /* for messages: "user 'alice' (1000:1000)" */
};

/* Parses a --user value: a user NAME or a numeric UID, with an optional ":GID". A NAME is
 * looked up in @passwd (USER_PASSWD: smolvm is linked statically, so no NSS); its group is
 * the user's primary group unless GID is given. A UID without GID takes the group of the
 * user with that uid in @passwd. Returns 0, or -EINVAL after one message naming the value. */
int __must_check user_spec_parse(const char *spec, const char *passwd, struct run_as *out);

/* The user sudo ran smolvm for, from SUDO_UID / SUDO_GID (@sudo_uid, @sudo_gid: their values
 * or NULL). Without SUDO_UID, out->change is false. Returns 0, or -EINVAL with a message
 * when the variables hold no numbers. */
int __must_check user_from_sudo(const char *sudo_uid, const char *sudo_gid, struct run_as *out);
