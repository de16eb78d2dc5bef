/* The command line's names of the configuration's choices: one table each,
 * read by the flag parser, the config line and the model file alike. */
#include <mixmate/mixmate.h>

#include <stddef.h>

const char *const mm_init_names[] = {"kmeans", "random", "spectral", "ssc", NULL};
const char *const mm_affinity_names[] = {"cosine", "gaussian", NULL};
const char *const mm_features_names[] = {"raw", "scattering", NULL};
