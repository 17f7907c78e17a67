package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// Content types ksqlDB speaks.
const (
	ctKsqlV1    = "application/vnd.ksql.v1+json"
	ctJSON      = "application/json"
	ctDelimited = "application/vnd.ksqlapi.delimited.v1"
)

// ksqlDB's error codes (io.confluent.ksql.rest.Errors and the /query-stream
// server's ErrorCodes).
const (
	codeBadRequest       = 40000
	codeBadStatement     = 40001
	codeQueryEndpoint    = 40002
	codeUnknownQueryID   = 40003
	codeUnauthorized     = 40100
	codeNotFound         = 40400
	codeMethodNotAllowed = 40500
	codeServerError      = 50000
)

// errorEntity is ksqlDB's KsqlErrorMessage / KsqlStatementErrorMessage.
type errorEntity struct {
	Type          string `json:"@type"`
	ErrorCode     int    `json:"error_code"`
	Message       string `json:"message"`
	StatementText string `json:"statementText,omitempty"`
	Entities      []any  `json:"entities,omitempty"`
}

func genericError(code int, msg string) *errorEntity {
	return &errorEntity{Type: "generic_error", ErrorCode: code, Message: msg}
}

// statementError is the error for one failed statement; entities are the
// results of the statements before it in the same request.
func statementError(code int, stmt string, err error, entities []any) map[string]any {
	if entities == nil {
		entities = []any{}
	}
	return map[string]any{
		"@type":         "statement_error",
		"error_code":    code,
		"message":       errorMessage(err),
		"statementText": stmt,
		"entities":      entities,
	}
}

// errorMessage is the text ksqlDB would send: syntax errors keep their
// line:col prefix, other user errors are the bare message.
func errorMessage(err error) string {
	var ae *ast.Error
	if errors.As(err, &ae) && ae.Category != ast.SyntaxError {
		return ae.Msg
	}
	return err.Error()
}

// responseType picks the content type of a JSON response from Accept:
// application/json when asked for (and not the ksql type), else ksqlDB's.
func responseType(r *http.Request) string {
	acc := r.Header.Get("Accept")
	if strings.Contains(acc, ctJSON) && !strings.Contains(acc, ctKsqlV1) {
		return ctJSON
	}
	return ctKsqlV1
}

// writeJSON writes v as the whole response. Values must marshal; a failure
// is a programming error reported as a 500.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = marshal(genericError(codeServerError, fmt.Sprintf("encoding response: %v", err)))
	}
	w.Header().Set("Content-Type", responseType(r))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// marshal is json.Marshal without HTML escaping: SQL text has '<' and '&'.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// decodeBody reads a JSON request body of at most limit bytes into v. The
// returned error is ready to send to the client.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) *errorEntity {
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return genericError(codeBadRequest, fmt.Sprintf("Request body is larger than %d bytes", limit))
		case errors.Is(err, io.EOF):
			return genericError(codeBadRequest, "Request body is empty")
		}
		return genericError(codeBadRequest, "Invalid JSON in request: "+err.Error())
	}
	if dec.More() {
		return genericError(codeBadRequest, "Invalid JSON in request: unexpected data after the request object")
	}
	return nil
}

// propertyMap turns request properties (any JSON values) into the strings a
// session holds.
func propertyMap(in map[string]any) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}
