package main

import (
	"fmt"
	"io"
	"os"
)

// readInputFile reads the file at path (a contract, a scenario, a forecast)
// up to max bytes, refusing a longer one with what it is: os.ReadFile read
// to the end, so `contract add /dev/zero` (or a pipe that never ends) took
// all the machine's memory before the size check could refuse it.
func readInputFile(path string, max int64, what string) ([]byte, error) {
	f, err := os.Open(path)
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
