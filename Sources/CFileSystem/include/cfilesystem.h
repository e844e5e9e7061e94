// Two file-system calls Swift's Glibc module does not import: an atomic swap of two paths, and a
// directory fsync helper (rename makes data visible; only the directory's fsync makes it durable).
#ifndef CFILESYSTEM_H
#define CFILESYSTEM_H

/// Atomically exchanges the two paths (renameat2 RENAME_EXCHANGE on Linux, renamex_np RENAME_SWAP
/// on macOS). 0, or -1 with errno set (EINVAL or ENOSYS where the file system cannot).
int cfs_exchange(const char *a, const char *b);

/// fsyncs the directory at `path`. 0, or -1 with errno set.
int cfs_sync_directory(const char *path);

#endif
