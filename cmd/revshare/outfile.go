package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFileAtomically writes an -o file. A regular file (or a new path) is
// replaced atomically: a temporary file beside it, renamed over it once
// complete, so a failed export never leaves half a file. Anything else is
// written through, never replaced: a device (/dev/null, /dev/stdout), a
// named pipe or a socket is opened and written, as a shell's > would (an
// export as root once replaced /dev/null with a regular file). A symlink
// is followed: its target is written by the same rules and the link stays.
// "-" means standard output; callers handle it before calling.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	target, err := filepath.EvalSymlinks(path)
	switch {
	case err == nil:
	case os.IsNotExist(err):
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			// A dangling link: create its target (the link stays a link).
			if target, err = danglingTarget(path); err != nil {
				return err
			}
		} else {
			target = path
		}
	default:
		return err
	}
	fi, err := os.Stat(target)
	switch {
	case os.IsNotExist(err):
		return replaceFile(target, write)
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case fi.Mode().IsRegular():
		return replaceFile(target, write)
	}
	// A device, pipe or socket: write through.
	f, err := os.OpenFile(target, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// danglingTarget is where the dangling symlink path points, made absolute.
func danglingTarget(path string) (string, error) {
	to, err := os.Readlink(path)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(to) {
		to = filepath.Join(filepath.Dir(path), to)
	}
	return to, nil
}

// replaceFile writes a temporary file beside path and renames it over path.
func replaceFile(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		// Name the file asked for, not the temporary one.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot write %s: no directory %s", path, dir)
		}
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(0o644)
	if err == nil {
		err = write(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// namedFile is a file a command reads, as its messages name it.
type namedFile struct{ what, path string }

// checkOutputPath refuses an output path (flag names it in the message)
// that is a file the command must keep: the SQLite database with its -wal,
// -shm and -journal files, or one of inputs. An export renamed over the
// book replaced the whole database with a journal, and a rejects file
// created over the CSV being imported truncated it mid-read: the rest of
// the file was silently not imported, and lost. A path that does not exist
// yet, or is not a regular file, is left to the writer.
func (m *Main) checkOutputPath(flag, path string, inputs ...namedFile) error {
	// By name first: the -wal and -shm files exist only while the book is
	// open (or after a crash). An export to book.db-wal of a book closed
	// cleanly made a file that the next writer took for the book's -wal and
	// overwrote (the export lost); --rejects book.db before the book existed
	// made an empty file that the import then opened as its book.
	if m.DBPath != "" && !onServer(m.DBPath) {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if samePathName(path, m.DBPath+suffix) {
				return fmt.Errorf("%s %s is the database (%s): writing there would destroy the book; choose another file", flag, path, m.DBPath+suffix)
			}
		}
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	same := func(other string) bool {
		oi, err := os.Stat(other)
		return err == nil && os.SameFile(fi, oi)
	}
	if m.DBPath != "" && !onServer(m.DBPath) {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if same(m.DBPath + suffix) {
				return fmt.Errorf("%s %s is the database (%s): writing there would destroy the book; choose another file", flag, path, m.DBPath+suffix)
			}
		}
	}
	for _, in := range inputs {
		if in.path != "" && same(in.path) {
			return fmt.Errorf("%s %s is %s (%s): writing there would destroy it; choose another file", flag, path, in.what, in.path)
		}
	}
	return nil
}

// samePathName says whether a and b name the same path once made absolute
// and clean (neither need exist; links are os.SameFile's to find).
func samePathName(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
