package migrate

import "testing"

type testObject struct{ kind, name, def string }

func (o testObject) Kind() string   { return o.kind }
func (o testObject) String() string { return o.kind + " " + o.name }

// TestSchemaDifference: the first difference in key order is named, an
// index or view added by hand is let be, and agreeing schemas give "".
func TestSchemaDifference(t *testing.T) {
	obj := func(kind, name, def string) testObject { return testObject{kind, name, def} }
	want := map[string]testObject{
		"1 t":  obj("table", "t", "a"),
		"2 i":  obj("index", "i", "b"),
		"3 tr": obj("trigger", "tr", "c"),
	}
	changed := func(g, w testObject) string {
		if g.def != w.def {
			return "is not the one revshare's migrations create (changed outside revshare)"
		}
		return ""
	}
	with := func(edit func(m map[string]testObject)) map[string]testObject {
		m := map[string]testObject{}
		for k, v := range want {
			m[k] = v
		}
		edit(m)
		return m
	}
	for _, tc := range []struct {
		name string
		got  map[string]testObject
		want string
	}{
		{"same", with(func(map[string]testObject) {}), ""},
		{"index and view added", with(func(m map[string]testObject) {
			m["2 j"], m["4 v"] = obj("index", "j", "x"), obj("view", "v", "y")
		}), ""},
		{"trigger lacking", with(func(m map[string]testObject) { delete(m, "3 tr") }),
			"schema: the book lacks trigger tr, which revshare's migrations create (removed outside revshare)"},
		{"trigger added", with(func(m map[string]testObject) { m["3 ts"] = obj("trigger", "ts", "d") }),
			"schema: the book has trigger ts, which revshare's migrations do not create (added outside revshare)"},
		{"first in key order", with(func(m map[string]testObject) {
			m["1 t"] = obj("table", "t", "changed")
			delete(m, "3 tr")
		}), "schema: the book's table t is not the one revshare's migrations create (changed outside revshare)"},
	} {
		if got := SchemaDifference(want, tc.got, changed); got != tc.want {
			t.Errorf("%s: %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
