package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestInputFilesBounded: a contract or scenario file is read up to its
// limit and no further. os.ReadFile read to the end: `contract add
// /dev/zero` took the machine's memory until the kernel killed it. A pipe
// that offers 4 MiB is refused after 1 MiB, and its writer is cut off.
func TestInputFilesBounded(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "book.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"contract", "add"}, "larger than 1048576 bytes, the most a contract file may hold"},
		{[]string{"scenario"}, "larger than 1048576 bytes, the most a scenario file may hold"},
	} {
		fifo := filepath.Join(dir, "endless.yaml")
		os.Remove(fifo)
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		written := make(chan int, 1)
		go func() {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				written <- -1
				return
			}
			defer f.Close()
			n := 0
			chunk := bytes.Repeat([]byte("#"), 64<<10)
			for n < 4<<20 {
				m, err := f.Write(chunk)
				n += m
				if err != nil {
					break
				}
			}
			written <- n
		}()
		_, stderr, err := runCLI(t, append(append([]string{"--db", db}, c.args...), fifo)...)
		if want := "revshare: " + fifo + ": " + c.want + "\n"; err == nil || stderr != want {
			t.Errorf("%v: %v, stderr %q\nwant %q", c.args, err, stderr, want)
		}
		// Should the command not have opened the pipe, open it here so
		// that the writer fails rather than waits for ever.
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		if n := <-written; n >= 4<<20 {
			t.Errorf("%v: the whole pipe was read (%d bytes)", c.args, n)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused file created the book (%v)", err)
	}
}
