//go:build unix

package sqlite

import (
	"errors"
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
