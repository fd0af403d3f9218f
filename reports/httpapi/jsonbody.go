package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
		return ledger.Errorf(ledger.EINVALID, "invalid JSON body: %s", err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return ledger.Errorf(ledger.EINVALID, "invalid JSON body: data after the JSON value at byte %d", dec.InputOffset())
	}
	return nil
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
