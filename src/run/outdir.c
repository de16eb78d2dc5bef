/*
 * Output locations are checked on rank 0 before any work starts, so that a
 * run never computes for an hour and then finds it may not write, and never
 * overwrites an earlier run's results without --force.
 */
#include "run/run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "par/par.h"

static const char *const RESULT_FILES[] = {"model.h5", "assignments.h5", "metrics.jsonl"};

static mm_status prepare_dir(const char *dir, int force)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (mkdir(dir, 0775) != 0)
            return mm_fail(MM_ERR_IO, "--out %s: cannot create directory (%s)", dir,
                           strerror(errno));
        return MM_OK;
    }
    if (!S_ISDIR(sb.st_mode))
        return mm_fail(MM_ERR_USAGE, "--out %s: exists and is not a directory", dir);
    if (access(dir, W_OK) != 0)
        return mm_fail(MM_ERR_IO, "--out %s: directory is not writable", dir);

    for (size_t i = 0; i < sizeof RESULT_FILES / sizeof *RESULT_FILES && !force; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, RESULT_FILES[i]);
        if (access(path, F_OK) == 0)
            return mm_fail(MM_ERR_USAGE, "--out %s: holds the results of an earlier run (%s); "
                           "choose another directory or pass --force", dir, RESULT_FILES[i]);
    }
    return MM_OK;
}

mm_status mm_outdir_prepare(const char *dir, int force)
{
    return mm_par_agree(mm_rank() == 0 ? prepare_dir(dir, force) : MM_OK);
}

static mm_status prepare_file(const char *path, int force, const char *flag)
{
    if (access(path, F_OK) == 0 && !force)
        return mm_fail(MM_ERR_USAGE, "%s %s: file exists; pass --force to overwrite it", flag,
                       path);

    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    const char *d = slash ? (dir[0] ? dir : "/") : ".";
    if (access(d, W_OK) != 0)
        return mm_fail(MM_ERR_IO, "%s %s: directory %s is missing or not writable", flag, path,
                       d);
    return MM_OK;
}

mm_status mm_outfile_prepare(const char *path, int force, const char *flag)
{
    return mm_par_agree(mm_rank() == 0 ? prepare_file(path, force, flag) : MM_OK);
}
