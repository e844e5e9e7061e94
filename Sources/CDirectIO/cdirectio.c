#define _GNU_SOURCE
#include <fcntl.h>
#include "cdirectio.h"

int cdirectio_flag(void) { return O_DIRECT; }
