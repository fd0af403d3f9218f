package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/revshare/revshare/internal/spelling"
)

// readInputFile reads the file at path (a contract, a scenario, a forecast)
// up to max bytes, refusing a longer one with what it is: os.ReadFile read
// to the end, so `contract add /dev/zero` (or a pipe that never ends) took
// all the machine's memory before the size check could refuse it.
func readInputFile(path string, max int64, what string) ([]byte, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPathErr(err))
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes, the most a %s may hold", path, max, what)
	}
	return data, nil
}

// unwrapPathErr is err without the *os.PathError that names the file again.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// openInput opens a file a user named (a usage or rates CSV, a mapping, a
// contract). One that does not exist is named with the directory it was
// looked for in, and with the file there it likely means (a name within
// an edit or two, with the same extension), if any: a new user's first
// import is often typed in the wrong directory or misspelt. Before, Go's
// `open nosuch.csv: no such file or directory`.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	var pe *os.PathError
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) {
		return f, err
	}
	return nil, missingFile{noSuchFile(path).Error(), pe.Err}
}

// missingFile is openInput's error: its text for people, and the system's
// reason beneath (errors.Is(err, fs.ErrNotExist) holds; a caller with its
// own wording, a scenario's forecast, unwraps to "no such file or
// directory").
type missingFile struct {
	text   string
	reason error
}

func (e missingFile) Error() string { return e.text }
func (e missingFile) Unwrap() error { return e.reason }

// noSuchFile words openInput's error for path, which does not exist: the
// directory looked in, then the files likely meant, if any: in that
// directory one of a name within an edit or two (of the same extension),
// else one of the same name in the current directory or a directory one
// or two levels below it (the file is there, the command typed elsewhere).
func noSuchFile(path string) error {
	dir := filepath.Dir(path)
	where := "in " + dir
	if abs, err := filepath.Abs(dir); err == nil && abs != dir {
		where = fmt.Sprintf("in %s (%s)", dir, abs)
		if wd, err := os.Getwd(); err == nil && abs == wd {
			where = fmt.Sprintf("in the current directory (%s)", abs)
		}
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		where = "(there is no directory " + dir + ")"
	}
	var near []string
	base, ext := filepath.Base(path), filepath.Ext(path)
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (ext == "" || strings.EqualFold(filepath.Ext(e.Name()), ext)) {
			names = append(names, e.Name())
		}
	}
	for _, n := range spelling.Nearest(base, names) {
		if dir != "." || strings.HasPrefix(path, "./") {
			n = filepath.Join(dir, n)
		}
		near = append(near, n)
	}
	if len(near) == 0 {
		for _, pattern := range []string{base, filepath.Join("*", base), filepath.Join("*", "*", base)} {
			found, _ := filepath.Glob(pattern)
			for _, f := range found {
				if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() && len(near) < 3 {
					near = append(near, f)
				}
			}
		}
	}
	if len(near) == 0 {
		return fmt.Errorf("%s: no such file %s", path, where)
	}
	for i, n := range near {
		near[i] = shellWord(n)
	}
	return fmt.Errorf("%s: no such file %s: did you mean %s?", path, where, strings.Join(near, " or "))
}
