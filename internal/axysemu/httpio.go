package axysemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// apiError is an error the API answers with: an HTTP status and the message
// of the JSON error body {"status":"error","message":…}.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

func apiErrorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, message: fmt.Sprintf(format, args...)}
}

// Shorthands for the statuses handlers use most.
func badRequest(format string, args ...any) *apiError {
	return apiErrorf(http.StatusBadRequest, format, args...)
}

func invalid(format string, args ...any) *apiError {
	return apiErrorf(http.StatusUnprocessableEntity, format, args...)
}

func conflict(format string, args ...any) *apiError {
	return apiErrorf(http.StatusConflict, format, args...)
}

// errorBody is the error envelope.
type errorBody struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// success is the envelope of responses that carry no other field.
type success struct {
	Status string `json:"status"`
}

const ok = "success"

// call is one request as handlers see it: the body is already read (outside
// the state lock), the path parameters already split out.
type call struct {
	now    time.Time
	params []string
	query  url.Values
	body   []byte
}

// id parses the i-th path parameter as a positive integer identifier.
func (c *call) id(i int, name string) (int64, error) {
	n, err := strconv.ParseInt(c.params[i], 10, 64)
	if err != nil || n <= 0 {
		return 0, badRequest("%s: must be a positive integer", name)
	}
	return n, nil
}

// decode reads the JSON object body into dst. An empty body counts as {}.
// Malformed JSON, a wrong type, an unknown field or trailing data is a 400
// naming the problem.
func (c *call) decode(dst any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("malformed JSON: unexpected data after the object")
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return badRequest("malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: unexpected end of body")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("request body must be a JSON object")
		}
		return badRequest("%s: must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	}
	if name, found := strings.CutPrefix(err.Error(), "json: unknown field "); found {
		return badRequest("%s: unknown field", strings.Trim(name, `"`))
	}
	return badRequest("malformed JSON: %s", err.Error())
}

// jsonKind names a Go kind the way the API's documentation does.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "a boolean"
	}
	return "a " + kind
}

// readBody reads at most limit bytes of the body; more is a 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, apiErrorf(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apiErrorf(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", limit)
		}
		return nil, badRequest("read request body: %s", err.Error())
	}
	return body, nil
}

// writeJSON writes v with the given status. Encoding cannot fail for the
// emulator's own view types, so a failure is a programming error reported as
// a 500 body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"status":"error","message":"internal error: encode response"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError writes an apiError as the error envelope.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{Status: "error", Message: e.message})
}
