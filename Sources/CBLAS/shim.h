// OpenBLAS's cblas.h also declares openblas_set_num_threads and openblas_get_config.
#include <cblas.h>

// Exported by OpenBLAS (its fork handler uses it) but not in cblas.h: stops the worker threads,
// which the next multi-threaded call starts again.
void blas_thread_shutdown_(void);
