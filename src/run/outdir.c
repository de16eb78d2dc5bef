/*
 * Output locations are checked on rank 0 before any work starts, so that a
 * run never computes for an hour and then finds it may not write, and never
 * overwrites an earlier run's results without --force. A directory holding
 * the checkpoint of an unfinished run is where that run continues.
 */
#include "run/run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "par/par.h"

/* A finished run leaves these; an unfinished one only a checkpoint and a log. */
static const char *const RESULT_FILES[] = {"model.h5", "assignments.h5"};

static mm_status check_results(const char *dir)
{
    for (size_t i = 0; i < sizeof RESULT_FILES / sizeof *RESULT_FILES; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, RESULT_FILES[i]);
        if (access(path, F_OK) == 0)
            return mm_fail(MM_ERR_USAGE, "--out %s: holds the results of a finished run (%s); "
                           "choose another directory or pass --force", dir, RESULT_FILES[i]);
    }
    return MM_OK;
}

/* Resume when a readable checkpoint of an unfinished run is there. */
static mm_status check_checkpoint(const char *dir, int *resume)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/checkpoint.h5", dir);
    if (access(path, F_OK) != 0)
        return MM_OK;

    int unfinished = mm_checkpoint_unfinished(path);
    if (unfinished < 0)
        return mm_fail(MM_ERR_INPUT, "%s: not a readable checkpoint (damaged or truncated?); "
                       "remove it or pass --restart", path);
    if (unfinished == 0)
        return mm_fail(MM_ERR_USAGE, "--out %s: holds a finished run; choose another "
                       "directory or pass --force", dir);
    *resume = 1;
    return MM_OK;
}

static mm_status prepare_dir(const char *dir, int force, int restart, int *resume)
{
    struct stat sb;
    *resume = 0;
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

    if (force)
        return MM_OK;
    MM_TRY(check_results(dir));
    return restart ? MM_OK : check_checkpoint(dir, resume);
}

mm_status mm_outdir_prepare(const char *dir, int force, int restart, int *resume)
{
    mm_status st = mm_rank() == 0 ? prepare_dir(dir, force, restart, resume) : MM_OK;
    st = mm_par_agree(st);
    mm_par_bcast(resume, sizeof *resume, 0);
    return st;
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
