package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// decodeJSON decodes a JSON body strictly (spec section 7): unknown
// fields, a key given twice in one object (the second would silently win:
// "amount":"1.00","amount":"777.00" recorded 777) and anything after the
// value are errors. encoding/json matches keys to fields without regard to
// case, so keys that differ only in case count as the same key.
func decodeJSON(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if err := checkJSONKeys(b); err != nil {
		return ledger.Errorf(ledger.EINVALID, "invalid JSON body: %s", err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return ledger.Errorf(ledger.EINVALID, "invalid JSON body: %s", typeErrorText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return ledger.Errorf(ledger.EINVALID, "invalid JSON body: data after the JSON value at byte %d", dec.InputOffset())
	}
	return nil
}

// typeErrorText is a decoding error as the client can act on it: a value
// of the wrong JSON type names the field and the types, not the server's
// Go types ("cannot unmarshal number into Go struct field
// PaymentRequest.amount of type string"). Other errors pass as they are.
func typeErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	want := "a JSON " + jsonKind(te.Type.Kind())
	if te.Field == "" {
		return fmt.Sprintf("want %s, got %s", want, article(te.Value))
	}
	if te.Type.Kind() == reflect.String {
		want += ` (amounts and dates are strings, as in "1234.50" and "2026-03-31")`
	}
	return fmt.Sprintf("%s: want %s, got %s", te.Field, want, article(te.Value))
}

// jsonKind names the JSON type a Go kind decodes from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "number"
}

// article is a JSON type name as a noun phrase: "a number", "an array".
func article(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}

// maxJSONDepth bounds the nesting checkJSONKeys walks (request bodies are
// flat objects; the decoder itself stops at 10,000).
const maxJSONDepth = 64

// checkJSONKeys walks the first JSON value of b and refuses an object that
// names a key twice. Syntax errors are left to the decoder that follows,
// which describes them better.
func checkJSONKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var walk func(depth int) error
	walk = func(depth int) error {
		if depth > maxJSONDepth {
			return fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
		}
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				if seen[strings.ToLower(key)] {
					return fmt.Errorf("key %q given twice", key)
				}
				seen[strings.ToLower(key)] = true
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	err := walk(0)
	var se *json.SyntaxError
	if err != nil && (errors.As(err, &se) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return nil
	}
	return err
}
