/* SPDX-License-Identifier: MIT */
/* options.h: smolvm's command line. */
#pragma once

#include <stdio.h>

#include "config.h"
#include "util/compiler.h"

enum options_action {
	OPTIONS_RUN,	 /* boot the VM @cfg describes */
	OPTIONS_HELP,	 /* -h: print options_usage() */
	OPTIONS_VERSION, /* -V: print the version */
};

/* Fills @cfg (defaults already in it) from @argv. Returns an options_action, or -EINVAL
 * after one message naming the bad option or value. */
int __must_check options_parse(int argc, char **argv, struct vm_config *cfg);

/* Writes --help to @out. */
void options_usage(FILE *out);
