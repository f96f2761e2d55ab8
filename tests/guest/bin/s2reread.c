// SPDX-License-Identifier: GPL-2.0-only
/*
 * s2reread - read a file to its end, run a command, then read the same open
 * file again from offset 0 with pread(), as a tool that keeps a file open
 * and re-reads it does. For the in-guest tests: a seq_file that keeps state
 * between reads must not show the old contents on the second read.
 *
 * USAGE: s2reread FILE CMD [ARG...]
 * Writes the first read, the line "s2reread: again", then the second read,
 * on stdout. Exit status: 0; 1 when a read or the command fails; 2 for bad
 * usage.
 *
 * BUILD: aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what, const char *name)
{
	fprintf(stderr, "s2reread: %s %s: %s\n", what, name, strerror(errno));
	return 1;
}

/* Copies @fd from @off (pread) to stdout until the end. */
static int copy_from(int fd, off_t off, const char *name)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = pread(fd, buf, sizeof(buf), off);
		if (n < 0)
			return fail("reading", name);
		if (!n)
			return 0;
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			return fail("writing", "stdout");
		off += n;
	}
}

static int run(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("fork for", argv[0]);
	if (!pid) {
		execvp(argv[0], argv);
		fail("running", argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail("waiting for", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "s2reread: %s failed\n", argv[0]);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3) {
		fputs("USAGE: s2reread FILE CMD [ARG...]\n", stderr);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail("opening", argv[1]);
	if (copy_from(fd, 0, argv[1]) || run(argv + 2))
		return 1;
	printf("s2reread: again\n");
	if (copy_from(fd, 0, argv[1]))
		return 1;
	return fflush(stdout) ? fail("writing", "stdout") : 0;
}
