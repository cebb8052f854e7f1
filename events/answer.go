package events

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// answerer writes the answers of one request in its endpoint's form: on
// /v1/logs an ExportLogsServiceResponse, or for errors a google.rpc.Status
// (as OTLP/HTTP wants), in the request's encoding; on /events a Result.
type answerer struct {
	w        http.ResponseWriter
	endpoint string
	enc      encoding
}

// fail answers an error with a message for the app.
func (a answerer) fail(code int, msg string) {
	if a.endpoint == endpointOTLP {
		a.message(code, &status.Status{Code: grpcCode(code), Message: msg})
		return
	}
	a.json(code, Result{Error: msg})
}

// retryLater answers a retryable error (429, 503) with Retry-After.
func (a answerer) retryLater(code int, after time.Duration, msg string) {
	a.w.Header().Set("Retry-After", strconv.Itoa(int(max(after.Round(time.Second), time.Second)/time.Second)))
	a.fail(code, msg)
}

// message writes a protobuf message in the request's encoding.
func (a answerer) message(code int, m proto.Message) {
	var body []byte
	var err error
	if a.enc == encJSON {
		body, err = protojson.Marshal(m)
	} else {
		body, err = proto.Marshal(m)
	}
	if err != nil {
		// Our own small messages always encode; never leave the app
		// without an answer.
		code, body = http.StatusInternalServerError, nil
	}
	a.write(code, a.enc.contentType(), body)
}

// json writes v as JSON.
func (a answerer) json(code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code, body = http.StatusInternalServerError, nil
	}
	a.write(code, "application/json", append(body, '\n'))
}

func (a answerer) write(code int, contentType string, body []byte) {
	h := a.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	a.w.WriteHeader(code)
	a.w.Write(body)
}

// grpcCode is the google.rpc.Code of an HTTP status, as OTLP clients
// expect in a Status body.
func grpcCode(httpCode int) int32 {
	switch httpCode {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return 3 // INVALID_ARGUMENT
	case http.StatusUnauthorized:
		return 16 // UNAUTHENTICATED
	case http.StatusMisdirectedRequest:
		return 7 // PERMISSION_DENIED
	case http.StatusNotFound:
		return 5 // NOT_FOUND
	case http.StatusMethodNotAllowed:
		return 12 // UNIMPLEMENTED
	case http.StatusTooManyRequests:
		return 8 // RESOURCE_EXHAUSTED
	case http.StatusServiceUnavailable:
		return 14 // UNAVAILABLE
	}
	return 13 // INTERNAL
}
