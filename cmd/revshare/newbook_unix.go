//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// lockNewBook takes the lock that says a live process is building the new
// book in dir: an exclusive flock on dir/lock, held until release (or
// until the process ends, killed included: the kernel drops it). The file
// is locked under another name and then renamed into place, so that dir/lock
// is never seen unlocked by a sweeper while its process lives.
func lockNewBook(dir string) (release func(), err error) {
	locking := newBookLock(dir) + ".new"
	f, err := os.OpenFile(locking, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	if err := os.Rename(locking, newBookLock(dir)); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// newBookOwned says whether a live process holds dir's lock; when none
// does, it takes the lock until release, so that no other process reads
// dir as abandoned at the same time. known is false when dir has no lock
// file (a process that has just made dir, before its lock).
func newBookOwned(dir string) (owned, known bool, release func()) {
	f, err := os.Open(newBookLock(dir))
	if err != nil {
		return false, false, nil
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return true, true, nil
	}
	return false, true, func() { f.Close() }
}

// syncDir flushes a directory's entries to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
