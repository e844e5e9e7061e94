// O_DIRECT is a GNU extension that Swift's Glibc module does not import, and its value differs
// between architectures (x86-64 and arm64), so it is looked up here rather than spelled in Swift.
#ifndef CDIRECTIO_H
#define CDIRECTIO_H

/// The open/fcntl flag for direct I/O on this platform.
int cdirectio_flag(void);

#endif
