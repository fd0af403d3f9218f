//go:build !unix

package main

// lockNewBook has no lock to take where flock is missing: a new book's
// directory left behind is then named, never removed (newBookOwned).
func lockNewBook(dir string) (release func(), err error) { return func() {}, nil }

// newBookOwned cannot tell whether a live process builds dir (known is
// false).
func newBookOwned(dir string) (owned, known bool, release func()) { return false, false, nil }

// syncDir does nothing where a directory cannot be opened to be synced.
func syncDir(dir string) error { return nil }
