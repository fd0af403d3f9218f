package migrate

import (
	"testing"
	"testing/fstest"
)

func TestFiles(t *testing.T) {
	ms, err := Files(fstest.MapFS{
		"migrations/0002_b.sql": {Data: []byte("B")},
		"migrations/0001_a.sql": {Data: []byte("A")},
		"migrations/notes.txt":  {Data: []byte("not a migration")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0] != (File{1, "0001_a.sql", "A"}) || ms[1] != (File{2, "0002_b.sql", "B"}) {
		t.Errorf("Files = %+v, want 0001_a.sql A and 0002_b.sql B", ms)
	}
}

func TestFilesBadNames(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"x_bad_name.sql", "migration x_bad_name.sql: name must be NNNN_name.sql"},
		{"0000_zero.sql", "migration 0000_zero.sql: name must be NNNN_name.sql"},
		{"00a1_x.sql", "migration 00a1_x.sql: name must be NNNN_name.sql"},
		{"+002_x.sql", "migration +002_x.sql: name must be NNNN_name.sql"},
		{"0001.sql", "migration 0001.sql: name must be NNNN_name.sql"},
		{"0001_b.sql", "migrations 0001_a.sql and 0001_b.sql share a number"},
	} {
		_, err := Files(fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/" + tc.name: {}})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
}
