//go:build unix

package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// processAlive says whether a process with this pid exists on this host.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writable says whether this process may write path (a file or directory),
// read-only mounts included.
func writable(path string) bool { return syscall.Access(path, 2) == nil }

// walInUse says whether another process has the database at path open:
// every SQLite connection in WAL mode holds a read lock on the "dead man
// switch" byte of the -shm file (offset 128: UNIX_SHM_DMS in SQLite's
// os_unix.c) while it is open. F_GETLK reports other processes' locks only.
func walInUse(path string) bool {
	f, err := os.Open(path + "-shm")
	if err != nil {
		return false
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 128, Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false
	}
	return lk.Type != syscall.F_UNLCK
}
