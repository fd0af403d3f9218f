//go:build !unix

package sqlite

// processAlive cannot tell on this system: a holder file is believed.
func processAlive(pid int) bool { return pid > 0 }

// writable cannot tell on this system: assume so.
func writable(path string) bool { return true }

// walInUse cannot tell on this system: a -wal is checked before a write.
func walInUse(path string) bool { return false }
